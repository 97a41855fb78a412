import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normCdf, normInv } from '../pricing/normal.ts';
import { cornishFisherVarEs, empiricalVarEs, normalVarEs, tailProbability, varEsSorted } from './quantile.ts';

/** The fixed series of the reference note (pricing-and-risk-methods.md §3b). */
const R = [0.012, -0.034, 0.021, 0.005, -0.051, 0.017, -0.008, 0.029, -0.022, 0.014, -0.063, 0.038, 0.009, -0.015, 0.026, -0.041, 0.033, 0.004, -0.019, 0.022];

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd1 = (xs: readonly number[]): number => Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

describe('empirical VaR / ES on the reference series (as returns: VaR = -quantile)', () => {
  it('linear interpolation (numpy percentile, R type 7): 95 % -0.0516 / -0.063, 90 % -0.042 / -0.057', () => {
    const [v95, v90] = empiricalVarEs(R, [0.95, 0.9]);
    expect(-v95!.var).toBeCloseTo(-0.0516, 12);
    expect(-v95!.es).toBeCloseTo(-0.063, 12);
    expect(-v90!.var).toBeCloseTo(-0.042, 12);
    expect(-v90!.es).toBeCloseTo(-0.057, 12);
  });

  it('nearest rank: 95 % -0.063 / -0.063, 90 % -0.051 / -0.057', () => {
    const [v95, v90] = empiricalVarEs(R, [0.95, 0.9], 'nearest-rank');
    expect(-v95!.var).toBeCloseTo(-0.063, 12);
    expect(-v95!.es).toBeCloseTo(-0.063, 12);
    expect(-v90!.var).toBeCloseTo(-0.051, 12);
    expect(-v90!.es).toBeCloseTo(-0.057, 12);
  });

  it('the empyrical value_at_risk cases: [1, 2] and [1, 81..85]', () => {
    // empyrical reports the quantile itself; cutoff c = 1 - level
    const q = (xs: number[], cutoff: number): number => -varEsSorted(Float64Array.from(xs).sort(), 1 - cutoff).var;
    expect(q([1, 2], 0.3)).toBeCloseTo(1.3, 12);
    expect(q([1, 81, 82, 83, 84, 85], 0.1)).toBeCloseTo(41, 12);
    expect(q([1, 81, 82, 83, 84, 85], 0.2)).toBeCloseTo(81, 12);
    expect(q([1, 81, 82, 83, 84, 85], 0.3)).toBeCloseTo(81.5, 12);
  });

  it('1 - 0.95 counts as 0.05 (nearest rank takes 1 of 20 values, not 2)', () => {
    expect(tailProbability(0.95)).toBe(0.05);
    expect(tailProbability(0.999)).toBe(0.001);
  });

  it('rejects levels outside (0, 1) and NaN P&L', () => {
    expect(() => empiricalVarEs(R, [1])).toThrow(/levels\[0\]/);
    expect(() => empiricalVarEs(R, [0])).toThrow(/levels\[0\]/);
    expect(() => empiricalVarEs([1, NaN], [0.9])).toThrow(/sample\[1\]/);
  });

  it('a zero sample has zero VaR and ES (not -0)', () => {
    const [x] = empiricalVarEs(new Float64Array(100), [0.99]);
    expect(Object.is(x!.var, 0)).toBe(true);
    expect(Object.is(x!.es, 0)).toBe(true);
  });
});

const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 });
const levels = fc.uniqueArray(fc.double({ min: 0.5, max: 0.9999, noNaN: true }), { minLength: 2, maxLength: 5 });

