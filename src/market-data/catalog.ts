/**
 * Registry of the bundled market history: data/market/catalog.json, imported statically (bundled with the code) and
 * validated at first use. Ids are the file names without the year range and extension
 * (binance-perp-btc-usdt-1h-2020-2024.csv.gz -> binance-perp-btc-usdt-1h). data/market/README.md is the human
 * source of truth (formats, gaps, provenance); catalog.test.ts checks the catalog against it.
 * A broken catalog is a CatalogError (a packaging bug); an unknown id is an UnknownDatasetError (invalid input).
 */
import { z } from 'zod';
import { BallastError, formatIssue, ValidationError, type FieldIssue } from '../errors/index.ts';
import { suggest, toFieldIssues } from '../model/schema.ts';
import catalogJson from '../../data/market/catalog.json' with { type: 'json' };
import { MARKET_KINDS } from './series.ts';

export const CATALOG_FILE = 'data/market/catalog.json';

const text = () => z.string().min(1);

const sourceSchema = z.strictObject({
  /** Repository the file was taken from. */
  repo: z.url({ protocol: /^https$/ }),
  /** Path of the file inside it, and the commit (abbreviated) it was read at. */
  path: text(),
  commit: z.string().regex(/^[0-9a-f]{7,40}$/, 'must be a hex commit id'),
  /** The part of the series this copy provides, when several copies were joined. */
  covers: text().optional(),
});

const entrySchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase words joined by -'),
  /** File name inside data/market/ (no directories). */
  file: z.string().regex(/^[A-Za-z0-9._-]+\.csv(?:\.gz)?$/, 'must be a .csv or .csv.gz file name without directories'),
  kind: z.enum(MARKET_KINDS),
  venue: text(),
  market: z.enum(['spot', 'perp', 'index']),
  instrument: text(),
  asset: text(),
  quote: text(),
  /** Bar (or funding / sampling) interval in ms. */
  intervalMs: z.number().int().positive(),
  /** The exchange data it is (endpoint or candle source). */
  origin: text(),
  /** Size and sha256 of the file as stored (compressed for .gz). */
  bytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  sources: z.array(sourceSchema).min(1),
  notes: z.array(text()).optional(),
});

const catalogSchema = z.strictObject({
  description: text(),
  conventions: text(),
  license: text(),
  datasets: z.array(entrySchema).min(1),
});

export type DatasetSource = z.output<typeof sourceSchema>;
export type CatalogEntry = z.output<typeof entrySchema>;

/** The bundled catalog does not validate: a packaging bug, not a user error. */
export class CatalogError extends BallastError {
  override readonly name = 'CatalogError';
  constructor(readonly issues: readonly FieldIssue[]) {
    super(`${CATALOG_FILE} is invalid:\n${issues.map(formatIssue).join('\n')}`);
  }
}

/** No bundled dataset has this id. Lists the known ids. */
export class UnknownDatasetError extends ValidationError {
  constructor(
    readonly id: string,
    readonly known: readonly string[],
  ) {
    const hint = suggest(id, known);
    super('dataset', [{ path: 'id', value: id, message: `unknown dataset${hint === undefined ? '' : ` (did you mean ${hint}?)`}` }]);
    this.message = `unknown dataset ${JSON.stringify(id)}${hint === undefined ? '' : ` (did you mean ${hint}?)`}; known datasets:\n${known.map((k) => `  ${k}`).join('\n')}`;
  }
}

let cache: readonly CatalogEntry[] | undefined;

/** Validate raw catalog data (the bundled file, or a test's): every bad field, and duplicate ids or files. */
export function parseCatalog(raw: unknown): CatalogEntry[] {
  const r = catalogSchema.safeParse(raw);
  if (!r.success) throw new CatalogError(toFieldIssues(r.error.issues, raw));
  const issues: FieldIssue[] = [];
  const seen = { id: new Set<string>(), file: new Set<string>() };
  r.data.datasets.forEach((d, i) => {
    for (const key of ['id', 'file'] as const) {
      if (seen[key].has(d[key])) issues.push({ path: `datasets[${i}].${key}`, value: d[key], message: `duplicate ${key}` });
      seen[key].add(d[key]);
    }
  });
  if (issues.length > 0) throw new CatalogError(issues);
  return r.data.datasets;
}

/** Every bundled dataset, in catalog order. Throws CatalogError when the catalog is invalid. */
export const listDatasets = (): readonly CatalogEntry[] => (cache ??= parseCatalog(catalogJson));

export const datasetIds = (): string[] => listDatasets().map((d) => d.id);

/** The catalog entry of a bundled dataset. Throws UnknownDatasetError. */
export function getDataset(id: string): CatalogEntry {
  const hit = listDatasets().find((d) => d.id === id);
  if (hit === undefined) throw new UnknownDatasetError(id, datasetIds());
  return hit;
}
