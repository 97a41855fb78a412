import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normCdf } from '../pricing/normal.ts';
import { barrierHitProbability, BGK_BETA, discreteEquivalentBarrier } from './barrier.ts';

/** pricing-and-risk-methods.md §5: QuantLib AnalyticDigitalAmericanEngine (r = 0, q = -mu), T = days / 365. */
const QUANTLIB: readonly [number, number, number, number, number, number][] = [
  [60000, 48000, 0.0, 0.6, 30, 0.217022917656],
  [60000, 48000, 0.2, 0.6, 30, 0.192147815842],
  [60000, 54000, -0.3, 0.8, 7, 0.377200219844],
  [60000, 72000, 0.0, 0.6, 30, 0.263454754028],
  [3000, 2400, 0.1, 0.9, 90, 0.668661434674],
  [100, 50, 0.05, 0.5, 365, 0.202502325265],
  [100, 90, 0.0, 0.2, 1, 8.35353067259e-24],
];

describe('barrierHitProbability', () => {
  it.each(QUANTLIB)('S0 %d, B %d, mu %d, sigma %d, %d days -> QuantLib %d', (spot, barrier, mu, sigma, days, expected) => {
    const p = barrierHitProbability({ spot, barrier, mu, sigma, years: days / 365 });
    expect(Math.abs(p - expected) / expected).toBeLessThan(5e-11);
  });

  it('zero drift: about twice the probability of ending beyond the barrier (reflection), and exactly 2 P(W_T beyond) in log space', () => {
    // nu = -sigma^2/2 != 0 for mu = 0, so check the pure reflection case through a drift mu = sigma^2 / 2 (nu = 0)
    const sigma = 0.6;
    const T = 30 / 365;
    const p = barrierHitProbability({ spot: 60000, barrier: 48000, mu: 0.5 * sigma * sigma, sigma, years: T });
    expect(p).toBeCloseTo(2 * normCdf(Math.log(48000 / 60000) / (sigma * Math.sqrt(T))), 14);
  });

  it('increases with vol and time, is 1 at the spot and 0 at T = 0', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.3, max: 0.99, noNaN: true }), fc.double({ min: 0.1, max: 1.5, noNaN: true }), fc.double({ min: 0.001, max: 2, noNaN: true }), fc.boolean(), (frac, sigma, years, up) => {
        const barrier = up ? 100 / frac : 100 * frac;
        const p = barrierHitProbability({ spot: 100, barrier, mu: 0, sigma, years });
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1 + 1e-12);
        expect(barrierHitProbability({ spot: 100, barrier, mu: 0, sigma: sigma * 1.2, years })).toBeGreaterThanOrEqual(p - 1e-12);
        expect(barrierHitProbability({ spot: 100, barrier, mu: 0, sigma, years: years * 1.5 })).toBeGreaterThanOrEqual(p - 1e-12);
      }),
    );
    expect(barrierHitProbability({ spot: 100, barrier: 100, mu: 0, sigma: 0.5, years: 1 })).toBe(1);
    expect(barrierHitProbability({ spot: 100, barrier: 90, mu: 0, sigma: 0.5, years: 0 })).toBe(0);
  });

  it('rejects bad inputs naming the field', () => {
    expect(() => barrierHitProbability({ spot: 100, barrier: -1, mu: 0, sigma: 0.5, years: 1 })).toThrow(/barrier/);
    expect(() => barrierHitProbability({ spot: 100, barrier: 90, mu: 0, sigma: 0, years: 1 })).toThrow(/sigma/);
  });
});

describe('Broadie-Glasserman-Kou', () => {
  it('beta = -zeta(1/2) / sqrt(2 pi) = 0.5826', () => {
    const zetaHalf = -1.4603545088095868;
    expect(BGK_BETA).toBeCloseTo(-zetaHalf / Math.sqrt(2 * Math.PI), 15);
    expect(BGK_BETA.toFixed(4)).toBe('0.5826');
  });

  it('moves a barrier away from the spot by exp(0.5826 sigma sqrt(dt))', () => {
    const f = Math.exp(BGK_BETA * 0.6 * Math.sqrt(1 / 365));
    expect(discreteEquivalentBarrier(60000, 48000, 0.6, 1 / 365)).toBeCloseTo(48000 / f, 9);
    expect(discreteEquivalentBarrier(60000, 72000, 0.6, 1 / 365)).toBeCloseTo(72000 * f, 9);
  });
});
