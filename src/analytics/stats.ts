/**
 * Drawdown and performance statistics of a return series or an equity curve (pure, no I/O).
 *
 * Conventions (empyrical's, `quantopian/empyrical` stats.py, unless stated):
 * - Input: simple returns per period (series.ts), or a positive equity curve, which is the same thing as the returns
 *   E_{k+1}/E_k - 1. n = number of periods = number of returns (equity points - 1).
 * - Annualisation: `periodsPerYear` (ann), default 365 (crypto trades every calendar day); 252 for equity-market days,
 *   52 weekly, 12 monthly. Volatility and Sharpe scale by sqrt(ann), mean returns by ann.
 * - NaN / Infinity in the input throw a ValidationError naming the index (empyrical treats NaN as a 0 return in
 *   compounding and CAGR, yet drops it from means and deviations). Undefined results are NaN, as in empyrical:
 *   no periods, fewer than 2 returns for a deviation, a ratio with a zero denominator and a zero numerator.
 * - Drawdown indices are equity-curve indices. From returns the curve starts at 1, so index k = after k periods and
 *   index 0 is the starting capital (the peak when the first return is a loss).
 */
import { ValidationError } from '../errors/index.ts';
import { assertEquity, assertReturns, equityCurve, returnsFromEquity, type Series } from './series.ts';

export const DEFAULT_PERIODS_PER_YEAR = 365;

export interface AnnualisationOptions {
  /** Periods per year (ann). Default 365. */
  readonly periodsPerYear?: number;
}

export interface MaxDrawdown {
  /** min_k (E_k - P_k) / P_k with P_k = max_{j<=k} E_j: a fraction in [-1, 0]; 0 when never below a peak; NaN with no periods. */
  readonly value: number;
  /** Curve index of the peak the worst drawdown is measured from (the last index at that peak before the trough). */
  readonly peakIndex: number;
  /** Curve index of the trough (the first one if the worst depth is reached more than once). */
  readonly troughIndex: number;
}

export interface DrawdownSpell {
  /** Curve index of the peak (last index at the running high before equity fell below it). */
  readonly peakIndex: number;
  /** First curve index with E >= the peak again; null when the curve ends below the peak (open drawdown). */
  readonly recoveryIndex: number | null;
  /** Periods from the peak to the recovery, or to the last observation when open: (recoveryIndex ?? last) - peakIndex. */
  readonly periods: number;
  /** Worst (E - peak) / peak inside the spell, negative. */
  readonly depth: number;
}

export interface DrawdownAnalysis {
  readonly maxDrawdown: MaxDrawdown;
  /** The spell with the most periods peak-to-recovery (open spells count up to the last observation); null if none. */
  readonly longest: DrawdownSpell | null;
  /** The spell still open at the last observation (the current drawdown); null when the curve ends at a high. */
  readonly open: DrawdownSpell | null;
  /** Fraction of periods ending strictly below the running peak: #{k >= 1 : E_k < P_k} / n. NaN with no periods. */
  readonly timeUnderWater: number;
}

/**
 * Drawdown analysis of an equity curve already known to be finite and >= 0 (a curve built from returns may reach 0).
 * Strict comparisons: equity back at exactly the old peak counts as recovered, there is no tolerance.
 */
function analyseCurve(curve: Series): DrawdownAnalysis {
  const n = curve.length - 1;
  if (n < 1) return { maxDrawdown: { value: NaN, peakIndex: 0, troughIndex: 0 }, longest: null, open: null, timeUnderWater: NaN };
  let peak = curve[0]!;
  let peakIndex = 0;
  let worst = 0;
  let worstPeak = 0;
  let worstTrough = 0;
  let under = 0;
  let spellDepth = 0;
  let longest: DrawdownSpell | null = null;
  for (let k = 1; k <= n; k++) {
    const e = curve[k]!;
    if (e >= peak) {
      if (peakIndex < k - 1) {
        // a spell (peakIndex, k) just recovered
        const spell: DrawdownSpell = { peakIndex, recoveryIndex: k, periods: k - peakIndex, depth: spellDepth };
        if (longest === null || spell.periods > longest.periods) longest = spell;
      }
      peak = e;
      peakIndex = k;
      spellDepth = 0;
      continue;
    }
    under++;
    const dd = (e - peak) / peak; // empyrical: (cum - running max) / running max
    if (dd < spellDepth) spellDepth = dd;
    if (dd < worst) {
      worst = dd;
      worstPeak = peakIndex;
      worstTrough = k;
    }
  }
  let open: DrawdownSpell | null = null;
  if (peakIndex < n) {
    open = { peakIndex, recoveryIndex: null, periods: n - peakIndex, depth: spellDepth };
    if (longest === null || open.periods > longest.periods) longest = open;
  }
  return { maxDrawdown: { value: worst, peakIndex: worstPeak, troughIndex: worstTrough }, longest, open, timeUnderWater: under / n };
}

