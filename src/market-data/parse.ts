/**
 * Market history CSV text -> typed columns: the market schema on top of the one CSV reader. Pure: no I/O
 * (src/io/market-file.ts reads files).
 *
 * Format: io/csv.ts's 'plain' dialect (UTF-8, an optional BOM dropped, LF or CRLF lines, trailing empty lines
 * ignored), a header row naming exactly the kind's columns in order (series.ts COLUMNS), then one row per bar with
 * plain numbers (io/csv.ts isDecimal): no quoting, no spaces, no empty fields. An empty line inside the data is an error.
 * Each row is checked: an integer epoch-ms timestamp (series.ts MIN/MAX_TIMESTAMP_MS) strictly after the previous
 * row's, values per VALUE_RULES, and for OHLCV high >= max(open, close) and low <= min(open, close). Given an
 * interval, the step from the previous row must be a whole number of intervals within the tolerance (more than one
 * is a gap: reported by gaps.ts, never filled). Every bad value is an issue naming the line (1-based, the header is
 * line 1), the column and the value as written; the first MAX_REPORTED_ISSUES are listed, with the total count.
 */
import { ValidationError, type FieldIssue } from '../errors/index.ts';
import { csvFields, csvLines, firstCsvLine, isDecimal } from '../io/csv-parse.ts';
import { spacingProblem } from './gaps.ts';
import { isoUtc } from './interval.ts';
import {
  COLUMNS,
  MARKET_KINDS,
  MAX_TIMESTAMP_MS,
  MIN_TIMESTAMP_MS,
  VALUE_RULES,
  type MarketKind,
  type SeriesOf,
  type ValueColumn,
} from './series.ts';

export const MAX_REPORTED_ISSUES = 20;

/** A market data file does not validate. `issues` holds the first MAX_REPORTED_ISSUES; `total` counts them all. */
export class MarketDataError extends ValidationError {
  constructor(
    source: string,
    issues: readonly FieldIssue[],
    readonly total: number,
  ) {
    super(source, issues);
    const more = total - issues.length;
    const head = `${source}: ${total} invalid value${total === 1 ? '' : 's'}${more > 0 ? ` (first ${issues.length} shown)` : ''}`;
    this.message = [head, ...this.message.split('\n').slice(1), ...(more > 0 ? [`  ... and ${more} more`] : [])].join('\n');
  }
}

/** Collects issues, keeping the first MAX_REPORTED_ISSUES and counting the rest. */
class IssueSink {
  readonly list: FieldIssue[] = [];
  total = 0;
  constructor(readonly source: string) {}

  add(line: number, column: { index: number; name: string } | undefined, value: unknown, message: string): void {
    this.total++;
    if (this.list.length >= MAX_REPORTED_ISSUES) return;
    const where = column === undefined ? `line ${line}` : `line ${line}, column ${column.index + 1} (${column.name})`;
    this.list.push({ path: where, value, message });
  }

  throwIfAny(): void {
    if (this.total > 0) throw new MarketDataError(this.source, this.list, this.total);
  }
}

/** The kind whose header this is (`timestamp,funding_rate` -> funding; BOM, line end and later lines ignored), or undefined. */
export const kindFromHeader = (header: string): MarketKind | undefined => {
  const h = firstCsvLine(header);
  return MARKET_KINDS.find((k) => COLUMNS[k].join(',') === h);
};

const INTEGER = /^\d+$/;

const timestampProblem = (s: string): string | undefined => {
  if (!INTEGER.test(s)) return 'not an integer timestamp (epoch milliseconds, UTC)';
  const v = Number(s);
  if (v < MIN_TIMESTAMP_MS) return `before ${isoUtc(MIN_TIMESTAMP_MS).slice(0, 10)}: timestamps are epoch milliseconds (is this seconds?)`;
  if (v >= MAX_TIMESTAMP_MS) return `after ${isoUtc(MAX_TIMESTAMP_MS).slice(0, 10)}: timestamps are epoch milliseconds`;
  return undefined;
};

const valueProblem = (s: string, v: number, column: ValueColumn): string | undefined => {
  if (!isDecimal(s)) return s === '' ? 'empty field' : 'not a number';
  if (!Number.isFinite(v)) return 'not finite';
  const rule = VALUE_RULES[column];
  if (rule === 'positive' && !(v > 0)) return 'must be > 0';
  if (rule === 'non-negative' && !(v >= 0)) return 'must be >= 0';
  return undefined;
};

export interface ParseOptions {
  /** Names the file in issues. */
  readonly source: string;
  /** When given, each step between rows must be a whole number of intervals (within toleranceMs). */
  readonly intervalMs?: number | undefined;
  readonly toleranceMs?: number | undefined;
}

