/**
 * Market history for VaR: hourly joint log returns of a book's underlyings, horizon returns and filtered (FHS)
 * returns. Pure: price series in (io/market-file.ts loads them), typed arrays out.
 *
 * Conventions:
 * - Source: the bundled Binance USDT-M perpetual hourly closes, dataset `binance-perp-<asset>-usdt-1h` (USDT taken
 *   at 1 USD). Only bars CLOSED at or before the portfolio's asOf are used (no look-ahead); an asOf after the data
 *   simply uses all of it (the window's end is reported).
 * - Joint hourly returns: market-data/returns.ts (inner join on timestamps, log returns, steps across a gap in any
 *   series skipped, never filled).
 * - Horizon h hours: OVERLAPPING h-hour log returns, the sum of h consecutive hourly returns whose bars are
 *   contiguous (a window that spans a gap is dropped). Consecutive scenarios share h - 1 hours, so the n - h + 1
 *   scenarios of a long horizon hold far fewer independent observations (about n / h).
 * - FHS (Barone-Adesi et al. 1999): each hourly return r_t is rescaled by sigma_now / sigma_t, sigma_t^2 the
 *   variance forecast for hour t made at t - 1 and sigma_now^2 the forecast for the next hour after the last one;
 *   horizon returns are then summed from the rescaled hours (the current vol held over the horizon). Vol model:
 *   EWMA (analytics/vol/ewma.ts, seed r_0^2) with hourly decay 0.94^(1/24) by default (RiskMetrics' daily 0.94 at
 *   the same half-life in days, about 11 days), the first BURN_IN_HOURS dropped while the seed fades; or GARCH(1,1)
 *   fitted by analytics/vol/garch.ts (conditional variances h_t are exactly the forecasts for t).
 */
import { BallastError, ValidationError } from '../errors/index.ts';
import { ewmaVariance } from '../analytics/vol/ewma.ts';
import { fitGarch } from '../analytics/vol/garch.ts';
import { jointReturns } from '../market-data/returns.ts';
import { sampleCovariance, type SquareMatrix } from './linalg.ts';

export const HOUR_MS = 3_600_000;
/** Hours per year, ACT/365 (model/types.ts): annualised vol = hourly sd x sqrt(8760). */
export const HOURS_PER_YEAR = 365 * 24;
/** Hourly EWMA decay with the half-life of RiskMetrics' daily 0.94. */
export const HOURLY_EWMA_LAMBDA = Math.pow(0.94, 1 / 24);
/** FHS: hours dropped at the start while the EWMA seed fades (0.94^(1/24) ^ 720 = 0.16). */
export const BURN_IN_HOURS = 720;

/** Bundled hourly dataset id of an asset. */
export const hourlyDatasetId = (asset: string): string => `binance-perp-${asset.toLowerCase()}-usdt-1h`;

/** An asset of the book has no price history: VaR fails safe rather than treat it as riskless. */
export class MissingHistoryError extends BallastError {
  override readonly name = 'MissingHistoryError';
  constructor(
    readonly asset: string,
    detail: string,
  ) {
    super(`no hourly price history for ${asset}, an asset of the book: ${detail}`);
  }
}

const head = (a: ArrayLike<number>, end: number): ArrayLike<number> =>
  a instanceof Float64Array ? a.subarray(0, end) : Array.from({ length: end }, (_, i) => a[i]!);

export interface PriceHistory {
  readonly asset: string;
  /** Where it came from (dataset id or file), for the report. */
  readonly source: string;
  /** Bar opens, epoch ms, strictly increasing; hourly. */
  readonly timestamp: ArrayLike<number>;
  readonly close: ArrayLike<number>;
}

/** Joint hourly log returns of several assets (columns in `assets` order). */
export interface HourlyReturns {
  readonly assets: readonly string[];
  readonly sources: readonly string[];
  /** Open of the later bar of each return (returns.ts convention); a return ends at timestamp + 1h. */
  readonly timestamps: Float64Array;
  readonly returns: readonly Float64Array[];
  readonly skippedAcrossGaps: number;
}

/** The window a set of hourly returns covers: from the start of the first return to the end of the last. */
export interface DataWindow {
  readonly from: string;
  readonly to: string;
  /** Hourly returns in the window (gaps excluded). */
  readonly hours: number;
}

export function dataWindow(h: HourlyReturns): DataWindow {
  const n = h.timestamps.length;
  return {
    from: new Date(h.timestamps[0]! - HOUR_MS).toISOString(),
    to: new Date(h.timestamps[n - 1]! + HOUR_MS).toISOString(),
    hours: n,
  };
}

