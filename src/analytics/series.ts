/**
 * Return series and equity curves: validation and conversion.
 *
 * Conventions
 * - A return series holds SIMPLE returns per period: r_t = E_t / E_{t-1} - 1 (0.01 = +1 %). r_t >= -1 (a return
 *   below -100 % would make equity negative).
 * - An equity curve holds positive values E_0..E_n, one per observation; n observations after the first = n periods.
 * - equityCurve(r) = [1, (1+r_0), (1+r_0)(1+r_1), ...]: starts at 1 (empyrical's cumulative return with
 *   starting value 1), so curve index k = "after k periods" and return r_i ends at curve index i+1.
 * - Missing data is an error: NaN / ±Infinity anywhere throws a ValidationError naming the index. empyrical
 *   instead treats NaN as a 0 return when compounding (and still counts it as a period) but drops it from means and
 *   standard deviations; we refuse to guess.
 */
import { ValidationError, type FieldIssue } from '../errors/index.ts';

/** Numbers indexed 0..length-1: a Float64Array or a plain (readonly) array. */
export type Series = ArrayLike<number>;

/** Issues stop being listed after this many (a bad file can have thousands). */
const MAX_ISSUES = 10;

/** Throws ValidationError (source `name`) unless every value passes `ok`; lists up to MAX_ISSUES bad indices. */
export function checkSeries(xs: Series, name: string, ok: (x: number) => boolean, message: string): void {
  const issues: FieldIssue[] = [];
  let bad = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (ok(x)) continue;
    if (++bad <= MAX_ISSUES) issues.push({ path: `${name}[${i}]`, value: x, message: Number.isFinite(x) ? message : 'not a finite number' });
  }
  if (bad > MAX_ISSUES) issues.push({ path: name, value: `${bad} invalid values`, message: `only the first ${MAX_ISSUES} are listed` });
  if (issues.length > 0) throw new ValidationError(name, issues);
}

/** Throws ValidationError unless every value is a finite simple return >= -1 (naming each bad index). */
export function assertReturns(returns: Series, name = 'returns'): void {
  checkSeries(returns, name, (r) => Number.isFinite(r) && r >= -1, 'a simple return must be >= -1 (-100 %)');
}

/** Throws ValidationError unless every value is finite and > 0 (naming each bad index). */
export function assertEquity(equity: Series, name = 'equity'): void {
  checkSeries(equity, name, (e) => Number.isFinite(e) && e > 0, 'equity must be > 0');
}

/** Equity curve of n+1 points from n simple returns, starting at 1: E_k = prod_{i<k}(1+r_i); reaches 0 after a -100 % return. */
export function equityCurve(returns: Series): Float64Array {
  assertReturns(returns);
  const out = new Float64Array(returns.length + 1);
  let e = 1;
  out[0] = e;
  for (let i = 0; i < returns.length; i++) out[i + 1] = e *= 1 + returns[i]!;
  return out;
}

/** n-1 simple returns from an equity curve of n positive points: r_i = E_{i+1} / E_i - 1. */
export function returnsFromEquity(equity: Series): Float64Array {
  assertEquity(equity);
  const out = new Float64Array(Math.max(0, equity.length - 1));
  for (let i = 0; i < out.length; i++) out[i] = equity[i + 1]! / equity[i]! - 1;
  return out;
}
