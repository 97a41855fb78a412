import { describe, expect, it } from 'vitest';
import { parsePortfolio } from '../model/parse.ts';
import type { Portfolio } from '../model/types.ts';
import { normInv, normPdf } from '../pricing/normal.ts';
import { compileBook, evaluateScenarios } from './engine.ts';
import { HOURS_PER_YEAR } from './history.ts';
import { cholesky } from './linalg.ts';
import { monteCarloScenarios, type McModel } from './montecarlo.ts';
import { deltaGammaMoments, deltaGammaVarEs } from './parametric.ts';
import { Xoshiro128 } from './prng.ts';
import { empiricalVarEs, sortedCopy, varEsSorted } from './quantile.ts';

const CORR = [1, 0.7, 0.7, 1];
const model = (vols: number[], innovations: McModel['innovations'] = { kind: 'normal' }): McModel => ({
  assets: ['BTC', 'ETH'],
  vols: Float64Array.from(vols),
  chol: cholesky(Float64Array.from(CORR), 2),
  innovations,
});

const linearBook = (vols: string): Portfolio =>
  parsePortfolio(
    `asOf: 2024-03-01T00:00:00Z
market: { prices: { BTC: 60000, ETH: 3000, USDT: 1 }, vols: ${vols}, rate: 0 }
accounts:
  - id: cross
    venue: binance-usdm
    mode: cross
    collateral: { USDT: 500000 }
    positions:
      - { kind: perp, asset: BTC, qty: 3, entry: 58000 }
      - { kind: perp, asset: ETH, qty: -20, entry: 3100 }
`,
    'linear.yaml',
  );

/** Standard errors of empirical VaR and ES at tail probability p (i.i.d. approximation). */
function standardErrors(pnl: Float64Array, level: number, density: number): { var: number; es: number } {
  const n = pnl.length;
  const p = 1 - level;
  const sorted = sortedCopy(pnl);
  const k = Math.ceil(n * p);
  let m = 0;
  for (let i = 0; i < k; i++) m += sorted[i]! / k;
  let v = 0;
  for (let i = 0; i < k; i++) v += (sorted[i]! - m) ** 2 / (k - 1);
  const q = -varEsSorted(sorted, level).var;
  // ES estimator variance ~ (Var(X | tail) + (1 - p) (q - E[X | tail])^2) / (p n)
  return { var: Math.sqrt((p * (1 - p)) / n) / density, es: Math.sqrt((v + (1 - p) * (q - m) ** 2) / (p * n)) };
}

describe('Monte Carlo scenarios', () => {
  it('are antithetic pairs with the model correlation and vol', () => {
    const hours = 24;
    const m = monteCarloScenarios(model([0.5, 0.8]), hours, 100_000, new Xoshiro128(1));
    const x = [new Float64Array(50_000), new Float64Array(50_000)];
    for (let s = 0; s < 100_000; s += 2) {
      for (let j = 0; j < 2; j++) {
        const a = Math.log(m[s * 2 + j]!);
        const b = Math.log(m[(s + 1) * 2 + j]!);
        const drift = -0.5 * [0.5, 0.8][j]! ** 2 * (hours / HOURS_PER_YEAR);
        expect(a - drift).toBeCloseTo(-(b - drift), 12);
        x[j]![s / 2] = a - drift;
      }
    }
    const sd = (xs: Float64Array): number => Math.sqrt(xs.reduce((s, v) => s + v * v, 0) / xs.length);
    const c = x[0]!.reduce((s, v, i) => s + v * x[1]![i]!, 0) / x[0]!.length / (sd(x[0]!) * sd(x[1]!));
    expect(sd(x[0]!) / (0.5 * Math.sqrt(hours / HOURS_PER_YEAR))).toBeCloseTo(1, 1);
    expect(sd(x[1]!) / (0.8 * Math.sqrt(hours / HOURS_PER_YEAR))).toBeCloseTo(1, 1);
    expect(c).toBeCloseTo(0.7, 1);
  });

  it('Student-t innovations: same variance, fatter tails (joint crashes)', () => {
    const normal = monteCarloScenarios(model([0.5, 0.5]), 1, 200_000, new Xoshiro128(2));
    const t = monteCarloScenarios(model([0.5, 0.5], { kind: 'student-t', nu: 4.5 }), 1, 200_000, new Xoshiro128(2));
    const kurt = (m: Float64Array): number => {
      const xs = Float64Array.from({ length: m.length / 2 }, (_, s) => Math.log(m[2 * s]!));
      const mu = xs.reduce((a, v) => a + v, 0) / xs.length;
      const v2 = xs.reduce((a, v) => a + (v - mu) ** 2, 0) / xs.length;
      return xs.reduce((a, v) => a + (v - mu) ** 4, 0) / xs.length / (v2 * v2);
    };
    expect(kurt(normal)).toBeCloseTo(3, 0);
    expect(kurt(t)).toBeGreaterThan(5);
  });

  it('validates its inputs', () => {
    expect(() => monteCarloScenarios(model([0.5, 0]), 1, 10, new Xoshiro128(1))).toThrow(/vols.ETH/);
    expect(() => monteCarloScenarios(model([0.5, 0.5], { kind: 'student-t', nu: 2 }), 1, 10, new Xoshiro128(1))).toThrow(/nu/);
    expect(() => monteCarloScenarios(model([0.5, 0.5]), 0, 10, new Xoshiro128(1))).toThrow(/horizon/);
  });
});