describe('properties', () => {
  it.each(['linear', 'nearest-rank'] as const)('%s: ES >= VaR, and VaR and ES do not decrease with the level', (method) => {
    fc.assert(
      fc.property(sample, levels, (xs, ls) => {
        const sorted = [...ls].sort((a, b) => a - b);
        const r = empiricalVarEs(xs, sorted, method);
        const tol = 1e-9 * Math.max(1, ...xs.map(Math.abs));
        r.forEach((x, i) => {
          expect(x.es).toBeGreaterThanOrEqual(x.var - tol);
          if (i > 0) {
            expect(x.var).toBeGreaterThanOrEqual(r[i - 1]!.var - tol);
            expect(x.es).toBeGreaterThanOrEqual(r[i - 1]!.es - tol);
          }
        });
      }),
    );
  });

  it('linear quantile = the type-7 definition written out; ES = mean of the values at or below it', () => {
    fc.assert(
      fc.property(sample, fc.double({ min: 0.5, max: 0.999, noNaN: true }), (xs, level) => {
        const s = [...xs].sort((a, b) => a - b);
        const p = tailProbability(level);
        const h = (s.length - 1) * p;
        const j = Math.floor(h);
        const q = s[j]! + (h - j) * ((s[Math.min(j + 1, s.length - 1)] ?? s[j]!) - s[j]!);
        const tail = s.filter((x) => x <= q);
        const [r] = empiricalVarEs(xs, [level]);
        expect(r!.var).toBeCloseTo(-q, 6);
        expect(r!.es).toBeCloseTo(-mean(tail), 6);
      }),
    );
  });

  it('VaR scales with the sample (positive homogeneity) and shifts against a constant', () => {
    fc.assert(
      fc.property(sample, fc.double({ min: 0.01, max: 100, noNaN: true }), fc.double({ min: -1000, max: 1000, noNaN: true }), (xs, k, c) => {
        const [a] = empiricalVarEs(xs, [0.99]);
        const [b] = empiricalVarEs(xs.map((x) => k * x + c), [0.99]);
        const tol = 1e-7 * Math.max(1, k * Math.max(...xs.map(Math.abs)), Math.abs(c));
        expect(Math.abs(b!.var - (k * a!.var - c))).toBeLessThan(tol);
        expect(Math.abs(b!.es - (k * a!.es - c))).toBeLessThan(tol);
      }),
    );
  });
});

describe('parametric normal', () => {
  it('reference series, mu and sd (ddof 1): VaR 95 % 0.0492395621367, ES 0.0614562510252; 90 %: 0.0386179257976 / 0.0524593554348', () => {
    const m = mean(R);
    const s = sd1(R);
    const a = normalVarEs(m, s, 0.95);
    expect(a.var).toBeCloseTo(0.0492395621367, 12);
    expect(a.es).toBeCloseTo(0.0614562510252, 12);
    const b = normalVarEs(m, s, 0.9);
    expect(b.var).toBeCloseTo(0.0386179257976, 12);
    expect(b.es).toBeCloseTo(0.0524593554348, 12);
  });

  it('N(0, 1) at 5 %: cvar::VaR 1.644854, cvar::ES 2.062713', () => {
    const r = normalVarEs(0, 1, 0.95);
    expect(r.var).toBeCloseTo(1.644854, 6);
    expect(r.es).toBeCloseTo(2.062713, 6);
  });
});

describe('Cornish-Fisher', () => {
  it('is the normal result when skewness and excess kurtosis are 0', () => {
    for (const l of [0.95, 0.99, 0.999]) {
      const cf = cornishFisherVarEs({ mean: 0.3, variance: 4, skewness: 0, excessKurtosis: 0 }, l);
      const n = normalVarEs(0.3, 2, l);
      expect(cf.var).toBeCloseTo(n.var, 12);
      expect(cf.es).toBeCloseTo(n.es, 12);
    }
  });

  it('closed-form ES = the tail average of the Cornish-Fisher quantile (numerical integration)', () => {
    const S = -0.6;
    const K = 2.5;
    const w = (z: number): number => z + ((z * z - 1) * S) / 6 + ((z ** 3 - 3 * z) * K) / 24 - ((2 * z ** 3 - 5 * z) * S * S) / 36;
    for (const level of [0.95, 0.99]) {
      const p = 1 - level;
      const c = normInv(p);
      // integral of w(z) phi(z) over (-inf, c] by the midpoint rule in u = Phi(z)
      const n = 200_000;
      let s = 0;
      for (let i = 0; i < n; i++) s += w(normInv(((i + 0.5) / n) * p));
      const tailMean = s / n;
      const r = cornishFisherVarEs({ mean: 1, variance: 9, skewness: S, excessKurtosis: K }, level);
      expect(r.var).toBeCloseTo(-(1 + 3 * w(c)), 10);
      expect(r.es).toBeCloseTo(-(1 + 3 * tailMean), 3);
      expect(normCdf(c)).toBeCloseTo(p, 12);
    }
  });
});
