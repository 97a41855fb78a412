import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.ts';
import raw from '../../data/market/catalog.json' with { type: 'json' };
import { CatalogError, datasetIds, getDataset, listDatasets, parseCatalog, UnknownDatasetError } from './catalog.ts';
import { parseReadmeFiles } from './readme-oracle.ts';

const dir = fileURLToPath(new URL('../../data/market/', import.meta.url));
const readme = parseReadmeFiles(readFileSync(`${dir}README.md`, 'utf8'));
const H = 3_600_000;

describe('the bundled catalog', () => {
  it('validates and lists the 20 datasets of the README, one per data file', () => {
    expect(readme).toHaveLength(20);
    const files = readdirSync(dir).filter((f) => /\.csv(\.gz)?$/.test(f)).sort();
    expect(listDatasets().map((d) => d.file).sort()).toEqual(files);
    expect(readme.map((r) => r.file).sort()).toEqual(files);
  });

  it('ids are the file names without the year range and extension', () => {
    for (const d of listDatasets()) expect(`${d.id}-`).toBe(d.file.replace(/\d{4}-\d{4}\.csv(\.gz)?$/, ''));
    expect(datasetIds()).toContain('binance-perp-btc-usdt-1h');
    expect(datasetIds()).toContain('deribit-btc-perpetual-funding-1h');
  });

  it.each(readme.map((r) => [r.file, r] as const))('%s: size, sha256 and sources as in the README', (_, r) => {
    const d = listDatasets().find((x) => x.file === r.file);
    expect(d).toBeDefined();
    expect(d?.bytes).toBe(r.bytes);
    expect(d?.sha256).toBe(r.sha256);
    expect(d?.sources).toEqual(r.sources);
  });

  it('kind and interval follow the file name and the README column formats', () => {
    for (const d of listDatasets()) {
      const kind = d.id.startsWith('deribit-btc-perpetual-funding') ? 'deribit-funding' : d.id.includes('-funding-') ? 'funding' : d.id.includes('-dvol-') ? 'dvol' : 'ohlcv';
      expect(d.kind, d.id).toBe(kind);
      const interval = { '1h': H, '8h': 8 * H, '1d': 24 * H }[d.id.slice(d.id.lastIndexOf('-') + 1)];
      expect(d.intervalMs, d.id).toBe(interval);
    }
  });
});

describe('lookups', () => {
  it('getDataset returns the entry; an unknown id is invalid input listing every known id', () => {
    expect(getDataset('btc-usd-1d').file).toBe('btc-usd-1d-2011-2025.csv');
    let err: unknown;
    try {
      getDataset('binance-perp-btc-usdt-4h');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownDatasetError);
    expect(err).toBeInstanceOf(ValidationError);
    const msg = (err as Error).message;
    expect(msg).toContain('unknown dataset "binance-perp-btc-usdt-4h" (did you mean binance-perp-btc-usdt-1h?)');
    for (const id of datasetIds()) expect(msg).toContain(`\n  ${id}`);
  });
});

describe('parseCatalog', () => {
  const entry = raw.datasets[0] as Record<string, unknown>;
  const withDatasets = (datasets: unknown[]): unknown => ({ ...raw, datasets });
  const issues = (v: unknown): string[] => {
    try {
      parseCatalog(v);
    } catch (e) {
      if (e instanceof CatalogError) return e.issues.map((i) => `${i.path}: ${i.message}`);
      throw e;
    }
    throw new Error('expected a CatalogError');
  };

  it('rejects duplicate ids and files', () => {
    expect(issues(withDatasets([entry, entry]))).toEqual(['datasets[1].id: duplicate id', 'datasets[1].file: duplicate file']);
  });

  it('rejects paths outside data/market, bad kinds, hashes and unknown fields, naming each', () => {
    const bad = { ...entry, file: '../secret.csv', kind: 'trades', sha256: 'xyz', extra: 1 };
    const found = issues(withDatasets([bad]));
    expect(found.some((s) => s.startsWith('datasets[0].file:'))).toBe(true);
    expect(found.some((s) => s.startsWith('datasets[0].kind:'))).toBe(true);
    expect(found.some((s) => s.startsWith('datasets[0].sha256:'))).toBe(true);
    expect(found.some((s) => s.includes('extra'))).toBe(true);
  });
});
