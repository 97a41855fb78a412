/**
 * Test helper: a synthetic one-asset market history from [open, high, low, close] bars (hourly from 2024-01-01 by
 * default), for backtest tests that need a price path no real history has.
 */
import type { MarketHistory } from '../backtest/data.ts';

export const HOUR = 3_600_000;
export const T0 = Date.parse('2024-01-01T00:00:00Z');

export interface SyntheticOptions {
  /** Funding rate paid at each bar's open (NaN or missing: none). */
  readonly funding?: readonly number[];
  /** Base units traded per bar. Default 1e6. */
  readonly volume?: number;
  /** EWMA forecast vol of every bar. Default 0.5. */
  readonly forecastVol?: number;
  readonly asset?: string;
}

export function syntheticHistory(bars: readonly (readonly [number, number, number, number])[], o: SyntheticOptions = {}): MarketHistory {
  const n = bars.length;
  const col = (k: number): Float64Array => new Float64Array(bars.map((b) => b[k]!));
  const nan = (): Float64Array => new Float64Array(n).fill(NaN);
  return {
    assets: [o.asset ?? 'BTC'],
    intervalMs: HOUR,
    time: new Float64Array(bars.map((_, i) => T0 + i * HOUR)),
    open: [col(0)],
    high: [col(1)],
    low: [col(2)],
    close: [col(3)],
    volume: [new Float64Array(n).fill(o.volume ?? 1e6)],
    funding: [new Float64Array(Array.from({ length: n }, (_, i) => o.funding?.[i] ?? NaN))],
    fundingPer8h: [nan()],
    impliedVol: [nan()],
    forecastVol: [new Float64Array(n).fill(o.forecastVol ?? 0.5)],
    sources: {},
  };
}
