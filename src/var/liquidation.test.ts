import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bucketLiquidationPrices } from '../liquidation/price.ts';
import { parsePortfolio } from '../model/parse.ts';
import type { Portfolio } from '../model/types.ts';
import { riskReport } from '../risk/report.ts';
import { barrierHitProbability, discreteEquivalentBarrier } from './barrier.ts';
import { compileBook, riskAssets } from './engine.ts';
import { HOURS_PER_YEAR } from './history.ts';
import { cholesky } from './linalg.ts';
import { liquidationProbabilities } from './liquidation.ts';
import type { McModel } from './montecarlo.ts';

/**
 * Single-underlying linear accounts whose liquidation prices are exactly the barriers of the reference table:
 * isolated 1 BTC perps at 60 000 with 12 000 USD margin, no maintenance and no fee: balance 12 000 + q (P - 60 000)
 * reaches 0 at 48 000 (long) and 72 000 (short).
 */
const BOOK = parsePortfolio(
  `asOf: 2024-03-01T00:00:00Z
market: { prices: { BTC: 60000, USDT: 1 }, vols: { BTC: 0.6 }, rate: 0 }
accounts:
  - id: long
    venue: binance-usdm
    mode: isolated
    positions:
      - { kind: perp, asset: BTC, qty: 1, entry: 60000, margin: 12000, mmr: 0, mmAmount: 0, liquidationFeeRate: 0 }
  - id: short
    venue: binance-usdm
    mode: isolated
    positions:
      - { kind: perp, asset: BTC, qty: -1, entry: 60000, margin: 12000, mmr: 0, mmAmount: 0, liquidationFeeRate: 0 }
`,
  'barriers.yaml',
);
const GBM: McModel = { assets: ['BTC'], vols: Float64Array.from([0.6]), chol: Float64Array.from([1]), innovations: { kind: 'normal' } };
const HORIZONS = [24, 168, 720];
const closedForm = (barrier: number, hours: number): number => barrierHitProbability({ spot: 60000, barrier, mu: 0, sigma: 0.6, years: hours / HOURS_PER_YEAR });

describe('the accounts of the test', () => {
  it('liquidate exactly at 48 000 and 72 000 (liquidation/price.ts)', () => {
    const book = compileBook(BOOK, ['BTC']);
    const prices = (a: string): number => BOOK.market.prices[a]!;
    expect(bucketLiquidationPrices(book.buckets[0]!.bucket, 'BTC', prices)).toEqual({ down: 48000, up: null });
    expect(bucketLiquidationPrices(book.buckets[1]!.bucket, 'BTC', prices)).toEqual({ down: null, up: 72000 });
  });
});

describe('MC first passage = the closed-form barrier-hit probability (within 3 standard errors)', () => {
  const within = (p: number, se: number, expected: number): void => {
    expect(se).toBeGreaterThan(0);
    expect(Math.abs(p - expected)).toBeLessThan(3 * se);
  };

  it('default model (GBM, zero drift, market vol, continuous monitoring, 1h steps): 30d long = QuantLib 0.217022917656', () => {
    const r = liquidationProbabilities(compileBook(BOOK, ['BTC']), GBM, { paths: 20_000, horizons: HORIZONS, seed: 1 });
    expect(r.stepHours).toBe(1);
    HORIZONS.forEach((h, i) => {
      if (h === 24) {
        // 1 day: 1e-12, nothing to sample
        expect(r.probability[i]).toBe(0);
        expect(r.probability[3 + i]).toBe(0);
        return;
      }
      within(r.probability[i]!, r.stdError[i]!, closedForm(48000, h));
      within(r.probability[3 + i]!, r.stdError[3 + i]!, closedForm(72000, h));
    });
    expect(closedForm(48000, 720)).toBeCloseTo(0.217022917656, 11);
    expect(closedForm(72000, 720)).toBeCloseTo(0.263454754028, 11);
  });

  it('discrete monitoring every 4h = the closed form at the BGK-shifted barrier B exp(-+0.5826 sigma sqrt(dt)), not at B', () => {
    const stepHours = 4;
    const dt = stepHours / HOURS_PER_YEAR;
    const r = liquidationProbabilities(compileBook(BOOK, ['BTC']), GBM, { paths: 40_000, horizons: [720], stepHours, seed: 2, monitoring: 'discrete' });
    const long = closedForm(discreteEquivalentBarrier(60000, 48000, 0.6, dt), 720);
    const short = closedForm(discreteEquivalentBarrier(60000, 72000, 0.6, dt), 720);
    within(r.probability[0]!, r.stdError[0]!, long);
    within(r.probability[1]!, r.stdError[1]!, short);
    // the correction matters at this step: the raw continuous value is many standard errors away
    expect(closedForm(48000, 720) - r.probability[0]!).toBeGreaterThan(5 * r.stdError[0]!);
    expect(closedForm(72000, 720) - r.probability[1]!).toBeGreaterThan(5 * r.stdError[1]!);
  });

  it('continuous monitoring from 4h steps (barriers moved towards the mark by BGK) = the closed form at B', () => {
    const r = liquidationProbabilities(compileBook(BOOK, ['BTC']), GBM, { paths: 40_000, horizons: [168, 720], stepHours: 4, seed: 3 });
    within(r.probability[0]!, r.stdError[0]!, closedForm(48000, 168));
    within(r.probability[1]!, r.stdError[1]!, closedForm(48000, 720));
    within(r.probability[2]!, r.stdError[2]!, closedForm(72000, 168));
    within(r.probability[3]!, r.stdError[3]!, closedForm(72000, 720));
  });
});

