import { describe, expect, it } from 'vitest';
import { calibrateLiquidity, DAY_MS, HOUR_MS, type HourlyBars } from './calibrate.ts';

const T0 = Date.parse('2024-01-01T00:00:00Z');

/** Hourly bars from `days` days before asOf: close from `close(i)`, volume from `volume(i)`. */
function bars(days: number, close: (i: number) => number, volume: (i: number) => number, skip: (i: number) => boolean = () => false): HourlyBars {
  const t: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < days * 24; i++) {
    if (skip(i)) continue;
    t.push(T0 + i * HOUR_MS);
    c.push(close(i));
    v.push(volume(i));
  }
  return { length: t.length, timestamp: Float64Array.from(t), close: Float64Array.from(c), volume: Float64Array.from(v) };
}

describe('calibrateLiquidity', () => {
  it('ADV is the median of complete days of sum(volume x close)', () => {
    // day d: volume 10 x (d + 1) per hour at close 100 -> 24 000 (d + 1) USD; median of 1..30 is 15.5
    const b = bars(30, () => 100, (i) => 10 * (Math.floor(i / 24) + 1));
    const c = calibrateLiquidity(b, T0 + 30 * DAY_MS, 30);
    expect(c.advUsd).toBeCloseTo(24_000 * 15.5, 9);
    expect(c.completeDays).toBe(30);
    expect(c.minDailyUsd).toBeCloseTo(24_000, 9);
    expect(c.maxDailyUsd).toBeCloseTo(720_000, 9);
    expect(c.sigmaDaily).toBe(0);
  });

  it('a crash day does not move the median; incomplete days are skipped', () => {
    const b = bars(
      30,
      () => 50,
      (i) => (Math.floor(i / 24) === 7 ? 1e6 : 2),
      (i) => Math.floor(i / 24) === 3 && i % 24 === 5,
    );
    const c = calibrateLiquidity(b, T0 + 30 * DAY_MS, 30);
    expect(c.completeDays).toBe(29);
    expect(c.advUsd).toBeCloseTo(2 * 50 * 24, 9);
  });

  it('sigma_d = sample stdev of hourly log returns x sqrt(24); returns across a missing hour are skipped', () => {
    // alternating +r, -r log returns: mean 0, sample variance r^2 n / (n - 1)
    const r = 0.01;
    const b = bars(10, (i) => 100 * Math.exp(i % 2 === 0 ? 0 : r), () => 1);
    const c = calibrateLiquidity(b, T0 + 10 * DAY_MS, 10);
    const n = 10 * 24 - 1;
    expect(c.hourlyReturns).toBe(n);
    const mean = (n % 2 === 1 ? r : 0) / n; // one more +r than -r when n is odd
    const variance = (n * r * r - n * mean * mean) / (n - 1);
    expect(c.sigmaDaily).toBeCloseTo(Math.sqrt(variance * 24), 12);
    const gap = bars(10, (i) => 100 * Math.exp(i % 2 === 0 ? 0 : r), () => 1, (i) => i === 50);
    expect(calibrateLiquidity(gap, T0 + 10 * DAY_MS, 10).hourlyReturns).toBe(n - 2);
  });

  it('only the window before asOf counts', () => {
    const b = bars(40, () => 100, (i) => (i < 10 * 24 ? 1000 : 1));
    const c = calibrateLiquidity(b, T0 + 40 * DAY_MS, 30);
    expect(c.advUsd).toBeCloseTo(2400, 9);
    expect(c.from).toBe(T0 + 10 * DAY_MS);
  });

  it('refuses a window with too little data', () => {
    const b = bars(5, () => 100, () => 1);
    expect(() => calibrateLiquidity(b, T0 + 30 * DAY_MS, 30)).toThrow(/complete days/);
  });
});
