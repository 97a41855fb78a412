/**
 * EWMA (RiskMetrics) variance of LOG returns, zero mean, PER-PERIOD variance.
 * Recursion: seed s = r_0² (the first squared return), then for every observation t = 0..n-1
 *   s <- lambda·s + (1 - lambda)·r_t²
 * (the first step leaves the seed unchanged). The value after the last observation is the variance forecast for the
 * next period; RiskMetrics' k-step forecast is flat (square-root-of-time): every step has that same variance.
 * lambda = 0.94 is RiskMetrics' daily decay; it must lie in (0, 1).
 */
import { ValidationError } from '../../errors/index.ts';
import { assertFinite, assertLength, type Series } from './conventions.ts';

export const RISKMETRICS_LAMBDA = 0.94;

export interface EwmaOptions {
  /** Decay in (0, 1); default 0.94. */
  readonly lambda?: number;
}

export interface EwmaResult {
  readonly lambda: number;
  /** Variance after the last observation = the next period's forecast. */
  readonly variance: number;
  /** path[t]: variance after observation t (path[n-1] = variance). */
  readonly path: Float64Array;
}

export function checkLambda(lambda: number): void {
  if (!(Number.isFinite(lambda) && lambda > 0 && lambda < 1)) {
    throw new ValidationError('options', [{ path: 'lambda', value: lambda, message: 'must be a number strictly between 0 and 1 (RiskMetrics: 0.94)' }]);
  }
}

export function ewmaVariance(returns: Series, options: EwmaOptions = {}): EwmaResult {
  const lambda = options.lambda ?? RISKMETRICS_LAMBDA;
  checkLambda(lambda);
  assertFinite(returns);
  assertLength(returns, 1, 'returns', 'the first squared return seeds the recursion');
  const path = new Float64Array(returns.length);
  let s = returns[0]! ** 2;
  for (let t = 0; t < returns.length; t++) path[t] = s = lambda * s + (1 - lambda) * returns[t]! ** 2;
  return { lambda, variance: s, path };
}

/** Flat k-step EWMA forecast: `horizon` copies of the next-period variance. */
export const ewmaForecast = (variance: number, horizon: number): Float64Array => new Float64Array(horizon).fill(variance);
