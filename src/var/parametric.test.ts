import { describe, expect, it } from 'vitest';
import { cholesky } from './linalg.ts';
import { deltaGammaMoments, deltaGammaVarEs } from './parametric.ts';
import { Xoshiro128 } from './prng.ts';
import { normalVarEs } from './quantile.ts';

describe('delta-gamma cumulants', () => {
  it('one asset: P&L = a r + b r^2 / 2 with r ~ N(0, s^2) in closed form', () => {
    const S = 60000;
    const delta = 3;
    const gamma = -2e-4;
    const s = 0.04;
    const a = delta * S;
    const b = gamma * S * S;
    const m = deltaGammaMoments({ spot: [S], delta: [delta], gamma: [gamma] }, Float64Array.from([s * s]));
    const k2 = a * a * s * s + (b * b * s ** 4) / 2;
    const k3 = 3 * a * a * b * s ** 4 + b ** 3 * s ** 6;
    const k4 = 12 * a * a * b * b * s ** 6 + 3 * b ** 4 * s ** 8;
    expect(m.mean).toBeCloseTo((b * s * s) / 2, 8);
    expect(m.variance / k2).toBeCloseTo(1, 12);
    expect(m.skewness).toBeCloseTo(k3 / k2 ** 1.5, 12);
    expect(m.excessKurtosis).toBeCloseTo(k4 / (k2 * k2), 12);
  });

  it('several assets: the moments of simulated quadratic P&L', () => {
    const spot = [60000, 3000, 130];
    const delta = [2, -30, 400];
    const gamma = [-4e-4, 0.05, -2];
    const cov = Float64Array.from([0.0016, 0.0012, 0.0014, 0.0012, 0.0025, 0.0019, 0.0014, 0.0019, 0.0036]);
    const m = deltaGammaMoments({ spot, delta, gamma }, cov);
    const L = cholesky(cov, 3);
    const g = new Xoshiro128(21);
    const n = 400_000;
    const q = new Float64Array(n);
    const z = new Float64Array(3);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < 3; i++) z[i] = g.normal();
      let pnl = 0;
      for (let i = 0; i < 3; i++) {
        let r = 0;
        for (let j = 0; j <= i; j++) r += L[i * 3 + j]! * z[j]!;
        pnl += delta[i]! * spot[i]! * r + 0.5 * gamma[i]! * spot[i]! * spot[i]! * r * r;
      }
      q[k] = pnl;
    }
    let mean = 0;
    for (const x of q) mean += x / n;
    let m2 = 0;
    let m3 = 0;
    for (const x of q) {
      m2 += (x - mean) ** 2 / n;
      m3 += (x - mean) ** 3 / n;
    }
    expect(Math.abs(mean - m.mean)).toBeLessThan(5 * Math.sqrt(m.variance / n));
    expect(m2 / m.variance).toBeCloseTo(1, 1);
    expect(m3 / m2 ** 1.5).toBeCloseTo(m.skewness, 1);
  });

  it('a linear book is delta-normal: mean 0, variance a Sigma a, and Cornish-Fisher = normal', () => {
    const dg = { spot: [100, 50], delta: [10, -5], gamma: [0, 0] };
    const cov = Float64Array.from([0.01, 0.004, 0.004, 0.02]);
    const m = deltaGammaMoments(dg, cov);
    const variance = 1000 * 1000 * 0.01 + 250 * 250 * 0.02 - 2 * 1000 * 250 * 0.004;
    expect(m.mean).toBe(0);
    expect(m.variance).toBeCloseTo(variance, 9);
    expect(m.skewness).toBe(0);
    for (const l of [0.95, 0.99, 0.999]) {
      const cf = deltaGammaVarEs(dg, cov, l);
      const n = normalVarEs(0, Math.sqrt(variance), l);
      expect(cf.var).toBeCloseTo(n.var, 9);
      expect(cf.es).toBeCloseTo(n.es, 9);
    }
  });

  it('no exposure: zero VaR; short gamma raises the tail against delta-normal', () => {
    expect(deltaGammaVarEs({ spot: [100], delta: [0], gamma: [0] }, Float64Array.from([0.01]), 0.99)).toEqual({ var: 0, es: 0 });
    const cov = Float64Array.from([0.0025]);
    const shortGamma = deltaGammaVarEs({ spot: [60000], delta: [0.5], gamma: [-1e-4] }, cov, 0.99);
    const deltaOnly = deltaGammaVarEs({ spot: [60000], delta: [0.5], gamma: [0] }, cov, 0.99);
    expect(shortGamma.var).toBeGreaterThan(deltaOnly.var);
    expect(shortGamma.es).toBeGreaterThanOrEqual(shortGamma.var);
  });
});
