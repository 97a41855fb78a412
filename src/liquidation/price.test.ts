import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AssetGroup, Bucket, MarginTerms } from '../margin/terms.ts';
import { evaluateBucket } from '../margin/terms.ts';
import { brent } from './brent.ts';
import { bucketCrashMove, bucketLiquidationPrices } from './price.ts';

/** Linear perp on `asset`: balance += q (P - E), maintenance += |q| P m. */
const perp = (asset: string, q: number, E: number, m: number): AssetGroup => ({
  asset,
  accumulate(P: number, t: MarginTerms) {
    t.balance += q * (P - E);
    t.maintenance += Math.abs(q) * P * m;
    t.liabilities += Math.abs(q) * P * m;
  },
});
const cash = (usd: number): AssetGroup => ({
  asset: 'USD',
  accumulate(_P: number, t: MarginTerms) {
    t.balance += usd;
  },
});
/** Concave excess: short straddle-like, balance = c - k (P - K)^2 / K. */
const concave = (asset: string, c: number, K: number, k: number): AssetGroup => ({
  asset,
  accumulate(P: number, t: MarginTerms) {
    t.balance += c - (k * (P - K) ** 2) / K;
  },
});
const bucket = (...groups: AssetGroup[]): Bucket => ({ id: 'b', positions: [0], groups });
const prices =
  (m: Record<string, number>) =>
  (a: string): number =>
    m[a]!;
const excessAt = (b: Bucket, p: Record<string, number>): number => {
  const t = evaluateBucket(b, prices(p));
  return t.balance - t.maintenance;
};

describe('brent', () => {
  it('finds roots of cubics to the tolerance', () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), (r) => {
        const f = (x: number): number => (x - r) * ((x - r) ** 2 + 1);
        const x = brent(f, -100, 100, f(-100), f(100), 1e-12);
        expect(Math.abs(x - r)).toBeLessThan(1e-9);
      }),
    );
  });
  it('refuses a bracket without a sign change', () => {
    expect(() => brent((x) => x * x + 1, -1, 1, 2, 2, 1e-9)).toThrow(/no sign change/);
  });
});

describe('bucketLiquidationPrices (root finder path)', () => {
  it('long linear perp: matches the closed form (W + q(P-E) = |q| P m)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 100, max: 100_000, noNaN: true }),
        fc.double({ min: 0.02, max: 0.9, noNaN: true }),
        fc.double({ min: 0.001, max: 0.05, noNaN: true }),
        (q, E, marginFrac, m) => {
          const W = q * E * marginFrac;
          const b = bucket(cash(W), perp('BTC', q, E, m));
          const r = bucketLiquidationPrices(b, 'BTC', prices({ BTC: E }));
          const expected = (q * E - W) / (q * (1 - m));
          if (marginFrac <= m) {
            // already past liquidation at the mark: the root lies above, where it becomes safe again
            expect(r.down).toBeNull();
            expect(Math.abs(r.up! - expected) / expected).toBeLessThan(1e-9);
            return;
          }
          expect(r.up).toBeNull();
          if (expected <= E * 1e-6) return; // below the scan floor: no positive liquidation price in range
          expect(r.down).not.toBeNull();
          expect(Math.abs(r.down! - expected) / expected).toBeLessThan(1e-9);
          expect(Math.abs(excessAt(b, { BTC: r.down! }))).toBeLessThan(1e-9 * q * E);
        },
      ),
    );
  });
  it('short linear perp liquidates above', () => {
    const b = bucket(cash(5000), perp('ETH', -10, 3000, 0.005));
    const r = bucketLiquidationPrices(b, 'ETH', prices({ ETH: 3000 }));
    // W + q(P - E) = |q| P m  ->  P = (W - qE) / (|q| m - q)
    const expected = (5000 + 10 * 3000) / (10 * 0.005 + 10);
    expect(r.down).toBeNull();
    expect(r.up).toBeCloseTo(expected, 6);
  });
  it('concave excess has a root on each side', () => {
    const b = bucket(concave('BTC', 1000, 60000, 1));
    const r = bucketLiquidationPrices(b, 'BTC', prices({ BTC: 60000 }));
    const h = Math.sqrt(1000 * 60000);
    expect(r.down).toBeCloseTo(60000 - h, 6);
    expect(r.up).toBeCloseTo(60000 + h, 6);
  });
  it('a bucket already past liquidation reports the price where it is safe again', () => {
    const b = bucket(cash(1000), perp('BTC', 1, 60000, 0.01)); // liq at (60000-1000)/0.99 = 59595.96
    const r = bucketLiquidationPrices(b, 'BTC', prices({ BTC: 55000 }));
    expect(r.down).toBeNull();
    expect(r.up).toBeCloseTo(59000 / 0.99, 6);
  });
  it('other assets stay fixed; an asset without groups has no liquidation price', () => {
    const b = bucket(cash(10000), perp('BTC', 1, 60000, 0.01), perp('ETH', 10, 3000, 0.01));
    const p = { BTC: 60000, ETH: 2500 };
    const r = bucketLiquidationPrices(b, 'BTC', prices(p));
    expect(Math.abs(excessAt(b, { ...p, BTC: r.down! }))).toBeLessThan(1e-6);
    expect(bucketLiquidationPrices(b, 'SOL', prices(p))).toEqual({ down: null, up: null });
  });
});

describe('bucketCrashMove', () => {
  it('joint move of two longs matches the linear solution', () => {
    const b = bucket(cash(20000), perp('BTC', 1, 60000, 0.01), perp('ETH', 10, 3000, 0.01));
    const r = bucketCrashMove(b, prices({ BTC: 60000, ETH: 3000 }), () => false);
    // 20000 + 90000 m = 0.01 * 90000 (1 + m)  ->  m = (900 - 20000) / (90000 - 900)
    expect(r.down).toBeCloseTo((900 - 20000) / (90000 - 900), 10);
    expect(r.up).toBeNull();
  });
  it('stable assets do not move', () => {
    const usdt: AssetGroup = { asset: 'USDT', accumulate: (P, t) => void (t.balance += 10000 * P) };
    const b = bucket(usdt, perp('BTC', 1, 60000, 0.01));
    const r = bucketCrashMove(b, prices({ USDT: 1.0, BTC: 60000 }), (a) => a === 'USDT');
    // 10000 + 60000 m = 600 (1 + m): USDT collateral is not moved with the crash
    expect(r.down).toBeCloseTo((600 - 10000) / (60000 - 600), 10);
  });
});