describe('the barrier check equals full revaluation at every step', () => {
  const multiVenue = parsePortfolio(readFileSync(new URL('../../examples/multi-venue.yaml', import.meta.url), 'utf8'), 'multi-venue.yaml');
  it('multi-venue example, discrete monitoring: identical first-passage steps on the same paths', () => {
    const assets = riskAssets(multiVenue);
    const book = compileBook(multiVenue, assets);
    const model: McModel = { assets, vols: Float64Array.from([0.55, 0.65]), chol: cholesky(Float64Array.from([1, 0.8, 0.8, 1]), 2), innovations: { kind: 'student-t', nu: 5 } };
    const options = { paths: 400, horizons: [24, 168, 720], stepHours: 4, seed: 9, monitoring: 'discrete' as const };
    const fast = liquidationProbabilities(book, model, { ...options, check: 'barrier' });
    const full = liquidationProbabilities(book, model, { ...options, check: 'revalue' });
    expect(Array.from(fast.firstStep)).toEqual(Array.from(full.firstStep));
    expect(fast.probability.some((p) => p > 0.05)).toBe(true);
  });
});

describe('edge cases', () => {
  const book = (positions: string, collateral = ''): Portfolio =>
    parsePortfolio(`asOf: 2024-03-01T00:00:00Z\nmarket: { prices: { BTC: 60000, USDT: 1 }, vols: { BTC: 0.6 }, rate: 0 }\naccounts:\n  - id: a\n    venue: binance-usdm\n    mode: cross\n${collateral}    positions:\n${positions}`, 'edge.yaml');

  it('an account liquidatable now has probability 1; one without exposure 0', () => {
    const now = book('      - { kind: perp, asset: BTC, qty: 1, entry: 80000 }\n', '    collateral: { USDT: 1000 }\n');
    expect(riskReport(now).accounts[0]!.liquidatable).toBe(true);
    const r = liquidationProbabilities(compileBook(now, ['BTC']), GBM, { paths: 10, horizons: HORIZONS, seed: 1 });
    expect(Array.from(r.probability)).toEqual([1, 1, 1]);
    expect(r.liquidatableNow).toEqual([true]);
    const flat = book('      - { kind: perp, asset: BTC, qty: 0, entry: 60000 }\n', '    collateral: { USDT: 1000 }\n');
    expect(Array.from(liquidationProbabilities(compileBook(flat, ['BTC']), GBM, { paths: 10, horizons: HORIZONS, seed: 1 }).probability)).toEqual([0, 0, 0]);
  });

  it('rejects horizons that are not whole steps and a model on other assets', () => {
    const c = compileBook(BOOK, ['BTC']);
    expect(() => liquidationProbabilities(c, GBM, { paths: 10, horizons: [30], stepHours: 4, seed: 1 })).toThrow(/horizons/);
    expect(() => liquidationProbabilities(c, { ...GBM, assets: ['ETH'] }, { paths: 10, horizons: [24], seed: 1 })).toThrow(/assets/);
    expect(() => liquidationProbabilities(c, GBM, { paths: 1, horizons: [24], seed: 1 })).toThrow(/paths/);
  });

  it('is deterministic per seed, and paths are rounded up to antithetic pairs', () => {
    const c = compileBook(BOOK, ['BTC']);
    const a = liquidationProbabilities(c, GBM, { paths: 501, horizons: [720], stepHours: 24, seed: 4 });
    const b = liquidationProbabilities(c, GBM, { paths: 501, horizons: [720], stepHours: 24, seed: 4 });
    expect(a.paths).toBe(502);
    expect(Array.from(a.probability)).toEqual(Array.from(b.probability));
  });
});
