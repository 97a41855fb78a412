/**
 * Reading market history files: the only place market data touches the file system. Parsing is pure
 * (market-data/parse.ts). A file is gzip when it starts with the gzip magic bytes (1f 8b), whatever its name; a
 * `.gz` name without them is an error. Text must be UTF-8.
 * - loadDataset(id): a bundled dataset (data/market/catalog.json); its sha256 is checked against the catalog, and
 *   its kind and interval come from the catalog.
 * - loadCsv(path, kind?, intervalMs?): your own file. Without a kind, the header decides it; without an interval, it
 *   is inferred and flagged `intervalInferred` (market-data/load.ts).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { BallastError } from '../errors/index.ts';
import { decodeUtf8, readBytes } from './read.ts';
import { getDataset, type CatalogEntry } from '../market-data/catalog.ts';
import type { LoadedDataset, LoadedSeries } from '../market-data/dataset.ts';
import { loadSeriesText } from '../market-data/load.ts';
import { kindFromHeader, MarketDataError } from '../market-data/parse.ts';
import { COLUMNS, MARKET_KINDS, type BaseSeries, type MarketKind, type MarketSeries, type SeriesOf } from '../market-data/series.ts';
import { firstCsvLine } from './csv.ts';

/** Absolute path of the bundled data folder (data/market/). */
export const MARKET_DIR = fileURLToPath(new URL('../../data/market/', import.meta.url));

export type MarketFileErrorReason = 'not-found' | 'unreadable' | 'corrupt';

/** The file could not be read (missing, a directory, no permission, bad gzip, not UTF-8, checksum mismatch). */
export class MarketFileError extends BallastError {
  override readonly name = 'MarketFileError';
  constructor(
    readonly path: string,
    readonly reason: MarketFileErrorReason,
    detail: string,
  ) {
    super(`cannot read market data file ${path}: ${detail}`);
  }
}

/** A market file's bytes; failures name it as `shownAs` (a bundled dataset: its id and file). */
const readMarketBytes = (path: string, shownAs: string): Promise<Buffer> =>
  readBytes(path, (reason, detail) => {
    throw new MarketFileError(shownAs, reason, detail);
  });

const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** File bytes -> text: gunzip when gzip (by magic bytes), then strict UTF-8. Throws MarketFileError. */
export function decodeMarketBytes(bytes: Uint8Array, path: string): string {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes);
    } catch (e) {
      throw new MarketFileError(path, 'unreadable', `bad gzip data (${e instanceof Error ? e.message : String(e)})`);
    }
  } else if (path.toLowerCase().endsWith('.gz')) {
    throw new MarketFileError(path, 'unreadable', 'named .gz but not gzip data');
  }
  return decodeUtf8(raw, (reason, detail) => {
    throw new MarketFileError(path, reason, detail);
  });
}

/** The text of a market file, plain or gzip. Throws MarketFileError. */
export const readMarketText = async (path: string): Promise<string> => decodeMarketBytes(await readMarketBytes(path, path), path);

/**
 * Load your own CSV (header and rules in market-data/parse.ts, grid in market-data/load.ts). Without a kind, the
 * header decides it. Throws MarketFileError (I/O) or ValidationError / MarketDataError (every bad value, with line,
 * column and value).
 */
export async function loadCsv<K extends MarketKind>(path: string, kind: K, intervalMs?: number): Promise<LoadedSeries<SeriesOf<K>>>;
export async function loadCsv(path: string, kind?: undefined, intervalMs?: number): Promise<LoadedSeries>;
export async function loadCsv(path: string, kind?: MarketKind, intervalMs?: number): Promise<LoadedSeries<BaseSeries>> {
  const text = await readMarketText(path);
  const header = firstCsvLine(text);
  const k = kind ?? kindFromHeader(header);
  if (k === undefined) {
    const known = MARKET_KINDS.map((m) => `${m} (${COLUMNS[m].join(',')})`).join(', ');
    throw new MarketDataError(path, [{ path: 'line 1', value: header, message: `not the header of a known kind: ${known}` }], 1);
  }
  return loadSeriesText(text, path, k, intervalMs);
}

/** Throws MarketFileError ('corrupt') unless the bytes hash to `sha256` (lowercase hex). */
export function verifyChecksum(bytes: Uint8Array, sha256: string, source: string): void {
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) throw new MarketFileError(source, 'corrupt', `sha256 ${actual} differs from the catalog's ${sha256} (a damaged copy)`);
}

/** Path of a bundled dataset's file, as shown in messages. */
export const datasetSource = (entry: CatalogEntry): string => `data/market/${entry.file}`;

/**
 * Load a bundled dataset by id. Throws UnknownDatasetError (lists the known ids), MarketFileError (missing file, or
 * its sha256 differs from the catalog's: a damaged copy) or MarketDataError.
 */
export async function loadDataset(id: string): Promise<LoadedDataset> {
  const entry = getDataset(id);
  const source = datasetSource(entry);
  const bytes = await readMarketBytes(join(MARKET_DIR, entry.file), source);
  verifyChecksum(bytes, entry.sha256, source);
  const loaded = loadSeriesText(decodeMarketBytes(bytes, source), source, entry.kind, entry.intervalMs);
  return { ...loaded, series: loaded.series as MarketSeries, entry };
}
