/**
 * Value at Risk and Expected Shortfall of a P&L sample or a distribution.
 *
 * Conventions (every function here):
 * - Input P&L is signed, + a gain, - a loss (USD for a book, a return for a series).
 * - `level` is the confidence (0.95, 0.99, 0.999); the tail probability is p = 1 - level.
 * - VaR and ES are returned as POSITIVE LOSSES: VaR = -q_p(P&L), ES = -E[P&L | P&L <= q_p]. A negative number means
 *   the quantile is a gain (a book that gains in the tail); nothing is clamped at zero.
 * - Empirical quantile, method 'linear' (the default): linear interpolation between order statistics, numpy's
 *   percentile / R quantile type 7: with x sorted ascending (0-based), h = (n - 1) p, q = x[floor h] + frac(h)
 *   (x[floor h + 1] - x[floor h]). ES is the mean of the values <= q (empyrical's conditional_value_at_risk).
 * - Method 'nearest-rank': k = ceil(n p) (at least 1), q = the k-th smallest value, ES = the mean of the k smallest.
 * Both give ES >= VaR and a VaR that does not decrease with the level.
 */
import { ValidationError } from '../errors/index.ts';
import { normInv, normPdf } from '../pricing/normal.ts';

export type QuantileMethod = 'linear' | 'nearest-rank';

export interface VarEs {
  readonly var: number;
  readonly es: number;
}

/** Throws ValidationError unless every level lies strictly between 0 and 1. */
export function checkLevels(levels: readonly number[]): void {
  const bad = levels.findIndex((l) => !(l > 0 && l < 1));
  if (bad >= 0) throw new ValidationError('options', [{ path: `levels[${bad}]`, value: levels[bad], message: 'must be a confidence strictly between 0 and 1 (0.99)' }]);
}

/** Tail probability 1 - level, rounded to 1e-12 so that 1 - 0.95 counts as 0.05 (ceil(20 x 0.05) = 1, not 2). */
export const tailProbability = (level: number): number => Math.round((1 - level) * 1e12) / 1e12;

/** `sorted` ascending, VaR and ES at `level` (see the module comment). `sorted` must not be empty. */
export function varEsSorted(sorted: ArrayLike<number>, level: number, method: QuantileMethod = 'linear'): VarEs {
  const n = sorted.length;
  if (n === 0) throw new ValidationError('var', [{ path: 'sample', value: 0, message: 'needs at least one P&L value' }]);
  const p = tailProbability(level);
  if (method === 'nearest-rank') {
    const k = Math.min(n, Math.max(1, Math.ceil(n * p)));
    let s = 0;
    for (let i = 0; i < k; i++) s += sorted[i]!;
    return { var: 0 - sorted[k - 1]!, es: 0 - s / k };
  }
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const q = sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
  let s = 0;
  let k = 0;
  for (let i = 0; i < n && sorted[i]! <= q; i++, k++) s += sorted[i]!;
  // k >= 1: the smallest value is <= any interpolated quantile. 0 - x turns -0 into 0.
  return { var: 0 - q, es: 0 - s / k };
}

/** A sorted copy (ascending) of a P&L sample; NaN is rejected (a scenario that could not be valued). */
export function sortedCopy(pnl: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(pnl);
  for (let i = 0; i < out.length; i++) {
    if (Number.isNaN(out[i]!)) throw new ValidationError('var', [{ path: `sample[${i}]`, value: out[i], message: 'P&L is not a number' }]);
  }
  return out.sort();
}

/** VaR and ES of an unsorted sample at each level (one sort). */
export function empiricalVarEs(pnl: ArrayLike<number>, levels: readonly number[], method: QuantileMethod = 'linear'): VarEs[] {
  checkLevels(levels);
  const sorted = sortedCopy(pnl);
  return levels.map((l) => varEsSorted(sorted, l, method));
}

/** Normal P&L N(mean, sd^2): VaR = -mean + sd z, ES = -mean + sd phi(z) / p, z = -Phi^-1(p), p = 1 - level. */
export function normalVarEs(mean: number, sd: number, level: number): VarEs {
  checkLevels([level]);
  const p = tailProbability(level);
  const z = -normInv(p);
  return { var: -mean + sd * z, es: -mean + (sd * normPdf(z)) / p };
}

/** Cumulants of a P&L distribution: mean, variance, skewness and excess kurtosis. */
export interface Moments {
  readonly mean: number;
  readonly variance: number;
  readonly skewness: number;
  readonly excessKurtosis: number;
}

/**
 * Cornish-Fisher VaR and ES of a P&L with the given moments (normal when skewness and excess kurtosis are 0).
 * Quantile at p: q = mean + sd w(c), c = Phi^-1(p), w(z) = z + (z^2 - 1) S/6 + (z^3 - 3z) K/24 - (2z^3 - 5z) S^2/36.
 * ES integrates w(z) phi(z) over z <= c in closed form (the "modified ES" of Boudt, Peterson and Croux, 2008):
 * E[w | z <= c] = -phi(c)/p (1 + S c/6 + K (c^2 - 1)/24 + S^2 (1 - 2c^2)/36). The expansion is only valid for
 * moderate S and K (w must stay increasing in z); for a delta-gamma book that is the usual caveat.
 */
export function cornishFisherVarEs(m: Moments, level: number): VarEs {
  checkLevels([level]);
  const p = tailProbability(level);
  const sd = Math.sqrt(m.variance);
  const S = m.skewness;
  const K = m.excessKurtosis;
  const c = normInv(p);
  const w = c + ((c * c - 1) * S) / 6 + ((c * c * c - 3 * c) * K) / 24 - ((2 * c * c * c - 5 * c) * S * S) / 36;
  const tailMean = (-normPdf(c) / p) * (1 + (S * c) / 6 + (K * (c * c - 1)) / 24 + (S * S * (1 - 2 * c * c)) / 36);
  return { var: 0 - (m.mean + sd * w), es: 0 - (m.mean + sd * tailMean) };
}