/** Parse and validate a market CSV of `kind`. Throws MarketDataError listing the bad values. */
export function parseMarketCsv<K extends MarketKind>(text: string, kind: K, options: ParseOptions): SeriesOf<K> {
  const { source, intervalMs, toleranceMs = 0 } = options;
  const issues = new IssueSink(source);
  const names: readonly string[] = COLUMNS[kind];
  const lines = csvLines(text); // the header, then one row a line

  const header = lines[0] ?? '';
  if (header !== names.join(',')) {
    const other = kindFromHeader(header);
    const hint = other === undefined ? '' : `; that is the header of kind ${other}`;
    issues.add(1, undefined, header, `expected the ${kind} header "${names.join(',')}"${hint}`);
    issues.throwIfAny();
  }
  const rows = Math.max(0, lines.length - 1);
  if (rows === 0) issues.add(2, undefined, undefined, 'no data rows after the header');
  issues.throwIfAny();

  const cols = names.map(() => new Float64Array(rows));
  const ts = cols[0] as Float64Array;
  const [iHigh, iLow] = [names.indexOf('high'), names.indexOf('low')];
  const col = (name: string): Float64Array => cols[names.indexOf(name)] as Float64Array;
  const ohlc = kind === 'ohlcv' ? { open: col('open'), high: col('high'), low: col('low'), close: col('close') } : undefined;
  let prevTs: number | undefined;
  let prevLine = 0;

  for (let r = 0; r < rows; r++) {
    const line = r + 2;
    const raw = lines[r + 1] as string;
    for (const c of cols) c[r] = Number.NaN;
    if (raw === '') {
      issues.add(line, undefined, raw, 'empty line');
      continue;
    }
    const fields = csvFields(raw, 'plain');
    if (fields.length !== names.length) {
      issues.add(line, undefined, raw, `expected ${names.length} fields (${names.join(',')}), got ${fields.length}`);
      continue;
    }
    const tsText = fields[0] as string;
    const tsIssue = timestampProblem(tsText);
    if (tsIssue !== undefined) issues.add(line, { index: 0, name: 'timestamp' }, tsText, tsIssue);
    else {
      const t = Number(tsText);
      ts[r] = t;
      if (prevTs !== undefined && t <= prevTs) {
        issues.add(line, { index: 0, name: 'timestamp' }, tsText, `not after ${isoUtc(prevTs)} (line ${prevLine}): timestamps must strictly increase`);
      } else {
        const gapIssue = prevTs !== undefined && intervalMs !== undefined ? spacingProblem(t - prevTs, intervalMs, toleranceMs) : undefined;
        if (gapIssue !== undefined) issues.add(line, { index: 0, name: 'timestamp' }, tsText, gapIssue);
        prevTs = t;
        prevLine = line;
      }
    }
    let rowOk = true;
    for (let c = 1; c < names.length; c++) {
      const s = fields[c] as string;
      const v = Number(s);
      const problem = valueProblem(s, v, names[c] as ValueColumn);
      if (problem === undefined) (cols[c] as Float64Array)[r] = v;
      else {
        rowOk = false;
        issues.add(line, { index: c, name: names[c] as string }, s, problem);
      }
    }
    if (ohlc !== undefined && rowOk) {
      const [o, h, l, cl] = [ohlc.open[r]!, ohlc.high[r]!, ohlc.low[r]!, ohlc.close[r]!];
      if (h < Math.max(o, cl)) issues.add(line, { index: iHigh, name: 'high' }, fields[iHigh], `below max(open, close) = ${Math.max(o, cl)}`);
      if (l > Math.min(o, cl)) issues.add(line, { index: iLow, name: 'low' }, fields[iLow], `above min(open, close) = ${Math.min(o, cl)}`);
    }
  }
  issues.throwIfAny();

  const series: Record<string, unknown> = { kind, length: rows };
  names.forEach((n, i) => (series[n] = cols[i]));
  return series as SeriesOf<K>;
}

/**
 * Check every step of a parsed (valid) series against an interval, as parseMarketCsv does when given one; used when
 * the interval is only known after parsing (inferred). Row i is on line i + 2. Throws MarketDataError.
 */
export function checkSpacing(ts: ArrayLike<number>, intervalMs: number, toleranceMs: number, source: string): void {
  const issues = new IssueSink(source);
  for (let i = 1; i < ts.length; i++) {
    const t = ts[i] as number;
    const problem = spacingProblem(t - (ts[i - 1] as number), intervalMs, toleranceMs);
    if (problem !== undefined) issues.add(i + 2, { index: 0, name: 'timestamp' }, String(t), problem);
  }
  issues.throwIfAny();
}
