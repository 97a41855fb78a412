import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NumericalError } from '../errors/index.ts';
import { black76, blackScholes } from './black.ts';
import type { Right } from './black.ts';
import { PriceBoundError, PricingInputError } from './errors.ts';
import { impliedVol, normalisedImpliedVol } from './iv.ts';
import { normalisedBlack, normalisedIntrinsic, normalisedVega } from './normalised-black.ts';

interface IvRow { right: Right; forward: number; strike: number; years: number; df: number; vol: number; price: number; qlPrice?: number; qlIv: number }
const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/pricing.json', import.meta.url), 'utf8')) as {
  iv: { rows: IvRow[]; hull: { right: Right; spot: number; strike: number; rate: number; years: number; price: number; qlIv: number; vol: number } };
};
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('implied vol vs QuantLib blackFormulaImpliedStdDev (accuracy 1e-12)', () => {
  it('recovers the vol of the note rows and of 200 random exact prices to 1e-9, and agrees with QuantLib', () => {
    expect(fx.iv.rows.length).toBeGreaterThanOrEqual(200);
    let compared = 0;
    for (const r of fx.iv.rows) {
      const iv = impliedVol({ right: r.right, forward: r.forward, strike: r.strike, years: r.years, price: r.price, df: r.df });
      const tag = `${r.right} F=${r.forward} K=${r.strike} T=${r.years} vol=${r.vol}`;
      expect(rel(iv, r.vol), tag).toBeLessThan(1e-9);
      // QuantLib's solver prices with its own blackFormula, which loses digits deep out of the money; compare with
      // it where its pricing of this option is exact to 1e-12
      if (r.qlPrice === undefined || rel(r.qlPrice, r.price) < 1e-12) {
        expect(rel(iv, r.qlIv), tag).toBeLessThan(1e-9);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(150);
  });

  it('Hull option (183 days, NPV 4.765665637): 0.2 like QuantLib EuropeanOption.impliedVolatility', () => {
    const h = fx.iv.hull;
    const iv = impliedVol({ right: h.right, forward: h.spot * Math.exp(h.rate * h.years), strike: h.strike, years: h.years, price: h.price, df: Math.exp(-h.rate * h.years) });
    expect(rel(iv, 0.2)).toBeLessThan(1e-13);
    expect(rel(iv, h.qlIv)).toBeLessThan(1e-13);
  });
});

// Distinguishability rule for the round trip: the price must carry information about sigma at the 1e-8 level.
// Pricing and inverting both round the price at a few ulps (relative u ~ 1e-15 of the price, or of the intrinsic
// value that is subtracted in the money), which moves sigma by u * price / vega. That stays below 1e-8 relative when
// vega * sigma >= 1e-6 * price (a margin of ~10). Cases below it, or with a price under 1e-300 (underflow), are
// numerically indistinguishable from a neighbouring vol and are skipped (about 15% of the domain, all deep in or out
// of the money with hours to expiry).
const distinguishable = (price: number, vega: number, sigma: number): boolean => price > 1e-300 && vega * sigma >= 1e-6 * price;

describe('implied vol round trip over the whole domain', () => {
  it('sigma in [0.05, 3], k = ln(K/F) in [-2, 2], T in [1 hour, 2 years]: recovers sigma to 1e-8 relative', () => {
    let checked = 0;
    fc.assert(
      fc.property(
        fc.constantFrom<Right>('call', 'put'),
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.double({ min: 1 / 365 / 24, max: 2, noNaN: true }),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 0.1, noNaN: true }),
        (right, sigma, k, T, F, r) => {
          const K = F * Math.exp(k);
          const g = black76(right, F, K, T, sigma, r);
          fc.pre(distinguishable(g.price, g.vega, sigma));
          checked++;
          const iv = impliedVol({ right, forward: F, strike: K, years: T, price: g.price, df: Math.exp(-r * T) });
          expect(rel(iv, sigma)).toBeLessThan(1e-8);
        },
      ),
      { numRuns: 20_000 },
    );
    expect(checked).toBeGreaterThan(15_000);
  });

  it('short expiries are covered on purpose: T log-uniform in [1 hour, 1 day]', () => {
    fc.assert(
      fc.property(fc.constantFrom<Right>('call', 'put'), fc.double({ min: 0.05, max: 3, noNaN: true }), fc.double({ min: -0.2, max: 0.2, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (right, sigma, k, u) => {
        const T = (1 / 8760) * 24 ** u;
        const g = black76(right, 100, 100 * Math.exp(k), T, sigma, 0);
        fc.pre(distinguishable(g.price, g.vega, sigma));
        expect(rel(impliedVol({ right, forward: 100, strike: 100 * Math.exp(k), years: T, price: g.price }), sigma)).toBeLessThan(1e-8);
      }),
      { numRuns: 5000 },
    );
  });

  it('deep out of the money prices near 1e-20 .. 1e-200 still invert to full accuracy', () => {
    // h = k / (sigma sqrt T) from -9 (price ~1e-19) to -36 (price ~1e-280)
    for (const [k, sigma, T] of [[0.5, 0.2, 0.08], [2, 0.3, 0.1], [-2, 0.25, 0.05], [1.5, 0.1, 0.5], [0.5, 0.1, 0.05]] as const) {
      const K = 100 * Math.exp(k);
      const right: Right = k > 0 ? 'call' : 'put';
      const g = black76(right, 100, K, T, sigma, 0);
      expect(g.price).toBeLessThan(1e-15);
      expect(g.price).toBeGreaterThan(1e-300);
      expect(rel(impliedVol({ right, forward: 100, strike: K, years: T, price: g.price }), sigma)).toBeLessThan(1e-12);
    }
  });

  it('normalised round trip across Jäckel segments, including |x| up to 50', () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 0.01, max: 8, noNaN: true }), fc.constantFrom<1 | -1>(1, -1), (x, s, q) => {
        const beta = normalisedBlack(x, s, q);
        const timeValue = beta - normalisedIntrinsic(x, q);
        fc.pre(timeValue > 1e-290 && distinguishable(beta, normalisedVega(x, s), s));
        expect(rel(normalisedImpliedVol(beta, x, q), s)).toBeLessThan(1e-8);
      }),
      { numRuns: 5000 },
    );
  });

  it('uses at most a few iterations per solve: 100k solves run quickly', () => {
    const t0 = performance.now();
    for (let i = 0; i < 100_000; i++) {
      const K = 80 + (i % 40);
      impliedVol({ right: 'call', forward: 100, strike: K, years: 0.25, price: Math.max(100 - K, 0) + 0.5 + (i % 7) });
    }
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('implied vol rejects prices outside (intrinsic, upper bound) with a typed error', () => {
  const base = { forward: 100, strike: 90, years: 0.5 };
  it('below or at the intrinsic value', () => {
    const call = (): number => impliedVol({ ...base, right: 'call', price: 9.5 });
    expect(call).toThrow(PriceBoundError);
    expect(call).toThrow(/price 9\.5 is at or below the intrinsic value 10/);
    try {
      call();
    } catch (e) {
      expect(e).toMatchObject({ price: 9.5, bound: 10, side: 'intrinsic' });
    }
    expect(() => impliedVol({ ...base, right: 'put', price: 0 })).toThrow(PriceBoundError);
    // discounted: bound is df * intrinsic
    expect(() => impliedVol({ ...base, right: 'call', price: 9.4, df: 0.95 })).toThrow(/intrinsic value 9\.5/);
    expect(() => impliedVol({ ...base, right: 'call', price: 10 })).toThrow(PriceBoundError); // exactly intrinsic
  });

  it('at or above the forward (call) or strike (put), discounted', () => {
    expect(() => impliedVol({ ...base, right: 'call', price: 100 })).toThrow(/upper bound 100/);
    expect(() => impliedVol({ ...base, right: 'put', price: 91 })).toThrow(/upper bound 90/);
    expect(() => impliedVol({ ...base, right: 'call', price: 96, df: 0.95 })).toThrow(/upper bound 95/);
    expect(() => impliedVol({ ...base, right: 'call', price: 99.999 })).not.toThrow();
  });

  it('bad inputs and uninformative prices', () => {
    expect(() => impliedVol({ ...base, right: 'call', forward: -1, price: 5 })).toThrow(PricingInputError);
    expect(() => impliedVol({ ...base, right: 'call', years: 0, price: 5 })).toThrow(/years must be a positive finite number/);
    expect(() => impliedVol({ ...base, right: 'call', price: NaN })).toThrow(PricingInputError);
    expect(() => impliedVol({ forward: 100, strike: 1e6, years: 0.01, right: 'call', price: 1e-310 })).toThrow(NumericalError);
  });
});

describe('implied vol with spot inputs', () => {
  it('inverts blackScholes through F = S e^{rT}, df = e^{-rT}', () => {
    const [S, K, T, r, v] = [60000, 70000, 30 / 365, 0.05, 0.8];
    const g = blackScholes('call', S, K, T, v, r);
    expect(rel(impliedVol({ right: 'call', forward: S * Math.exp(r * T), strike: K, years: T, price: g.price, df: Math.exp(-r * T) }), v)).toBeLessThan(1e-12);
  });
});
