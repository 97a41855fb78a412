/**
 * Calibration of the impact model (./cost.ts) from hourly OHLCV bars. Pure: the bars in, numbers out
 * (tools/gen-liquidity.ts reads the bundled files and writes data/liquidity/<asset>.json).
 *
 * Rules, over the window [asOf - days, asOf) cut in UTC days from asOf (bar timestamps are the bar's open):
 * - ADV (USD): the MEDIAN over the complete days (24 hourly bars) of the day's sum of volume x close. Volume is in
 *   the base asset; close is the proxy for the bar's average price (the files carry no quote volume). The median,
 *   not the mean, so that one crash day does not set the liquidity of every day. Incomplete days are skipped.
 * - sigma_d (decimal): the sample standard deviation of the hourly log returns ln(C_t / C_{t-1}) between bars
 *   exactly one hour apart, both inside the window, times sqrt(24) (hourly returns: 720 observations in 30 days,
 *   a much tighter estimate than 30 daily returns; intraday autocorrelation ignored).
 */
import { BallastError } from '../errors/index.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Days in the calibration window. */
export const DEFAULT_CALIBRATION_DAYS = 30;

export interface HourlyBars {
  readonly length: number;
  readonly timestamp: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export interface Calibration {
  readonly advUsd: number;
  readonly sigmaDaily: number;
  /** Window start and end (epoch ms); end = asOf, excluded. */
  readonly from: number;
  readonly to: number;
  readonly days: number;
  readonly completeDays: number;
  readonly hourlyReturns: number;
  /** Smallest and largest complete-day USD volume. */
  readonly minDailyUsd: number;
  readonly maxDailyUsd: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

/** Throws BallastError when fewer than half the days are complete or there are fewer than 24 returns. */
export function calibrateLiquidity(bars: HourlyBars, asOf: number, days = DEFAULT_CALIBRATION_DAYS): Calibration {
  const from = asOf - days * DAY_MS;
  const usd = new Float64Array(days);
  const count = new Int32Array(days);
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  let prevT = NaN;
  let prevC = NaN;
  for (let i = 0; i < bars.length; i++) {
    const t = bars.timestamp[i]!;
    if (t < from || t >= asOf) continue;
    const c = bars.close[i]!;
    const d = Math.floor((t - from) / DAY_MS);
    usd[d]! += bars.volume[i]! * c;
    count[d]! += 1;
    if (t - prevT === HOUR_MS) {
      const r = Math.log(c / prevC);
      sum += r;
      sumSq += r * r;
      n++;
    }
    prevT = t;
    prevC = c;
  }
  const complete: number[] = [];
  for (let d = 0; d < days; d++) if (count[d] === 24) complete.push(usd[d]!);
  if (complete.length < days / 2 || n < 24) {
    throw new BallastError(`calibration window ${new Date(from).toISOString()} to ${new Date(asOf).toISOString()}: ${complete.length} complete days of ${days}, ${n} hourly returns (need half the days and 24 returns)`);
  }
  const variance = (sumSq - (sum * sum) / n) / (n - 1);
  return {
    advUsd: median(complete),
    sigmaDaily: Math.sqrt(Math.max(variance, 0) * 24),
    from,
    to: asOf,
    days,
    completeDays: complete.length,
    hourlyReturns: n,
    minDailyUsd: Math.min(...complete),
    maxDailyUsd: Math.max(...complete),
  };
}
