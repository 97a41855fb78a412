import { describe, expect, it } from 'vitest';
import { ewmaVariance } from '../analytics/vol/ewma.ts';
import { fitGarch } from '../analytics/vol/garch.ts';
import { ValidationError } from '../errors/index.ts';
import { dataWindow, filteredReturns, horizonReturns, HOUR_MS, HOURLY_EWMA_LAMBDA, hourlyReturns, MissingHistoryError, type PriceHistory } from './history.ts';
import { syntheticHistories } from './synthetic.ts';

const T0 = Date.parse('2023-01-01T00:00:00Z');
const hist = syntheticHistories({ assets: ['BTC', 'ETH'], start: [20000, 1500], vols: [0.5, 0.7], correlation: [1, 0.8, 0.8, 1], hours: 3000, from: T0 });

const sd = (xs: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m += xs[i]!;
  m /= xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - m) ** 2;
  return Math.sqrt(v / (xs.length - 1));
};

describe('hourlyReturns', () => {
  it('joint log returns of bars closed by asOf (no look-ahead), with the window they cover', () => {
    const asOf = T0 + 1500 * HOUR_MS;
    const h = hourlyReturns(['BTC', 'ETH'], hist, asOf);
    expect(h.timestamps.length).toBe(1499);
    expect(h.returns[0]![0]).toBeCloseTo(Math.log(hist[0]!.close[1]! / hist[0]!.close[0]!), 15);
    expect(dataWindow(h)).toEqual({ from: '2023-01-01T00:00:00.000Z', to: new Date(asOf).toISOString(), hours: 1499 });
    // an asOf after the data uses all of it
    expect(hourlyReturns(['BTC'], hist, T0 + 10_000 * HOUR_MS).timestamps.length).toBe(2999);
  });

  it('an asset without history is an error naming it (fail safe), and too short a history is invalid', () => {
    expect(() => hourlyReturns(['BTC', 'DOGE'], hist, T0 + 3000 * HOUR_MS)).toThrow(MissingHistoryError);
    expect(() => hourlyReturns(['BTC', 'DOGE'], hist, T0 + 3000 * HOUR_MS)).toThrow(/DOGE/);
    expect(() => hourlyReturns(['BTC'], hist, T0 + 500 * HOUR_MS)).toThrow(ValidationError);
  });
});

describe('horizonReturns', () => {
  it('overlapping h-hour log returns = ln(close[t + h] / close[t]), n - h + 1 of them without gaps', () => {
    const h = hourlyReturns(['BTC', 'ETH'], hist, Infinity);
    const cols = horizonReturns(h, 24);
    expect(cols[0]!.length).toBe(2999 - 24 + 1);
    const c = hist[1]!.close;
    expect(cols[1]![100]).toBeCloseTo(Math.log(c[124]! / c[100]!), 12);
    const one = horizonReturns(h, 1)[0]!;
    expect(one.length).toBe(h.returns[0]!.length);
    one.forEach((x, i) => expect(Math.abs(x - h.returns[0]![i]!)).toBeLessThan(1e-14));
  });

  it('drops every window that spans a gap', () => {
    // remove bar 1000 from ETH: returns 1000 and 1001 are lost (the inner join drops the bar; the step across is skipped)
    const eth = hist[1]!;
    const keep = (i: number): boolean => i !== 1000;
    const gapped: PriceHistory = { ...eth, timestamp: Array.from(eth.timestamp).filter((_, i) => keep(i)), close: Array.from(eth.close).filter((_, i) => keep(i)) };
    const h = hourlyReturns(['BTC', 'ETH'], [hist[0]!, gapped], Infinity);
    expect(h.timestamps.length).toBe(2999 - 2);
    expect(h.skippedAcrossGaps).toBe(1);
    const cols = horizonReturns(h, 24);
    // hourly returns indexed by their end bar 1..2999 minus {1000, 1001}: windows of 24 consecutive ends
    let expected = 0;
    for (let end = 24; end <= 2999; end++) if (end < 1000 || end - 23 > 1001) expected++;
    expect(cols[0]!.length).toBe(expected);
    // the first window after the gap starts at the return ending at bar 1002: ln(close[1025] / close[1001])
    const btc = hist[0]!.close;
    expect(cols[0]![1000 - 24]).toBeCloseTo(Math.log(btc[1025]! / btc[1001]!), 12);
  });

  it('rejects a non-integer horizon', () => {
    const h = hourlyReturns(['BTC'], hist, Infinity);
    expect(() => horizonReturns(h, 1.5)).toThrow(/horizon/);
  });
});

describe('filteredReturns (FHS)', () => {
  it('rescales each hour to the current EWMA vol: a calm past looks like the volatile present', () => {
    const calm = syntheticHistories({ assets: ['BTC'], start: [20000], vols: [0.2], hours: 4000, from: T0, seed: 1 })[0]!;
    const wild = syntheticHistories({ assets: ['BTC'], start: [calm.close[3999]!], vols: [0.8], hours: 2000, from: T0 + 4000 * HOUR_MS, seed: 2 })[0]!;
    const both: PriceHistory = { asset: 'BTC', source: 'two regimes', timestamp: [...Array.from(calm.timestamp), ...Array.from(wild.timestamp)], close: [...Array.from(calm.close), ...Array.from(wild.close)] };
    const h = hourlyReturns(['BTC'], [both], Infinity);
    const f = filteredReturns(h);
    const rawCalm = sd(h.returns[0]!.subarray(1000, 3000));
    const filteredCalm = sd(f.returns[0]!.subarray(1000, 3000));
    const current = Math.sqrt(f.currentVariance[0]!);
    expect(rawCalm / current).toBeLessThan(0.4);
    expect(filteredCalm / current).toBeGreaterThan(0.8);
    expect(filteredCalm / current).toBeLessThan(1.25);
    // the burn-in is dropped and the current variance is the EWMA after the last hour
    expect(f.timestamps.length).toBe(h.timestamps.length - 720);
    expect(f.currentVariance[0]).toBe(ewmaVariance(h.returns[0]!, { lambda: HOURLY_EWMA_LAMBDA }).variance);
  });

  it('scales hour t by sqrt(current / forecast for t), the forecast made after hour t - 1', () => {
    const h = hourlyReturns(['ETH'], [hist[1]!], Infinity);
    const e = ewmaVariance(h.returns[0]!, { lambda: HOURLY_EWMA_LAMBDA });
    const f = filteredReturns(h);
    const t = 1500;
    expect(f.returns[0]![t - 720]).toBeCloseTo(h.returns[0]![t]! * Math.sqrt(e.variance / e.path[t - 1]!), 14);
  });

  it('GARCH(1,1): hour t scaled by sqrt(h_{T+1} / h_t), the fitted conditional variances, nothing dropped but the first hour', () => {
    const h = hourlyReturns(['BTC'], [hist[0]!], T0 + 2000 * HOUR_MS);
    const g = fitGarch(h.returns[0]!, { includeMean: false });
    const f = filteredReturns(h, { model: 'garch' });
    expect(f.timestamps.length).toBe(h.timestamps.length - 1);
    expect(f.currentVariance[0]).toBe(g.nextVariance);
    expect(f.returns[0]![99]).toBeCloseTo(h.returns[0]![100]! * Math.sqrt(g.nextVariance / g.h[100]!), 14);
  });
});
