/**
 * Realised (historical) volatility estimators. All return PER-PERIOD VARIANCE; annualise with conventions.ts
 * (sqrt(variance × periodsPerYear), 365-day year).
 * - Close-to-close: sample variance of LOG returns around their mean, ddof 1: sum (r - mean)² / (n - 1).
 * - Parkinson (1980), from each bar's high and low: sum (ln(H/L))² / (4 ln 2 · n). Zero-drift assumption.
 * - Garman-Klass (1980), from OHLC: (1/n) sum [ ½ (ln(H/L))² - (2 ln 2 - 1)(ln(C/O))² ]. Zero drift, and no jump
 *   between one bar's close and the next open (true of 24/7 crypto bars, where open = previous close); it can be
 *   slightly negative for a single bar, never for a window of many.
 * - Rolling windows: element j covers inputs j .. j+window-1 (it ends at input j+window-1); n - window + 1 values.
 */
import { ValidationError, type FieldIssue } from '../../errors/index.ts';
import { assertFinite, assertLength, checkSeries, type Series } from './conventions.ts';

export interface Ohlc {
  readonly open: Series;
  readonly high: Series;
  readonly low: Series;
  readonly close: Series;
}

const LN2 = Math.LN2;
const GK_CLOSE_WEIGHT = 2 * LN2 - 1;

/** Close-to-close per-period variance, ddof 1, of log returns (NaN for fewer than 2 returns). */
export function closeToCloseVariance(returns: Series): number {
  assertFinite(returns);
  return closeToCloseUnchecked(returns, 0, returns.length);
}

function closeToCloseUnchecked(r: Series, from: number, to: number): number {
  const n = to - from;
  let m = 0;
  for (let i = from; i < to; i++) m += r[i]!;
  m /= n;
  let s = 0;
  for (let i = from; i < to; i++) s += (r[i]! - m) ** 2;
  return s / (n - 1);
}

/** Throws ValidationError unless the bars are positive with low <= open, close <= high (names the bar and field). */
export function assertOhlc(bars: Ohlc, name = 'bars'): void {
  const n = bars.close.length;
  const issues: FieldIssue[] = [];
  for (const f of ['open', 'high', 'low'] as const) {
    if (bars[f].length !== n) issues.push({ path: `${name}.${f}`, value: bars[f].length, message: `has ${bars[f].length} values for ${n} closes` });
  }
  if (issues.length > 0) throw new ValidationError(name, issues);
  for (const f of ['open', 'high', 'low', 'close'] as const) checkSeries(bars[f], `${name}.${f}`, (x) => Number.isFinite(x) && x > 0, 'a price must be > 0');
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const o = bars.open[i]!;
    const h = bars.high[i]!;
    const l = bars.low[i]!;
    const c = bars.close[i]!;
    if (l <= Math.min(o, c) && h >= Math.max(o, c)) continue;
    if (++bad <= 10) issues.push({ path: `${name}[${i}]`, value: { open: o, high: h, low: l, close: c }, message: 'needs low <= open, close <= high' });
  }
  if (bad > 10) issues.push({ path: name, value: `${bad} inconsistent bars`, message: 'only the first 10 are listed' });
  if (issues.length > 0) throw new ValidationError(name, issues);
}

/** Per-bar Parkinson terms (ln(H/L))² / (4 ln 2): their mean is the Parkinson variance. */
export function parkinsonTerms(high: Series, low: Series): Float64Array {
  const out = new Float64Array(high.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.log(high[i]! / low[i]!) ** 2 / (4 * LN2);
  return out;
}

/** Per-bar Garman-Klass terms ½ (ln(H/L))² - (2 ln 2 - 1)(ln(C/O))²: their mean is the Garman-Klass variance. */
export function garmanKlassTerms(bars: Ohlc): Float64Array {
  const out = new Float64Array(bars.close.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = 0.5 * Math.log(bars.high[i]! / bars.low[i]!) ** 2 - GK_CLOSE_WEIGHT * Math.log(bars.close[i]! / bars.open[i]!) ** 2;
  }
  return out;
}

const meanOf = (xs: Series, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i]!;
  return s / (to - from);
};

/** Parkinson per-period variance of all bars (high/low only; open/close are checked for consistency). */
export function parkinsonVariance(bars: Ohlc): number {
  assertOhlc(bars);
  assertLength(bars.close, 1, 'bars', 'one bar at least');
  return meanOf(parkinsonTerms(bars.high, bars.low), 0, bars.close.length);
}

/** Garman-Klass per-period variance of all bars. */
export function garmanKlassVariance(bars: Ohlc): number {
  assertOhlc(bars);
  assertLength(bars.close, 1, 'bars', 'one bar at least');
  return meanOf(garmanKlassTerms(bars), 0, bars.close.length);
}

export type RealisedEstimator = 'close-to-close' | 'parkinson' | 'garman-klass';

function checkWindow(window: number, n: number, min: number): void {
  if (!(Number.isInteger(window) && window >= min)) {
    throw new ValidationError('options', [{ path: 'window', value: window, message: `must be a whole number >= ${min}` }]);
  }
  if (window > n) throw new ValidationError('options', [{ path: 'window', value: window, message: `is longer than the ${n} observations` }]);
}

/** Rolling close-to-close variance (ddof 1) over `window` returns; element j ends at return j+window-1. */
export function rollingCloseToClose(returns: Series, window: number): Float64Array {
  assertFinite(returns);
  checkWindow(window, returns.length, 2);
  const out = new Float64Array(returns.length - window + 1);
  for (let j = 0; j < out.length; j++) out[j] = closeToCloseUnchecked(returns, j, j + window);
  return out;
}

/** Rolling mean of per-bar terms (Parkinson or Garman-Klass) over `window` bars; element j ends at bar j+window-1. */
function rollingMean(terms: Float64Array, window: number): Float64Array {
  checkWindow(window, terms.length, 1);
  const out = new Float64Array(terms.length - window + 1);
  for (let j = 0; j < out.length; j++) out[j] = meanOf(terms, j, j + window);
  return out;
}

export function rollingParkinson(bars: Ohlc, window: number): Float64Array {
  assertOhlc(bars);
  return rollingMean(parkinsonTerms(bars.high, bars.low), window);
}

export function rollingGarmanKlass(bars: Ohlc, window: number): Float64Array {
  assertOhlc(bars);
  return rollingMean(garmanKlassTerms(bars), window);
}