/** Drawdown analysis of a positive equity curve (indices into `equity`). */
export function drawdownOfEquity(equity: Series): DrawdownAnalysis {
  assertEquity(equity);
  return analyseCurve(equity);
}

/** Drawdown analysis of simple returns, on equityCurve(returns) (start 1: curve index k = after k periods). */
export function drawdownOfReturns(returns: Series): DrawdownAnalysis {
  return analyseCurve(equityCurve(returns));
}

/** Maximum drawdown of simple returns (empyrical max_drawdown): a negative fraction, 0 if none, NaN if empty. */
export const maxDrawdown = (returns: Series): number => drawdownOfReturns(returns).maxDrawdown.value;

const periodsPerYearOf = (opts: AnnualisationOptions | undefined): number => {
  const ann = opts?.periodsPerYear ?? DEFAULT_PERIODS_PER_YEAR;
  if (!(Number.isFinite(ann) && ann > 0)) {
    throw new ValidationError('options', [{ path: 'periodsPerYear', value: ann, message: 'must be a finite number > 0' }]);
  }
  return ann;
};

/** Arithmetic mean of x_i - sub_i; NaN when empty. */
const meanOf = (xs: Series, sub: (i: number) => number): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]! - sub(i);
  return s / xs.length;
};

/** Sample standard deviation (ddof 1, two-pass) of x_i - sub_i; NaN below 2 values. */
const sdOf = (xs: Series, sub: (i: number) => number, mean: number): number => {
  if (xs.length < 2) return NaN;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = xs[i]! - sub(i) - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / (xs.length - 1));
};

/** num/den where den >= 0 may be 0: ±Infinity for a non-zero numerator, NaN for 0/0 (empyrical's numpy division). */
const ratio = (num: number, den: number): number => (den === 0 ? (num === 0 ? NaN : num > 0 ? Infinity : -Infinity) : num / den);

/** CAGR (empyrical annual_return): (prod(1+r_t))^(ann/n) - 1, every period counted; NaN with no periods. */
export function cagr(returns: Series, opts?: AnnualisationOptions): number {
  const ann = periodsPerYearOf(opts);
  assertReturns(returns);
  if (returns.length === 0) return NaN;
  let growth = 1;
  for (let i = 0; i < returns.length; i++) growth *= 1 + returns[i]!;
  return Math.pow(growth, ann / returns.length) - 1;
}

/** Annualised volatility (empyrical annual_volatility): sd(r, ddof 1) * sqrt(ann); NaN below 2 returns. */
export function annualVolatility(returns: Series, opts?: AnnualisationOptions): number {
  const ann = periodsPerYearOf(opts);
  assertReturns(returns);
  const zero = (): number => 0;
  return sdOf(returns, zero, meanOf(returns, zero)) * Math.sqrt(ann);
}

export interface SharpeOptions extends AnnualisationOptions {
  /** Risk-free return PER PERIOD (not annual): a constant, or one value per period. Default 0. */
  readonly riskFree?: number | Series;
}

/** Per-period benchmark (risk-free rate or MAR) as a lookup, validated against the series length. */
const perPeriod = (x: number | Series | undefined, n: number, name: string): ((i: number) => number) => {
  if (x === undefined) return () => 0;
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new ValidationError('options', [{ path: name, value: x, message: 'not a finite number' }]);
    return () => x;
  }
  if (x.length !== n) throw new ValidationError('options', [{ path: name, value: x.length, message: `needs one value per period (${n})` }]);
  assertReturns(x, name);
  return (i) => x[i]!;
};

/**
 * Sharpe ratio (empyrical sharpe_ratio): mean(r - rf) / sd(r - rf, ddof 1) * sqrt(ann), rf per period.
 * NaN below 2 returns; ±Infinity when the excess returns have zero deviation and a non-zero mean.
 */
export function sharpe(returns: Series, opts?: SharpeOptions): number {
  const ann = periodsPerYearOf(opts);
  assertReturns(returns);
  const rf = perPeriod(opts?.riskFree, returns.length, 'riskFree');
  if (returns.length < 2) return NaN;
  const mean = meanOf(returns, rf);
  return ratio(mean, sdOf(returns, rf, mean)) * Math.sqrt(ann);
}

