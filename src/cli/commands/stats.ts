/**
 * `ballast stats <csv> [--column NAME] [--returns] [--periods-per-year N] [--json]`: drawdown and performance
 * statistics (analytics/stats.ts) of one CSV column, an equity curve by default or simple returns with --returns.
 * JSON numbers are full precision; an undefined statistic (NaN, e.g. Sharpe of one period) or an infinite one
 * (Sortino with no return below the MAR) is written as null. Line numbers are the CSV file's, 1-based.
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import { performanceStats, performanceStatsOfEquity, DEFAULT_PERIODS_PER_YEAR, type PerformanceStats } from '../../analytics/stats.ts';
import { ValidationError, type FieldIssue } from '../../errors/index.ts';
import { parseNumber, readNumericColumn, type NumericColumn } from '../../io/csv.ts';
import { num, pct } from '../format.ts';
import type { Io } from '../main.ts';

export interface StatsCliOptions {
  readonly column?: string;
  readonly returns?: boolean;
  readonly periodsPerYear?: string;
  readonly json?: boolean;
}

/** The stable JSON document of `ballast stats --json`. */
export interface StatsDocument {
  readonly file: string;
  /** Column read; when no --column was given, the last numeric column. */
  readonly column: string;
  readonly input: 'equity' | 'returns';
  /** Number of return periods: rows - 1 for equity, rows for returns. */
  readonly periods: number;
  /** Negative fraction (-0.25 = 25 % below the peak); 0 when never below a peak. */
  readonly maxDrawdown: number | null;
  /** CSV line of the peak it is measured from; null when that peak is the starting capital (returns input). */
  readonly maxDrawdownPeakLine: number | null;
  readonly maxDrawdownTroughLine: number | null;
  /** Longest drawdown in periods, peak to recovery (to the last row when never recovered). */
  readonly maxDrawdownDuration: number;
  /** True when that longest drawdown is still open at the last row. */
  readonly maxDrawdownDurationOpen: boolean;
  /** Fraction of periods ending below the running peak. */
  readonly timeUnderWater: number | null;
  readonly cagr: number | null;
  readonly annualVolatility: number | null;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly calmar: number | null;
  readonly periodsPerYear: number;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

const periodsPerYearOf = (raw: string | undefined): number => {
  if (raw === undefined) return DEFAULT_PERIODS_PER_YEAR;
  const n = parseNumber(raw);
  if (n === undefined || !(n > 0)) {
    throw new ValidationError('options', [{ path: '--periods-per-year', value: raw, message: 'must be a number > 0 (365 for crypto days, 252 for trading days)' }]);
  }
  return n;
};

/** Domain checks with CSV line numbers (the parser already guarantees finite numbers). */
function checkDomain(file: string, col: NumericColumn, returns: boolean): void {
  const issues: FieldIssue[] = [];
  let bad = 0;
  col.values.forEach((x, i) => {
    if (!(returns ? x < -1 : x <= 0) || ++bad > 10) return;
    issues.push({
      path: `line ${col.lines[i]}, column "${col.column}"`,
      value: x,
      message: returns ? 'a simple return must be >= -1 (-100 %)' : 'equity must be > 0 (pass --returns if the column holds returns)',
    });
  });
  if (bad > 10) issues.push({ path: `column "${col.column}"`, value: `${bad} bad values`, message: 'only the first 10 are listed' });
  const minRows = returns ? 1 : 2;
  if (col.values.length < minRows) {
    issues.push({ path: `column "${col.column}"`, value: col.values.length, message: `needs at least ${minRows} value${minRows > 1 ? 's' : ''} (one period)` });
  }
  if (issues.length > 0 && col.inferred) {
    issues.push({ path: 'column', value: col.column, message: 'picked as the last numeric column; choose another with --column NAME' });
  }
  if (issues.length > 0) throw new ValidationError(file, issues);
}

export function statsDocument(file: string, col: NumericColumn, returns: boolean, s: PerformanceStats): StatsDocument {
  // curve index -> CSV line: equity rows are the curve; returns add the starting capital as curve index 0
  const line = (k: number): number | null => (returns ? (k === 0 ? null : col.lines[k - 1]!) : col.lines[k]!);
  const hasDrawdown = s.maxDrawdown.value < 0;
  return {
    file,
    column: col.column,
    input: returns ? 'returns' : 'equity',
    periods: s.periods,
    maxDrawdown: finite(s.maxDrawdown.value),
    maxDrawdownPeakLine: hasDrawdown ? line(s.maxDrawdown.peakIndex) : null,
    maxDrawdownTroughLine: hasDrawdown ? line(s.maxDrawdown.troughIndex) : null,
    maxDrawdownDuration: s.maxDrawdownDuration,
    maxDrawdownDurationOpen: s.maxDrawdownDurationOpen,
    timeUnderWater: finite(s.timeUnderWater),
    cagr: finite(s.cagr),
    annualVolatility: finite(s.annualVolatility),
    sharpe: finite(s.sharpe),
    sortino: finite(s.sortino),
    calmar: finite(s.calmar),
    periodsPerYear: s.periodsPerYear,
  };
}

export async function runStats(file: string, opts: StatsCliOptions, io: Io): Promise<number> {
  const periodsPerYear = periodsPerYearOf(opts.periodsPerYear);
  const returns = opts.returns === true;
  const col = await readNumericColumn(file, opts.column === undefined ? {} : { column: opts.column });
  checkDomain(file, col, returns);
  const s = returns ? performanceStats(col.values, { periodsPerYear }) : performanceStatsOfEquity(col.values, { periodsPerYear });
  const doc = statsDocument(file, col, returns, s);
  io.stdout(opts.json ? `${JSON.stringify(doc, null, 2)}\n` : renderStats(doc, s, col.inferred));
  return 0;
}

/** A ratio for the table: 2 decimals, "inf" / "-inf", "n/a" when undefined. */
const ratio = (x: number): string => (Number.isNaN(x) ? 'n/a' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : num(x, 2));
const fraction = (x: number): string => (Number.isNaN(x) ? 'n/a' : pct(x, 2));

export function renderStats(d: StatsDocument, s: PerformanceStats, inferred: boolean): string {
  const which = inferred ? `column "${d.column}" (last numeric column)` : `column "${d.column}"`;
  const title = pc.bold(`Ballast stats  ${d.file}  ${which}, ${d.input}, ${d.periods} periods, ${d.periodsPerYear} periods/year`);
  const t = new Table({ head: ['statistic', 'value', 'note'], style: { head: ['cyan'] } });
  const where =
    d.maxDrawdownTroughLine === null ? '' : `peak ${d.maxDrawdownPeakLine === null ? 'at the start' : `line ${d.maxDrawdownPeakLine}`}, trough line ${d.maxDrawdownTroughLine}`;
  t.push(
    ['max drawdown', fraction(s.maxDrawdown.value), where],
    ['longest drawdown', `${d.maxDrawdownDuration} periods`, d.maxDrawdownDurationOpen ? pc.yellow('not recovered') : ''],
    ['time under water', fraction(s.timeUnderWater), 'periods below the running peak'],
    ['CAGR', fraction(s.cagr), 'every period counted'],
    ['annual volatility', fraction(s.annualVolatility), 'sd ddof 1 x sqrt(periods/year)'],
    ['Sharpe', ratio(s.sharpe), 'risk-free 0'],
    ['Sortino', ratio(s.sortino), 'MAR 0, empyrical downside deviation'],
    ['Calmar', ratio(s.calmar), 'CAGR / |max drawdown|'],
  );
  return [title, '', t.toString(), ''].join('\n');
}
