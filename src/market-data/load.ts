/**
 * Market CSV text -> LoadedSeries: parse, settle the time grid, find the gaps. Pure (src/io/market-file.ts reads).
 * - A given interval is checked while parsing. Without one, it is inferred (gaps.ts inferInterval: the most common
 *   step), every step is then checked against it, and the result says `intervalInferred`.
 * - Timestamp tolerance: the kind's (series.ts TIMESTAMP_TOLERANCE_MS), at most a quarter of the interval.
 */
import { ValidationError } from '../errors/index.ts';
import type { LoadedSeries } from './dataset.ts';
import { findGaps, inferInterval } from './gaps.ts';
import { checkSpacing, parseMarketCsv } from './parse.ts';
import { TIMESTAMP_TOLERANCE_MS, type MarketKind, type SeriesOf } from './series.ts';

export const toleranceFor = (kind: MarketKind, intervalMs: number): number => Math.min(TIMESTAMP_TOLERANCE_MS[kind], Math.floor(intervalMs / 4));

/** Throws ValidationError (bad interval, none inferable) or MarketDataError (every bad value). */
export function loadSeriesText<K extends MarketKind>(text: string, source: string, kind: K, intervalMs?: number): LoadedSeries<SeriesOf<K>> {
  if (intervalMs !== undefined && !(Number.isSafeInteger(intervalMs) && intervalMs > 0)) {
    throw new ValidationError(source, [{ path: 'interval', value: intervalMs, message: 'must be a positive whole number of milliseconds' }]);
  }
  const given = intervalMs === undefined ? undefined : { intervalMs, toleranceMs: toleranceFor(kind, intervalMs) };
  const series = parseMarketCsv(text, kind, { source, ...given });
  let grid = given;
  if (grid === undefined) {
    const inferred = inferInterval(series.timestamp);
    if (inferred === undefined) {
      throw new ValidationError(source, [{ path: 'interval', value: undefined, message: 'cannot be inferred (fewer than two rows, or sub-second steps): give it' }]);
    }
    grid = { intervalMs: inferred, toleranceMs: toleranceFor(kind, inferred) };
    checkSpacing(series.timestamp, grid.intervalMs, grid.toleranceMs, `${source} (interval ${inferred} ms inferred)`);
  }
  return {
    source,
    series,
    intervalMs: grid.intervalMs,
    intervalInferred: given === undefined,
    toleranceMs: grid.toleranceMs,
    gaps: findGaps(series.timestamp, grid.intervalMs, grid.toleranceMs),
  };
}