/** Minimum hourly returns for any VaR: 30 days. */
export const MIN_HOURS = 720;

/**
 * Joint hourly returns of `assets` from `histories` (one per asset), bars closed by `asOf` (epoch ms). Throws
 * MissingHistoryError naming the first asset without a history, ValidationError when too little is left.
 */
export function hourlyReturns(assets: readonly string[], histories: readonly PriceHistory[], asOf: number): HourlyReturns {
  const inputs = assets.map((asset) => {
    const h = histories.find((x) => x.asset === asset);
    if (h === undefined) throw new MissingHistoryError(asset, `VaR needs one for every non-stable asset (bundled: dataset ${hourlyDatasetId(asset)})`);
    let end = 0;
    while (end < h.timestamp.length && h.timestamp[end]! + HOUR_MS <= asOf) end++;
    return { id: asset, timestamp: head(h.timestamp, end), close: head(h.close, end), source: h.source };
  });
  const j = jointReturns(inputs, { method: 'log', intervalMs: HOUR_MS });
  if (j.timestamps.length < MIN_HOURS) {
    throw new ValidationError('history', [
      { path: assets.join('+'), value: j.timestamps.length, message: `needs at least ${MIN_HOURS} joint hourly returns closed by asOf ${new Date(asOf).toISOString()}` },
    ]);
  }
  return { assets, sources: inputs.map((i) => i.source), timestamps: j.timestamps, returns: j.returns, skippedAcrossGaps: j.skippedAcrossGaps };
}

/** Overlapping `hours`-hour log returns (see the module comment): one column per asset, same length. */
export function horizonReturns(h: HourlyReturns, hours: number): Float64Array[] {
  if (!(Number.isInteger(hours) && hours >= 1)) throw new ValidationError('options', [{ path: 'horizon', value: hours, message: 'must be a whole number of hours >= 1' }]);
  const ts = h.timestamps;
  const n = ts.length;
  const starts: number[] = [];
  for (let i = 0; i + hours <= n; i++) if (ts[i + hours - 1]! - ts[i]! === (hours - 1) * HOUR_MS) starts.push(i);
  if (starts.length < 2) throw new ValidationError('history', [{ path: `horizon ${hours}h`, value: n, message: 'the history has fewer than 2 gap-free windows of this horizon' }]);
  return h.returns.map((r) => {
    const prefix = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + r[i]!;
    return Float64Array.from(starts, (i) => prefix[i + hours]! - prefix[i]!);
  });
}

export type FhsVolModel = { readonly model: 'ewma'; readonly lambda?: number } | { readonly model: 'garch' };

/** Hourly returns rescaled to the current vol (FHS, see the module comment); the burn-in hours are dropped. */
export function filteredReturns(h: HourlyReturns, vol: FhsVolModel = { model: 'ewma' }): HourlyReturns & { readonly currentVariance: readonly number[] } {
  const n = h.timestamps.length;
  const burn = vol.model === 'ewma' ? BURN_IN_HOURS : 1;
  if (n - burn < MIN_HOURS) throw new ValidationError('history', [{ path: 'fhs', value: n, message: `needs at least ${MIN_HOURS + burn} hourly returns` }]);
  const current: number[] = [];
  const returns = h.returns.map((r) => {
    let forecast: ArrayLike<number>; // forecast[t]: variance of hour t made at t - 1, for t >= 1
    let next: number;
    if (vol.model === 'ewma') {
      const e = ewmaVariance(r, { lambda: vol.lambda ?? HOURLY_EWMA_LAMBDA });
      forecast = new Float64Array(n);
      (forecast as Float64Array).set(e.path.subarray(0, n - 1), 1);
      next = e.variance;
    } else {
      const g = fitGarch(r, { includeMean: false });
      forecast = g.h;
      next = g.nextVariance;
    }
    current.push(next);
    const out = new Float64Array(n - burn);
    for (let t = burn; t < n; t++) out[t - burn] = forecast[t]! > 0 ? r[t]! * Math.sqrt(next / forecast[t]!) : 0;
    return out;
  });
  return { ...h, timestamps: h.timestamps.slice(burn), returns, currentVariance: current };
}

/** Sample covariance of hourly log returns (ddof 1); the covariance of h hours is h times it (i.i.d. hours). */
export const hourlyCovariance = (h: HourlyReturns): SquareMatrix => sampleCovariance(h.returns);