export interface SortinoOptions extends AnnualisationOptions {
  /** Minimum acceptable return (empyrical required_return) PER PERIOD. Default 0. */
  readonly mar?: number;
}

const marOf = (opts: SortinoOptions | undefined): number => {
  const mar = opts?.mar ?? 0;
  if (!Number.isFinite(mar)) throw new ValidationError('options', [{ path: 'mar', value: mar, message: 'not a finite number' }]);
  return mar;
};

/**
 * Annualised downside deviation (empyrical downside_risk): sqrt(mean(min(r - MAR, 0)^2)) * sqrt(ann). The mean runs
 * over ALL periods (returns above the MAR count as 0), not only the losing ones. NaN when empty.
 */
export function downsideDeviation(returns: Series, opts?: SortinoOptions): number {
  const ann = periodsPerYearOf(opts);
  const mar = marOf(opts);
  assertReturns(returns);
  let ss = 0;
  for (let i = 0; i < returns.length; i++) {
    const d = Math.min(returns[i]! - mar, 0);
    ss += d * d;
  }
  return Math.sqrt(ss / returns.length) * Math.sqrt(ann);
}

/**
 * Sortino ratio (empyrical sortino_ratio): mean(r - MAR) * ann / downsideDeviation(r, MAR). NaN below 2 returns;
 * +Infinity when nothing falls below the MAR and the mean excess is positive, NaN when it is 0.
 */
export function sortino(returns: Series, opts?: SortinoOptions): number {
  const ann = periodsPerYearOf(opts);
  const mar = marOf(opts);
  assertReturns(returns);
  if (returns.length < 2) return NaN;
  return ratio(meanOf(returns, () => mar) * ann, downsideDeviation(returns, { periodsPerYear: ann, mar }));
}

/** Calmar ratio (empyrical calmar_ratio): CAGR / |max drawdown|; NaN when there is no drawdown (or no periods). */
export function calmar(returns: Series, opts?: AnnualisationOptions): number {
  const mdd = maxDrawdown(returns);
  if (!(mdd < 0)) return NaN;
  const c = cagr(returns, opts) / Math.abs(mdd);
  return Number.isFinite(c) ? c : NaN;
}

export interface PerformanceStats {
  /** Number of periods (returns). */
  readonly periods: number;
  readonly periodsPerYear: number;
  readonly maxDrawdown: MaxDrawdown;
  /** Longest drawdown, peak to recovery (or to the last observation when open), in periods; 0 if never under water. */
  readonly maxDrawdownDuration: number;
  /** True when that longest drawdown has not recovered by the last observation. */
  readonly maxDrawdownDurationOpen: boolean;
  /** The drawdown still open at the end, if any. */
  readonly openDrawdown: DrawdownSpell | null;
  readonly timeUnderWater: number;
  readonly cagr: number;
  readonly annualVolatility: number;
  readonly sharpe: number;
  readonly sortino: number;
  readonly calmar: number;
}

export interface PerformanceOptions extends AnnualisationOptions {
  readonly riskFree?: number;
  readonly mar?: number;
}

const summarise = (curve: Series, returns: Series, opts: PerformanceOptions | undefined): PerformanceStats => {
  const periodsPerYear = periodsPerYearOf(opts);
  const o = { ...opts, periodsPerYear };
  const dd = analyseCurve(curve);
  const c = cagr(returns, o);
  const mdd = dd.maxDrawdown.value;
  return {
    periods: returns.length,
    periodsPerYear,
    maxDrawdown: dd.maxDrawdown,
    maxDrawdownDuration: dd.longest?.periods ?? 0,
    maxDrawdownDurationOpen: dd.longest !== null && dd.longest.recoveryIndex === null,
    openDrawdown: dd.open,
    timeUnderWater: dd.timeUnderWater,
    cagr: c,
    annualVolatility: annualVolatility(returns, o),
    sharpe: sharpe(returns, o),
    sortino: sortino(returns, o),
    calmar: mdd < 0 && Number.isFinite(c / -mdd) ? c / -mdd : NaN,
  };
};

/** Every statistic of simple returns; drawdown indices on equityCurve(returns) (index k = after k periods). */
export function performanceStats(returns: Series, opts?: PerformanceOptions): PerformanceStats {
  return summarise(equityCurve(returns), returns, opts);
}

/** Every statistic of a positive equity curve (drawdown indices into `equity`), via its returns E_{k+1}/E_k - 1. */
export function performanceStatsOfEquity(equity: Series, opts?: PerformanceOptions): PerformanceStats {
  return summarise(equity, returnsFromEquity(equity), opts);
}
