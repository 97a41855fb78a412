/**
 * Units shared by the volatility models (src/analytics/vol).
 * - Returns are LOG returns per period, r_t = ln(C_t / C_{t-1}) (fractions, or whatever unit the caller's series is in:
 *   the DEM/GBP benchmark is in percent, so its variances are in percent²).
 * - Every model works in PER-PERIOD VARIANCE (the variance of one period's log return). A volatility shown to people
 *   is ANNUALISED: sigma_ann = sqrt(variance × periodsPerYear).
 * - Periods per year use a 365-day year (crypto trades every calendar day): 1h bars 24·365 = 8760, 1d bars 365. Any
 *   other bar interval: 365 days / interval. Equity-market data would pass 252 explicitly.
 * - Input checks throw ValidationError naming the index and the value; NaN is never skipped or filled.
 */
import { ValidationError } from '../../errors/index.ts';
import { checkSeries, type Series } from '../series.ts';

export type { Series };

export const DAY_MS = 86_400_000;
export const DAYS_PER_YEAR = 365;

/** Periods per 365-day year for a bar interval in ms: 1h -> 8760, 1d -> 365. */
export const periodsPerYearOf = (intervalMs: number): number => (DAYS_PER_YEAR * DAY_MS) / intervalMs;

/** Annualised volatility from a per-period variance: sqrt(variance × periodsPerYear). NaN for a negative variance. */
export const annualisedVol = (variancePerPeriod: number, periodsPerYear: number): number => Math.sqrt(variancePerPeriod * periodsPerYear);

/** Per-period variance from an annualised volatility: sigma² / periodsPerYear. */
export const periodVariance = (annualVol: number, periodsPerYear: number): number => (annualVol * annualVol) / periodsPerYear;

/** The shared input check (analytics/series.ts): ValidationError naming the index and value. */
export { checkSeries };

/** Throws ValidationError unless every value is finite. */
export const assertFinite = (xs: Series, name = 'returns'): void => checkSeries(xs, name, Number.isFinite, 'not a finite number');

/** Throws ValidationError when the series has fewer than `min` values. */
export function assertLength(xs: Series, min: number, name: string, why: string): void {
  if (xs.length < min) throw new ValidationError(name, [{ path: `${name}.length`, value: xs.length, message: `needs at least ${min} values (${why})` }]);
}

/** Log returns ln(p_{i+1} / p_i) of consecutive positive prices (n prices -> n-1 returns). Throws on a price <= 0. */
export function logReturns(prices: Series, name = 'prices'): Float64Array {
  checkSeries(prices, name, (p) => Number.isFinite(p) && p > 0, 'a price must be > 0');
  const out = new Float64Array(Math.max(0, prices.length - 1));
  for (let i = 0; i < out.length; i++) out[i] = Math.log(prices[i + 1]! / prices[i]!);
  return out;
}

/** Arithmetic mean (NaN for an empty series). */
export function mean(xs: Series): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Variance around the sample mean with `ddof` (1: sample variance, 0: population / MLE). Two-pass. */
export function variance(xs: Series, ddof: 0 | 1): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return s / (xs.length - ddof);
}
