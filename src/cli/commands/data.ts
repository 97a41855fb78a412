/**
 * `ballast data`: the bundled market history (data/market/, catalog.json) or your own CSV file.
 * - `ballast data [--json]`: every dataset with rows, first and last bar, interval, gaps and source.
 * - `ballast data <id> [--gaps] [--json]`: one dataset; `--gaps` lists every gap (JSON always has the list).
 * - `ballast data --csv FILE [--kind K] [--interval 1h] [--gaps] [--json]`: your file; the kind defaults to the
 *   one its header names, the interval to the most common step (shown as inferred).
 * Times are UTC: full ISO 8601 with ms in JSON (`first`, `last`, gap `from`/`to`), minutes in tables. A gap runs
 * from the last bar before it to the first bar after it; `missingBars` counts the bars between (never filled).
 * Invalid input (unknown id, bad option, bad CSV) exits 2 through main(); unreadable files exit 1.
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import { ValidationError, type FieldIssue } from '../../errors/index.ts';
import { loadCsv, loadDataset } from '../../io/market-file.ts';
import { datasetIds, type CatalogEntry, type DatasetSource } from '../../market-data/catalog.ts';
import { summarize, type LoadedSeries } from '../../market-data/dataset.ts';
import type { Gap } from '../../market-data/gaps.ts';
import { formatInterval, isoMinute, isoUtc, parseInterval } from '../../market-data/interval.ts';
import { isMarketKind, MARKET_KINDS, type MarketKind } from '../../market-data/series.ts';
import type { Io } from '../main.ts';

export interface DataOptions {
  readonly json?: boolean;
  readonly gaps?: boolean;
  readonly csv?: string;
  readonly kind?: string;
  readonly interval?: string;
}

/** Summary of a series, as JSON prints it. */
export interface SeriesDoc {
  readonly kind: MarketKind;
  readonly interval: string;
  readonly intervalMs: number;
  readonly rows: number;
  readonly first: string;
  readonly last: string;
  readonly gaps: number;
  readonly missingBars: number;
}

export interface GapDoc {
  readonly from: string;
  readonly to: string;
  readonly missingBars: number;
}

export type DatasetDoc = SeriesDoc & {
  readonly id: string;
  readonly file: string;
  readonly venue: string;
  readonly market: CatalogEntry['market'];
  readonly instrument: string;
  readonly asset: string;
  readonly quote: string;
  readonly origin: string;
  readonly sources: readonly DatasetSource[];
};

const seriesDoc = (d: LoadedSeries): SeriesDoc => {
  const s = summarize(d);
  return {
    kind: d.series.kind,
    interval: formatInterval(d.intervalMs),
    intervalMs: d.intervalMs,
    rows: s.rows,
    first: isoUtc(s.first),
    last: isoUtc(s.last),
    gaps: s.gaps,
    missingBars: s.missingBars,
  };
};

const gapDocs = (gaps: readonly Gap[]): GapDoc[] => gaps.map((g) => ({ from: isoUtc(g.from), to: isoUtc(g.to), missingBars: g.missingBars }));

const datasetDoc = (d: LoadedSeries, e: CatalogEntry): DatasetDoc => ({
  id: e.id,
  file: e.file,
  venue: e.venue,
  market: e.market,
  instrument: e.instrument,
  asset: e.asset,
  quote: e.quote,
  ...seriesDoc(d),
  origin: e.origin,
  sources: e.sources,
});

function checkOptions(id: string | undefined, o: DataOptions): { kind?: MarketKind; intervalMs?: number } {
  const issues: FieldIssue[] = [];
  if (id !== undefined && o.csv !== undefined) issues.push({ path: '--csv', value: o.csv, message: 'give a dataset id or --csv FILE, not both' });
  if (o.csv === undefined) {
    if (o.kind !== undefined) issues.push({ path: '--kind', value: o.kind, message: 'only applies with --csv FILE' });
    if (o.interval !== undefined) issues.push({ path: '--interval', value: o.interval, message: 'only applies with --csv FILE' });
    if (o.gaps === true && id === undefined) issues.push({ path: '--gaps', value: true, message: 'needs a dataset id or --csv FILE' });
  }
  if (o.kind !== undefined && !isMarketKind(o.kind)) issues.push({ path: '--kind', value: o.kind, message: `must be one of ${MARKET_KINDS.join(', ')}` });
  const intervalMs = o.interval === undefined ? undefined : parseInterval(o.interval);
  if (o.interval !== undefined && intervalMs === undefined) issues.push({ path: '--interval', value: o.interval, message: 'expected e.g. 15m, 1h, 8h, 1d, or milliseconds' });
  if (issues.length > 0) throw new ValidationError('ballast data', issues);
  return { ...(o.kind !== undefined && isMarketKind(o.kind) ? { kind: o.kind } : {}), ...(intervalMs === undefined ? {} : { intervalMs }) };
}

