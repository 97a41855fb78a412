/** A loaded market series with what is known about its time grid, and its one-line summary. */
import type { CatalogEntry } from './catalog.ts';
import { countGaps, type Gap } from './gaps.ts';
import type { BaseSeries, MarketSeries } from './series.ts';

export interface LoadedSeries<S extends BaseSeries = MarketSeries> {
  /** The file it was read from, as named in messages (bundled: data/market/<file>). */
  readonly source: string;
  readonly series: S;
  /** Bar (or funding / sampling) interval, ms. */
  readonly intervalMs: number;
  /** True when the interval was inferred from the data (the most common step), not given or catalogued. */
  readonly intervalInferred: boolean;
  /** Timestamp tolerance used for spacing and gaps (series.ts TIMESTAMP_TOLERANCE_MS). */
  readonly toleranceMs: number;
  /** Every gap, in time order: never filled. */
  readonly gaps: readonly Gap[];
}

export interface LoadedDataset<S extends BaseSeries = MarketSeries> extends LoadedSeries<S> {
  readonly entry: CatalogEntry;
}

export interface SeriesSummary {
  readonly rows: number;
  /** Timestamps (epoch ms) of the first and last rows. */
  readonly first: number;
  readonly last: number;
  readonly gaps: number;
  readonly missingBars: number;
}

export const summarize = (d: LoadedSeries): SeriesSummary => ({
  rows: d.series.length,
  first: d.series.timestamp[0] as number,
  last: d.series.timestamp[d.series.length - 1] as number,
  ...countGaps(d.gaps),
});
