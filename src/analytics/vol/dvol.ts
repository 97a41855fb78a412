/**
 * Implied volatility from Deribit's DVOL index (bundled dataset `deribit-btc-dvol-1d`).
 * - Units: DVOL is the 30-day implied volatility in ANNUALISED PERCENT, so sigma = dvol / 100 (an annualised vol on
 *   Deribit's 365-day year). Per-period variance for a bar interval: sigma² / periodsPerYear (conventions.ts).
 * - Which value applies: the row stamped on UTC day D (timestamp D 00:00:00Z) is "DVOL for day D". The source kept one
 *   value per day and it is not known whether it is the day's first or last reading (data/market/README.md); a
 *   backtest that must not look ahead should therefore use day D-1's value for decisions on day D.
 * - dvolForDay: that exact day only; a day without a row (2025-11-11 is missing) is a ValidationError naming the
 *   day and the nearest earlier and later days. Nothing is carried forward. dvolAsOf: the latest row at or before an instant, with its
 *   age in days, for callers that accept a stale value explicitly.
 */
import { ValidationError } from '../../errors/index.ts';
import { DAY_MS } from './conventions.ts';

export interface DvolSeries {
  /** Epoch ms, strictly increasing (the loaders guarantee it). */
  readonly timestamp: ArrayLike<number>;
  /** Annualised percent, > 0. */
  readonly dvol: ArrayLike<number>;
}

export interface DvolPoint {
  /** UTC day of the row, YYYY-MM-DD. */
  readonly date: string;
  readonly timestamp: number;
  /** Annualised percent as published. */
  readonly dvol: number;
  /** Annualised volatility as a fraction: dvol / 100. */
  readonly sigma: number;
}

/** DVOL (annualised percent) -> annualised volatility as a fraction. */
export const sigmaFromDvol = (dvol: number): number => dvol / 100;

/** UTC day number of an instant; rows stamped a little before midnight (loader tolerance 1 s) count for the next day. */
const dayOf = (ms: number): number => Math.floor((ms + 1000) / DAY_MS);
const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** 'YYYY-MM-DD' -> UTC day number; throws ValidationError naming `field` for anything else (incl. 2024-02-30). */
export function parseDay(text: string, field = 'date'): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const ms = m === null ? NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (m === null || !Number.isFinite(ms) || isoDay(ms / DAY_MS) !== text.trim()) {
    throw new ValidationError('options', [{ path: field, value: text, message: 'must be a UTC calendar day YYYY-MM-DD' }]);
  }
  return ms / DAY_MS;
}

const point = (s: DvolSeries, i: number): DvolPoint => {
  const t = s.timestamp[i]!;
  const dvol = s.dvol[i]!;
  return { date: isoDay(dayOf(t)), timestamp: t, dvol, sigma: sigmaFromDvol(dvol) };
};

/** Index of the last row whose day is <= `day`, or -1. */
function lastAtOrBefore(s: DvolSeries, day: number): number {
  let lo = 0;
  let hi = s.timestamp.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (dayOf(s.timestamp[mid]!) <= day) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** The row of UTC day `date` (YYYY-MM-DD). Throws ValidationError (field `date`) when that day has no row. */
export function dvolForDay(s: DvolSeries, date: string): DvolPoint {
  const day = parseDay(date);
  const i = lastAtOrBefore(s, day);
  if (i >= 0 && dayOf(s.timestamp[i]!) === day) return point(s, i);
  const before = i >= 0 ? isoDay(dayOf(s.timestamp[i]!)) : 'none';
  const after = i + 1 < s.timestamp.length ? isoDay(dayOf(s.timestamp[i + 1]!)) : 'none';
  throw new ValidationError('DVOL', [{ path: 'date', value: date, message: `no DVOL row that day (nearest earlier: ${before}, later: ${after}); nothing is carried forward` }]);
}

/** The latest row at or before instant `ms`, and how many whole UTC days older than that instant's day it is. */
export function dvolAsOf(s: DvolSeries, ms: number): DvolPoint & { readonly ageDays: number } {
  const i = lastAtOrBefore(s, dayOf(ms));
  if (i < 0 || s.timestamp[i]! > ms + 1000) throw new ValidationError('DVOL', [{ path: 'asOf', value: new Date(ms).toISOString(), message: 'before the first DVOL row' }]);
  const p = point(s, i);
  return { ...p, ageDays: dayOf(ms) - dayOf(p.timestamp) };
}

/** The last row of the series. */
export function latestDvol(s: DvolSeries): DvolPoint {
  if (s.timestamp.length === 0) throw new ValidationError('DVOL', [{ path: 'rows', value: 0, message: 'the series is empty' }]);
  return point(s, s.timestamp.length - 1);
}
