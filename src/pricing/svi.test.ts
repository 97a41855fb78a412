import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SviSlice } from '../model/types.ts';
import { sviButterflyCheck, sviDensityFactor, sviTotalVariance, sviVol } from './svi.ts';

interface Butterfly { minG: number; at: number; w0: number; wm1: number; w1: number }
interface SviFixture {
  quantlib: { years: number; forward: number; a: number; b: number; sigma: number; rho: number; m: number; rows: { strike: number; variance: number; vol: number }[]; butterfly: Butterfly };
  vogt: { years: number; a: number; b: number; sigma: number; rho: number; m: number; butterfly: Butterfly; published: { minG: number; at: number } };
}
const fx = (JSON.parse(readFileSync(new URL('../../test/fixtures/pricing.json', import.meta.url), 'utf8')) as { svi: SviFixture }).svi;
const slice = (p: { a: number; b: number; rho: number; m: number; sigma: number }): SviSlice => ({ expiry: 0, a: p.a, b: p.b, rho: p.rho, m: p.m, sigma: p.sigma });
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('raw SVI vs QuantLib SviSmileSection (test-suite/svivolatility.cpp slice)', () => {
  const q = fx.quantlib;
  const s = slice(q);
  it('total variance and vol at K = 80, 100, F, 150, 200 and F e^m', () => {
    for (const r of q.rows) {
      const k = Math.log(r.strike / q.forward);
      expect(rel(sviTotalVariance(s, k), r.variance), `K=${r.strike}`).toBeLessThan(1e-13);
      expect(rel(sviVol(s, q.forward, r.strike, q.years), r.vol), `K=${r.strike}`).toBeLessThan(1e-13);
    }
    // QuantLib's own check: variance(F e^m) = a + b sigma
    expect(sviTotalVariance(s, q.m)).toBeCloseTo(q.a + q.b * q.sigma, 15);
  });

  it('this short-dated slice has butterfly arbitrage too: min g matches mpmath', () => {
    const r = sviButterflyCheck(s, [-1.5, 1.5]);
    expect(r.ok).toBe(false);
    expect(r.minG).toBeCloseTo(q.butterfly.minG, 10);
    expect(r.at).toBeCloseTo(q.butterfly.at, 7);
  });
});

describe('butterfly-arbitrage check (Gatheral-Jacquier 2014)', () => {
  const v = fx.vogt;
  const s = slice(v);
  it('fires on example 3.1 (Axel Vogt): min g = -0.0328635 at k ~ 0.879', () => {
    const r = sviButterflyCheck(s, [-1.5, 1.5]);
    expect(r.ok).toBe(false);
    expect(Math.abs(r.minG - v.published.minG)).toBeLessThan(1e-7); // printed truncated: -0.03286357 -> -0.0328635
    expect(r.at).toBeCloseTo(v.published.at, 3);
    expect(r.minG).toBeCloseTo(v.butterfly.minG, 10); // mpmath, exact derivatives
    expect(r.at).toBeCloseTo(v.butterfly.at, 7);
    expect(sviTotalVariance(s, 0)).toBeCloseTo(v.butterfly.w0, 14);
    expect(sviTotalVariance(s, -1)).toBeCloseTo(v.butterfly.wm1, 14);
    expect(sviTotalVariance(s, 1)).toBeCloseTo(v.butterfly.w1, 14);
  });

  it('passes an arbitrage-free slice (flat smile: g = 1 - k^2 ... stays >= 0 for moderate k)', () => {
    const flat: SviSlice = { expiry: 0, a: 0.04, b: 0, rho: 0, m: 0, sigma: 0.1 };
    const r = sviButterflyCheck(flat, [-1, 1]);
    expect(r.ok).toBe(true);
    expect(r.minG).toBeGreaterThan(0);
    // symmetric mild smile with a > 0
    expect(sviButterflyCheck({ expiry: 0, a: 0.02, b: 0.05, rho: -0.2, m: 0, sigma: 0.3 }, [-1.5, 1.5]).ok).toBe(true);
  });

  it('negative total variance is reported as g = -Infinity', () => {
    const bad: SviSlice = { expiry: 0, a: -0.1, b: 0.05, rho: 0, m: 0, sigma: 0.1 };
    expect(sviDensityFactor(bad, 0)).toBe(-Infinity);
    const r = sviButterflyCheck(bad, [-1, 1]);
    expect(r).toMatchObject({ ok: false, minG: -Infinity });
  });

  it('g equals the formula with finite-difference derivatives of w', () => {
    for (const k of [-1.2, -0.3, 0, 0.5, 0.879, 1.4]) {
      const h = 1e-4;
      const w = sviTotalVariance(s, k);
      const w1 = (sviTotalVariance(s, k + h) - sviTotalVariance(s, k - h)) / (2 * h);
      const w2 = (sviTotalVariance(s, k + h) - 2 * w + sviTotalVariance(s, k - h)) / (h * h);
      const g = (1 - (k * w1) / (2 * w)) ** 2 - ((w1 * w1) / 4) * (1 / w + 0.25) + w2 / 2;
      expect(sviDensityFactor(s, k)).toBeCloseTo(g, 6);
    }
  });

  it('rejects a bad range', () => {
    expect(() => sviButterflyCheck(s, [1, -1])).toThrow(RangeError);
  });
});