export async function runData(id: string | undefined, opts: DataOptions, io: Io): Promise<number> {
  const { kind, intervalMs } = checkOptions(id, opts);
  const json = (doc: unknown): void => io.stdout(`${JSON.stringify(doc, null, 2)}\n`);

  if (opts.csv !== undefined) {
    const d = kind === undefined ? await loadCsv(opts.csv, undefined, intervalMs) : await loadCsv(opts.csv, kind, intervalMs);
    const doc = { file: opts.csv, ...seriesDoc(d), intervalInferred: d.intervalInferred, toleranceMs: d.toleranceMs, gapList: gapDocs(d.gaps) };
    if (opts.json) json(doc);
    else {
      const interval = `${doc.interval}${d.intervalInferred ? ' (inferred: the most common step; --interval to set it)' : ''}`;
      io.stdout(renderDetail(opts.csv, [['kind', doc.kind], ['interval', interval], ...seriesLines(d)], d.gaps, opts.gaps === true));
    }
    return 0;
  }

  if (id !== undefined) {
    const d = await loadDataset(id);
    const e = d.entry;
    const doc = { ...datasetDoc(d, e), toleranceMs: d.toleranceMs, bytes: e.bytes, sha256: e.sha256, notes: e.notes ?? [], gapList: gapDocs(d.gaps) };
    if (opts.json) json(doc);
    else {
      const lines: [string, string][] = [
        ['file', `data/market/${e.file}`],
        ['kind', `${e.kind}  ${e.venue} ${e.market} ${e.instrument} (${e.asset}/${e.quote})`],
        ['interval', doc.interval + (d.toleranceMs > 0 ? ` (timestamps within ${d.toleranceMs} ms)` : '')],
        ...seriesLines(d),
        ['origin', e.origin],
        ...e.sources.map((s, i): [string, string] => [i === 0 ? 'sources' : '', sourceLine(s)]),
        ...(e.notes ?? []).map((n, i): [string, string] => [i === 0 ? 'notes' : '', n]),
        ['sha256', e.sha256],
      ];
      io.stdout(renderDetail(e.id, lines, d.gaps, opts.gaps === true));
    }
    return 0;
  }

  const docs: DatasetDoc[] = [];
  for (const each of datasetIds()) {
    const d = await loadDataset(each);
    docs.push(datasetDoc(d, d.entry));
  }
  if (opts.json) json({ datasets: docs });
  else io.stdout(renderList(docs));
  return 0;
}

const shortRepo = (url: string): string => url.replace(/^https:\/\/github\.com\//, '');
const sourceLine = (s: DatasetSource): string => `${s.repo} ${s.path} @ ${s.commit}${s.covers === undefined ? '' : ` (${s.covers})`}`;
const gapCell = (gaps: number, missing: number): string => (gaps === 0 ? 'none' : `${gaps} (${missing} bar${missing === 1 ? '' : 's'})`);

function seriesLines(d: LoadedSeries): [string, string][] {
  const s = summarize(d);
  return [
    ['rows', s.rows.toLocaleString('en-US')],
    ['first', isoMinute(s.first)],
    ['last', isoMinute(s.last)],
    ['gaps', s.gaps === 0 ? 'none' : `${s.gaps} gaps / ${s.missingBars} missing bars`],
  ];
}

export function renderList(docs: readonly DatasetDoc[]): string {
  const t = new Table({ head: ['id', 'kind', 'interval', 'rows', 'first', 'last', 'gaps (missing)', 'source'], style: { head: ['cyan'] } });
  for (const d of docs) {
    t.push([d.id, d.kind, d.interval, d.rows.toLocaleString('en-US'), isoMinute(Date.parse(d.first)), isoMinute(Date.parse(d.last)), gapCell(d.gaps, d.missingBars), d.sources.map((s) => shortRepo(s.repo)).join(', ')]);
  }
  return [pc.bold(`Ballast market data  data/market/  ${docs.length} datasets (UTC, bar open times)`), '', t.toString(), ''].join('\n');
}

export function renderDetail(title: string, lines: readonly [string, string][], gaps: readonly Gap[], listGaps: boolean): string {
  const width = Math.max(...lines.map(([k]) => k.length));
  const out = [pc.bold(`Ballast market data  ${title}`), '', ...lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`), ''];
  if (listGaps && gaps.length > 0) {
    const t = new Table({ head: ['#', 'last bar before', 'first bar after', 'missing bars'], style: { head: ['cyan'] } });
    gaps.forEach((g, i) => t.push([i + 1, isoMinute(g.from), isoMinute(g.to), g.missingBars]));
    out.push(t.toString(), '');
  } else if (gaps.length > 0) out.push('(--gaps lists every gap)', '');
  return out.join('\n');
}
