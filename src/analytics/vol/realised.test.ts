import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors/index.ts';
import { annualisedVol, logReturns, periodsPerYearOf, periodVariance, variance } from './conventions.ts';
import {
  closeToCloseVariance,
  garmanKlassVariance,
  parkinsonVariance,
  rollingCloseToClose,
  rollingGarmanKlass,
  rollingParkinson,
  type Ohlc,
} from './realised.ts';

/** Reference note §3b fixed series (daily, ann 365). */
const R3B = [
  0.012, -0.034, 0.021, 0.005, -0.051, 0.017, -0.008, 0.029, -0.022, 0.014, -0.063, 0.038, 0.009, -0.015, 0.026, -0.041, 0.033, 0.004, -0.019, 0.022,
];

/** Seeded uniform (mulberry32) and standard normal (Box-Muller) generators. */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Zero-drift GBM bars: each bar is `steps` log-normal sub-steps, per-bar log variance sigma2; open = previous close. */
function gbmBars(n: number, steps: number, sigma2: number, seed: number): Ohlc {
  const z = normals(seed);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const sd = Math.sqrt(sigma2 / steps);
  let p = 100;
  for (let i = 0; i < n; i++) {
    open[i] = high[i] = low[i] = p;
    for (let k = 0; k < steps; k++) {
      p *= Math.exp(sd * z() - (sd * sd) / 2);
      high[i] = Math.max(high[i]!, p);
      low[i] = Math.min(low[i]!, p);
    }
    close[i] = p;
  }
  return { open, high, low, close };
}

describe('conventions', () => {
  it('periods per 365-day year: 1h -> 8760, 1d -> 365, 8h -> 1095', () => {
    expect(periodsPerYearOf(3_600_000)).toBe(8760);
    expect(periodsPerYearOf(86_400_000)).toBe(365);
    expect(periodsPerYearOf(8 * 3_600_000)).toBe(1095);
  });
  it('annualisation round-trips', () => {
    expect(annualisedVol(periodVariance(0.8, 8760), 8760)).toBeCloseTo(0.8, 15);
    expect(annualisedVol(0.0004, 365)).toBeCloseTo(0.02 * Math.sqrt(365), 15);
  });
  it('log returns of prices; a price <= 0 is named by index', () => {
    const r = logReturns([100, 110, 99]);
    expect(Array.from(r)).toEqual([Math.log(1.1), Math.log(0.9)]);
    expect(() => logReturns([100, 0, 99])).toThrow(/prices\[1\]: a price must be > 0 \(got 0\)/);
  });
});

describe('close-to-close', () => {
  it('§3b: annualised vol (ddof 1, ann 365) 0.558560214442', () => {
    expect(annualisedVol(closeToCloseVariance(R3B), 365)).toBeCloseTo(0.558560214442, 11);
  });
  it('is the ddof-1 sample variance; NaN is rejected with its index', () => {
    expect(closeToCloseVariance([0.01, -0.01])).toBeCloseTo(0.0002, 18);
    expect(() => closeToCloseVariance([0.01, Number.NaN])).toThrow(ValidationError);
    expect(() => closeToCloseVariance([0.01, Number.NaN])).toThrow(/returns\[1\]: not a finite number/);
  });
  it('rolling windows are the estimator on each slice; element j ends at j + window - 1', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: 2, maxLength: 40 }), fc.nat(), (xs, w0) => {
        const window = 2 + (w0 % (xs.length - 1));
        const roll = rollingCloseToClose(xs, window);
        expect(roll.length).toBe(xs.length - window + 1);
        roll.forEach((v, j) => expect(v).toBeCloseTo(variance(xs.slice(j, j + window), 1), 15));
      }),
    );
  });
  it('a window longer than the data, or below 2, is an error naming the window', () => {
    expect(() => rollingCloseToClose(R3B, 21)).toThrow(/window: is longer than the 20 observations/);
    expect(() => rollingCloseToClose(R3B, 1)).toThrow(/window: must be a whole number >= 2/);
  });
});

