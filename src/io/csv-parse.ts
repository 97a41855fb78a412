/**
 * The CSV tokenizer and number grammar, pure (no I/O): the text of a CSV in, lines, fields, records and one numeric
 * column out. See ./csv.ts for the dialects and the rules; ./csv.ts reads files and re-exports this module, and the
 * pure core (market-data/parse.ts) imports this one directly.
 */
import { ValidationError, type FieldIssue } from '../errors/index.ts';

export interface NumericColumn {
  /** Header name of the column read. */
  readonly column: string;
  /** True when the column was picked as the last numeric one (no name given). */
  readonly inferred: boolean;
  /** One value per data line, in file order. */
  readonly values: Float64Array;
  /** 1-based file line number of each value. */
  readonly lines: readonly number[];
}

/** Issues stop being listed after this many bad cells. */
const MAX_ISSUES = 10;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** True when the text, exactly as written (no spaces), is a plain decimal or scientific number; it may overflow to Infinity. */
export const isDecimal = (s: string): boolean => DECIMAL.test(s);

/** The cell (spaces around it dropped) as a number, or undefined when it is not a plain finite decimal. */
export const parseNumber = (cell: string): number | undefined => {
  const t = cell.trim();
  if (!isDecimal(t)) return undefined;
  const x = Number(t);
  return Number.isFinite(x) ? x : undefined;
};

/**
 * Split one line of the 'quoted' dialect into fields; quoted fields may hold commas and "" escapes, spaces around a
 * field are dropped. Returns undefined on an unclosed quote.
 */
export function splitCsvLine(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return undefined;
        field += line.slice(i, q);
        i = q + 1;
        if (line[i] !== '"') break;
        field += '"';
        i++;
      }
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      field += line.slice(i, end).trim();
      i = end;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      field = line.slice(i, end).trim();
      i = end;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // skip the comma
  }
}

export type CsvDialect = 'quoted' | 'plain';

/**
 * The lines of CSV text, as written: a leading BOM dropped, split at LF, the CR of a CRLF dropped, empty lines at the
 * end dropped. Line n of the text is lines[n - 1].
 */
export function csvLines(text: string): string[] {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The first line of CSV text as csvLines gives it ('' for empty text), without splitting the rest. */
export const firstCsvLine = (text: string): string => {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const nl = text.indexOf('\n', start);
  const end = nl < 0 ? text.length : nl;
  return text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
};

/** The fields of one line in `dialect`; undefined on an unclosed quote ('quoted' only). */
export function csvFields(line: string, dialect: 'plain'): string[];
export function csvFields(line: string, dialect: CsvDialect): string[] | undefined;
export function csvFields(line: string, dialect: CsvDialect): string[] | undefined {
  return dialect === 'plain' ? line.split(',') : splitCsvLine(line);
}

/** One record of CSV text. */
export interface CsvRecord {
  /** 1-based line number in the text. */
  readonly line: number;
  /** The line as written, without its line end (and without the BOM on line 1). */
  readonly text: string;
  readonly fields: readonly string[];
}

/**
 * The records of CSV text in `dialect` (see the top of this file), the header line included: csvLines, blank ones
 * skipped in the 'quoted' dialect, each split by csvFields. `source` names the text in errors (the file path).
 * Throws ValidationError on an unclosed double quote. (Large files: csvLines and csvFields line by line.)
 */
export function csvRecords(text: string, source: string, dialect: CsvDialect): CsvRecord[] {
  const out: CsvRecord[] = [];
  csvLines(text).forEach((raw, i) => {
    if (dialect === 'quoted' && raw.trim() === '') return;
    const fields = csvFields(raw, dialect);
    if (fields === undefined) throw new ValidationError(source, [{ path: `line ${i + 1}`, value: raw, message: 'unclosed double quote' }]);
    out.push({ line: i + 1, text: raw, fields });
  });
  return out;
}

/**
 * The values of one numeric column of CSV text ('quoted' dialect). `source` names the text in errors (the file path).
 * Throws ValidationError: no header / no data, an unknown or ambiguous column name, no numeric column, bad cells.
 */
export function parseNumericColumn(text: string, source: string, opts: { column?: string } = {}): NumericColumn {
  const [header, ...rows] = csvRecords(text, source, 'quoted');
  if (header === undefined) throw new ValidationError(source, [{ path: 'line 1', value: undefined, message: 'empty file: expected a header line' }]);
  const names = header.fields;
  if (names.every((h) => parseNumber(h) !== undefined)) {
    throw new ValidationError(source, [
      { path: `line ${header.line}`, value: names.join(','), message: 'expected a header line naming the columns, got numbers' },
    ]);
  }

  if (rows.length === 0) throw new ValidationError(source, [{ path: `line ${header.line + 1}`, value: undefined, message: 'no data lines after the header' }]);
  const col = pickColumn(source, names, rows, header.line, opts.column);
  const values = new Float64Array(rows.length);
  const lines: number[] = [];
  const issues: FieldIssue[] = [];
  let bad = 0;
  const name = names[col]!;
  rows.forEach((row, i) => {
    const cell = row.fields[col];
    const x = cell === undefined ? undefined : parseNumber(cell);
    lines.push(row.line);
    if (x !== undefined) {
      values[i] = x;
      return;
    }
    if (++bad <= MAX_ISSUES) {
      issues.push({
        path: `line ${row.line}, column "${name}"`,
        value: cell,
        message: cell === undefined ? `the line has only ${row.fields.length} of ${names.length} fields` : cell === '' ? 'empty cell' : 'not a number',
      });
    }
  });
  if (bad > MAX_ISSUES) issues.push({ path: `column "${name}"`, value: `${bad} bad cells`, message: `only the first ${MAX_ISSUES} are listed` });
  if (issues.length > 0) throw new ValidationError(source, issues);
  return { column: name, inferred: opts.column === undefined, values, lines };
}

function pickColumn(source: string, names: readonly string[], rows: readonly CsvRecord[], headerLine: number, wanted: string | undefined): number {
  const list = names.map((n) => JSON.stringify(n)).join(', ');
  if (wanted !== undefined) {
    const hits = names.flatMap((n, i) => (n === wanted.trim() ? [i] : []));
    if (hits.length === 1) return hits[0]!;
    throw new ValidationError(source, [
      {
        path: 'column',
        value: wanted,
        message: hits.length === 0 ? `no such column in the header (line ${headerLine}): ${list}` : `${hits.length} columns have this name (line ${headerLine})`,
      },
    ]);
  }
  for (let c = names.length - 1; c >= 0; c--) {
    let numeric = 0;
    let filled = 0;
    for (const r of rows) {
      const cell = r.fields[c];
      if (cell === undefined || cell === '') continue;
      filled++;
      if (parseNumber(cell) !== undefined) numeric++;
    }
    if (filled > 0 && numeric * 2 > filled) return c;
  }
  throw new ValidationError(source, [{ path: 'column', value: undefined, message: `no column of ${list} holds mostly numbers; name the column to read` }]);
}
