/**
 * Gaps and spacing of a timestamp column. Gaps are reported, never filled: a gap names the bars on either side
 * (as data/market/README.md does: "2018-02-08 00:00 -> 2018-02-09 10:00 (33 bars)").
 */
import { formatInterval } from './interval.ts';

export interface Gap {
  /** Timestamp (epoch ms, bar open) of the last row before the gap. */
  readonly from: number;
  /** Timestamp of the first row after the gap. */
  readonly to: number;
  /** Bars (or periods) missing strictly between them: round((to - from) / interval) - 1, always >= 1. */
  readonly missingBars: number;
}

export interface GapCount {
  readonly gaps: number;
  readonly missingBars: number;
}

const checkArgs = (intervalMs: number, toleranceMs: number): void => {
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) throw new RangeError(`interval must be a positive number of ms, got ${intervalMs}`);
  if (!(toleranceMs >= 0 && toleranceMs < intervalMs / 2)) throw new RangeError(`tolerance must be in [0, interval/2), got ${toleranceMs}`);
};

/**
 * Every gap of a strictly increasing timestamp column: consecutive rows more than one interval (+ tolerance) apart.
 * Spacing that is off the interval grid is not a gap but a data error (see spacingProblem); here a step rounds to
 * the nearest whole number of intervals.
 */
export function findGaps(ts: ArrayLike<number>, intervalMs: number, toleranceMs = 0): Gap[] {
  checkArgs(intervalMs, toleranceMs);
  const gaps: Gap[] = [];
  for (let i = 1; i < ts.length; i++) {
    const from = ts[i - 1] as number;
    const to = ts[i] as number;
    const step = to - from;
    if (step <= intervalMs + toleranceMs) continue;
    const missingBars = Math.round(step / intervalMs) - 1;
    if (missingBars >= 1) gaps.push({ from, to, missingBars });
  }
  return gaps;
}

export const countGaps = (gaps: readonly Gap[]): GapCount => ({
  gaps: gaps.length,
  missingBars: gaps.reduce((n, g) => n + g.missingBars, 0),
});

/**
 * Why a step of `step` ms (> 0) between consecutive rows is not a whole number of intervals within the tolerance,
 * or undefined when it is (one interval, or several: a gap).
 */
export function spacingProblem(step: number, intervalMs: number, toleranceMs = 0): string | undefined {
  checkArgs(intervalMs, toleranceMs);
  const k = Math.round(step / intervalMs);
  const label = formatInterval(intervalMs);
  const within = toleranceMs > 0 ? ` within ${toleranceMs} ms` : '';
  if (step < intervalMs - toleranceMs) return `only ${step} ms after the previous row; the interval is ${label}`;
  if (Math.abs(step - k * intervalMs) > toleranceMs) return `${step} ms after the previous row: not a whole number of ${label} intervals${within}`;
  return undefined;
}

/**
 * The most common step between consecutive rows, rounded to whole seconds (ties: the shorter step), or undefined
 * for fewer than two rows or steps under half a second. A stated guess: callers label an inferred interval as such.
 */
export function inferInterval(ts: ArrayLike<number>): number | undefined {
  const counts = new Map<number, number>();
  for (let i = 1; i < ts.length; i++) {
    const step = Math.round(((ts[i] as number) - (ts[i - 1] as number)) / 1000) * 1000;
    counts.set(step, (counts.get(step) ?? 0) + 1);
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [step, n] of counts) if (n > bestCount || (n === bestCount && best !== undefined && step < best)) [best, bestCount] = [step, n];
  return best !== undefined && best > 0 ? best : undefined;
}