describe('MC VaR by full revaluation converges to the parametric value of a linear normal book (3 standard errors)', () => {
  it('two correlated perps, 1h: VaR and ES at 95 % and 99 % = delta-normal', () => {
    const vols = [0.1, 0.15];
    const p = linearBook('{ BTC: 0.1, ETH: 0.15 }');
    const book = compileBook(p, ['BTC', 'ETH']);
    const n = 200_000;
    const hours = 1;
    const multipliers = monteCarloScenarios(model(vols), hours, n, new Xoshiro128(7));
    const r = evaluateScenarios(book, { assets: ['BTC', 'ETH'], count: n, multipliers }, { mode: 'equity' });
    const dt = hours / HOURS_PER_YEAR;
    const cov = Float64Array.from([0, 1, 2, 3].map((k) => CORR[k]! * vols[Math.floor(k / 2)]! * vols[k % 2]! * dt));
    const dg = { spot: [60000, 3000], delta: [3, -20], gamma: [0, 0] };
    const sdPnl = Math.sqrt(deltaGammaMoments(dg, cov).variance);
    for (const level of [0.95, 0.99]) {
      const exact = deltaGammaVarEs(dg, cov, level, false);
      const [mc] = empiricalVarEs(r.bookPnl, [level]);
      const se = standardErrors(r.bookPnl, level, normPdf(normInv(1 - level)) / sdPnl);
      expect(Math.abs(mc!.var - exact.var)).toBeLessThan(3 * se.var);
      expect(Math.abs(mc!.es - exact.es)).toBeLessThan(3 * se.es);
    }
  });

  it('one long perp over 30 days at 60 % vol: the exact lognormal quantile', () => {
    const p = parsePortfolio(
      `asOf: 2024-03-01T00:00:00Z
market: { prices: { BTC: 60000, USDT: 1 }, vols: { BTC: 0.6 }, rate: 0 }
accounts:
  - { id: long, venue: binance-usdm, mode: cross, collateral: { USDT: 100000 }, positions: [{ kind: perp, asset: BTC, qty: 2, entry: 60000 }] }
`,
      'long.yaml',
    );
    const m: McModel = { assets: ['BTC'], vols: Float64Array.from([0.6]), chol: Float64Array.from([1]), innovations: { kind: 'normal' } };
    const n = 100_000;
    const T = 720 / HOURS_PER_YEAR;
    const s = 0.6 * Math.sqrt(T);
    const r = evaluateScenarios(compileBook(p, ['BTC']), { assets: ['BTC'], count: n, multipliers: monteCarloScenarios(m, 720, n, new Xoshiro128(5)) }, { mode: 'equity' });
    for (const level of [0.95, 0.99]) {
      const z = normInv(1 - level);
      const exactVar = -2 * 60000 * (Math.exp(-0.5 * s * s + s * z) - 1);
      const density = normPdf(z) / (2 * 60000 * s * Math.exp(-0.5 * s * s + s * z)); // of the P&L at its quantile
      const [mc] = empiricalVarEs(r.bookPnl, [level]);
      expect(Math.abs(mc!.var - exactVar)).toBeLessThan(3 * standardErrors(r.bookPnl, level, density).var);
    }
  });
});
