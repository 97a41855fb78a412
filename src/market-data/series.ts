/**
 * Market history series: one typed column (Float64Array) per CSV column, named exactly as the CSV header names it.
 * Conventions (data/market/README.md):
 * - `timestamp`: Unix epoch milliseconds, UTC, the OPEN of the bar (a 1h bar at T covers [T, T + 1h)); for funding
 *   and index series, the time of the value. Strictly increasing.
 * - Prices (open, high, low, close, index_price) are in the quote currency and > 0; `volume` is in the base asset
 *   and >= 0; rates (funding_rate, interest_8h, interest_1h) are fractions per their interval, any sign;
 *   `dvol` is annualized percent, > 0.
 */

export const COLUMNS = {
  ohlcv: ['timestamp', 'open', 'high', 'low', 'close', 'volume'],
  funding: ['timestamp', 'funding_rate'],
  dvol: ['timestamp', 'dvol'],
  'deribit-funding': ['timestamp', 'index_price', 'interest_8h', 'interest_1h'],
} as const;

export type MarketKind = keyof typeof COLUMNS;
export const MARKET_KINDS = Object.keys(COLUMNS) as MarketKind[];
export const isMarketKind = (s: string): s is MarketKind => Object.hasOwn(COLUMNS, s);

export type ColumnOf<K extends MarketKind> = (typeof COLUMNS)[K][number];
export type ValueColumn = Exclude<ColumnOf<MarketKind>, 'timestamp'>;

/** What a value column may hold. */
export type ValueRule = 'positive' | 'non-negative' | 'finite';
export const VALUE_RULES: Readonly<Record<ValueColumn, ValueRule>> = {
  open: 'positive',
  high: 'positive',
  low: 'positive',
  close: 'positive',
  volume: 'non-negative',
  funding_rate: 'finite',
  dvol: 'positive',
  index_price: 'positive',
  interest_8h: 'finite',
  interest_1h: 'finite',
};

/** What every series has: its kind, its row count and its timestamp column. */
export interface BaseSeries {
  readonly kind: MarketKind;
  readonly length: number;
  readonly timestamp: Float64Array;
}

export type SeriesOf<K extends MarketKind> = BaseSeries & { readonly kind: K } & { readonly [C in ColumnOf<K>]: Float64Array };
export type MarketSeries = { [K in MarketKind]: SeriesOf<K> }[MarketKind];

/**
 * Timestamp tolerance when checking spacing and finding gaps. Bars (ohlcv) open exactly on their grid: 0 ms.
 * Point-in-time series (funding, index values) are stamped when the venue computed them: Binance's fundingTime
 * carries a few ms of jitter (up to 29 ms in the bundled file), so they get 1 second. Values stay as published.
 */
export const TIMESTAMP_TOLERANCE_MS: Readonly<Record<MarketKind, number>> = {
  ohlcv: 0,
  funding: 1000,
  dvol: 1000,
  'deribit-funding': 1000,
};

/** Timestamps accepted as epoch ms: [1e11, 1e13), i.e. 1973-03-03 to 2286-11-20; smaller ones look like seconds. */
export const MIN_TIMESTAMP_MS = 1e11;
export const MAX_TIMESTAMP_MS = 1e13;