describe('Parkinson and Garman-Klass', () => {
  const bar: Ohlc = { open: [100], high: [110], low: [90], close: [105] };
  it('one bar, by the formulas: (ln H/L)²/(4 ln 2) and ½(ln H/L)² - (2 ln 2 - 1)(ln C/O)²', () => {
    const hl = Math.log(110 / 90);
    const co = Math.log(105 / 100);
    expect(parkinsonVariance(bar)).toBeCloseTo((hl * hl) / (4 * Math.LN2), 17);
    expect(garmanKlassVariance(bar)).toBeCloseTo(0.5 * hl * hl - (2 * Math.LN2 - 1) * co * co, 17);
    // the same formulas evaluated independently with Python's math module
    expect(parkinsonVariance(bar)).toBeCloseTo(0.014523873553353111, 16);
    expect(garmanKlassVariance(bar)).toBeCloseTo(0.01921479796164129, 16);
  });

  it('recover the per-bar variance of simulated GBM bars (the constants 4 ln 2 and 2 ln 2 - 1)', () => {
    // 2000 bars of 1000 sub-steps each; sampling the path discretely biases the range down by a few per cent
    const sigma2 = 1e-4;
    const bars = gbmBars(2000, 1000, sigma2, 7);
    const cc = closeToCloseVariance(logReturns(Array.from(bars.close)));
    expect(cc / sigma2).toBeGreaterThan(0.93);
    expect(cc / sigma2).toBeLessThan(1.07);
    const pk = parkinsonVariance(bars) / sigma2;
    const gk = garmanKlassVariance(bars) / sigma2;
    expect(pk).toBeGreaterThan(0.9);
    expect(pk).toBeLessThan(1.03);
    expect(gk).toBeGreaterThan(0.9);
    expect(gk).toBeLessThan(1.03);
  });

  it('are scale invariant and zero for flat bars', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e6, noNaN: true }), (k) => {
        const scaled: Ohlc = { open: [100 * k], high: [110 * k], low: [90 * k], close: [105 * k] };
        expect(parkinsonVariance(scaled)).toBeCloseTo(parkinsonVariance(bar), 14);
        expect(garmanKlassVariance(scaled)).toBeCloseTo(garmanKlassVariance(bar), 14);
      }),
    );
    const flat: Ohlc = { open: [5, 5], high: [5, 5], low: [5, 5], close: [5, 5] };
    expect(parkinsonVariance(flat)).toBe(0);
    expect(garmanKlassVariance(flat)).toBe(0);
  });

  it('rolling means of the per-bar terms', () => {
    const bars = gbmBars(30, 20, 1e-4, 3);
    const slice = (from: number, to: number): Ohlc => ({
      open: Array.from(bars.open).slice(from, to),
      high: Array.from(bars.high).slice(from, to),
      low: Array.from(bars.low).slice(from, to),
      close: Array.from(bars.close).slice(from, to),
    });
    const pk = rollingParkinson(bars, 7);
    const gk = rollingGarmanKlass(bars, 7);
    expect(pk.length).toBe(24);
    for (let j = 0; j < pk.length; j++) {
      expect(pk[j]).toBeCloseTo(parkinsonVariance(slice(j, j + 7)), 16);
      expect(gk[j]).toBeCloseTo(garmanKlassVariance(slice(j, j + 7)), 16);
    }
  });

  it('inconsistent bars are rejected naming the bar and its values', () => {
    const bad: Ohlc = { open: [100, 100], high: [110, 99], low: [90, 95], close: [105, 100] };
    expect(() => parkinsonVariance(bad)).toThrow(/bars\[1\]: needs low <= open, close <= high \(got \{"open":100,"high":99,"low":95,"close":100\}\)/);
    expect(() => garmanKlassVariance({ ...bar, low: [0] })).toThrow(/bars\.low\[0\]: a price must be > 0/);
    expect(() => parkinsonVariance({ ...bar, open: [] })).toThrow(/bars\.open: has 0 values for 1 closes/);
  });
});
