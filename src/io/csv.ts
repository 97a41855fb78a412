/**
 * Reading one numeric column of a simple CSV file (a small hand parser, no dependency).
 *
 * Accepted: comma separator; a header line (the first non-blank line) naming the columns; LF or CRLF line ends; a
 * UTF-8 BOM; blank lines anywhere (skipped); fields in double quotes with "" for a quote (no line break inside a
 * field). Numbers are plain decimals or scientific notation ("-0.012", "1e-3", "61234.5"); anything else in the chosen
 * column, including an empty cell, "NaN", "inf" or "1,000", is an error naming the line, the column and the cell.
 * Without a named column the LAST NUMERIC column is used: the last one whose non-empty cells are mostly (> half)
 * numbers, so that a few bad cells are reported rather than silently switching columns.
 * Files ending in .gz are gunzipped.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { BallastError, ValidationError, type FieldIssue } from '../errors/index.ts';

/** The file could not be read (missing, a directory, no permission, not UTF-8, bad gzip). */
export class CsvFileError extends BallastError {
  override readonly name = 'CsvFileError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`cannot read CSV file ${path}: ${detail}`);
  }
}

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
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The cell as a number, or undefined when it is not a plain finite decimal. */
export const parseNumber = (cell: string): number | undefined => {
  const t = cell.trim();
  if (!NUMBER.test(t)) return undefined;
  const x = Number(t);
  return Number.isFinite(x) ? x : undefined;
};

/** Split one line into fields; quoted fields may hold commas and "" escapes. Returns undefined on an unclosed quote. */
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

interface Row {
  readonly line: number;
  readonly cells: readonly string[];
}

const syntaxError = (source: string, line: number, text: string): ValidationError =>
  new ValidationError(source, [{ path: `line ${line}`, value: text, message: 'unclosed double quote' }]);

/**
 * The values of one numeric column of CSV text. `source` names the text in errors (the file path).
 * Throws ValidationError: no header / no data, an unknown or ambiguous column name, no numeric column, bad cells.
 */
export function parseNumericColumn(text: string, source: string, opts: { column?: string } = {}): NumericColumn {
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let header: Row | undefined;
  const rows: Row[] = [];
  physical.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const cells = splitCsvLine(raw);
    if (cells === undefined) throw syntaxError(source, i + 1, raw);
    if (header === undefined) header = { line: i + 1, cells };
    else rows.push({ line: i + 1, cells });
  });
  if (header === undefined) throw new ValidationError(source, [{ path: 'line 1', value: undefined, message: 'empty file: expected a header line' }]);
  const names = header.cells;
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
    const cell = row.cells[col];
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
        message: cell === undefined ? `the line has only ${row.cells.length} of ${names.length} fields` : cell === '' ? 'empty cell' : 'not a number',
      });
    }
  });
  if (bad > MAX_ISSUES) issues.push({ path: `column "${name}"`, value: `${bad} bad cells`, message: `only the first ${MAX_ISSUES} are listed` });
  if (issues.length > 0) throw new ValidationError(source, issues);
  return { column: name, inferred: opts.column === undefined, values, lines };
}

function pickColumn(source: string, names: readonly string[], rows: readonly Row[], headerLine: number, wanted: string | undefined): number {
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
      const cell = r.cells[c];
      if (cell === undefined || cell === '') continue;
      filled++;
      if (parseNumber(cell) !== undefined) numeric++;
    }
    if (filled > 0 && numeric * 2 > filled) return c;
  }
  throw new ValidationError(source, [{ path: 'column', value: undefined, message: `no column of ${list} holds mostly numbers; name the column to read` }]);
}

const errno = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

/** Read a CSV file (gunzipped when the name ends in .gz) and return one numeric column. Throws CsvFileError or ValidationError. */
export async function readNumericColumn(path: string, opts: { column?: string } = {}): Promise<NumericColumn> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = errno(e);
    throw new CsvFileError(
      path,
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : e instanceof Error ? e.message : String(e),
    );
  }
  if (path.toLowerCase().endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new CsvFileError(path, 'not valid gzip data');
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CsvFileError(path, 'not UTF-8 text');
  }
  return parseNumericColumn(text, path, opts);
}
