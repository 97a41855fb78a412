/**
 * The one CSV reader: the tokenizer every CSV file Ballast reads goes through (csvLines -> csvFields, or csvRecords
 * for both at once), the number grammar (isDecimal, parseNumber), and one numeric column of a file. The market
 * files add their schema on top (market-data/parse.ts). The pure part (everything but readNumericColumn and
 * CsvFileError) lives in ./csv-parse.ts, re-exported here; the pure core imports that module, never this one.
 *
 * Both dialects: comma separator; UTF-8 (a leading BOM is dropped); LF or CRLF line ends; no line break inside a
 * field; empty lines at the end dropped; line numbers are the 1-based lines of the file.
 * - 'quoted' (files you export or write by hand): fields in double quotes with "" for a quote; spaces and tabs around
 *   a field dropped; blank lines anywhere skipped. An unclosed quote is an error naming the line.
 * - 'plain' (machine-written files: the bundled market data): a field is exactly the text between two commas (a
 *   quote or a space stays in the field, for the caller to reject); an empty line inside is a record of its own
 *   (text '', one empty field) for the caller to report.
 *
 * Numbers are plain decimals or scientific notation ("-0.012", "1e-3", "61234.5"): `isDecimal` is the one grammar.
 *
 * `parseNumericColumn` / `readNumericColumn`: one numeric column of a 'quoted' CSV. A header line (the first
 * non-blank line) names the columns; anything else in the chosen column, including an empty cell, "NaN", "inf" or
 * "1,000", is an error naming the line, the column and the cell. Without a named column the LAST NUMERIC column is
 * used: the last one whose non-empty cells are mostly (> half) numbers, so that a few bad cells are reported rather
 * than silently switching columns. Files ending in .gz are gunzipped.
 */
import { gunzipSync } from 'node:zlib';
import { BallastError } from '../errors/index.ts';
import { parseNumericColumn, type NumericColumn } from './csv-parse.ts';
import { decodeUtf8, readBytes, type Fail } from './read.ts';

export * from './csv-parse.ts';

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

/** Read a CSV file (gunzipped when the name ends in .gz) and return one numeric column. Throws CsvFileError or ValidationError. */
export async function readNumericColumn(path: string, opts: { column?: string } = {}): Promise<NumericColumn> {
  const fail: Fail = (_reason, detail) => {
    throw new CsvFileError(path, detail);
  };
  let bytes = await readBytes(path, fail);
  if (path.toLowerCase().endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new CsvFileError(path, 'not valid gzip data');
    }
  }
  return parseNumericColumn(decodeUtf8(bytes, fail), path, opts);
}
