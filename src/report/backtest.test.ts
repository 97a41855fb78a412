import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TopLevelSpec } from 'vega-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktestFile, type BacktestRun } from '../backtest/run.ts';
import { runBacktestCommand } from '../cli/commands/backtest.ts';
import type { Io } from '../cli/main.ts';
import { decodePng, PNG_SIGNATURE, saturatedPixels } from '../testing/png.ts';
import { chartSpecs, csvField, DECISION_COLUMNS, renderSvg, scopeIds, svgToPng, thin, TRADE_COLUMNS, writeBacktestReport } from './backtest.ts';

const example = (name: string): string => fileURLToPath(new URL(`../../examples/backtests/${name}`, import.meta.url));

function fakeIo(): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => out.push(s), stderr: (s) => err.push(s), readStdin: () => Promise.resolve('') };
}

/** Split CSV text into records (RFC 4180: quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        f += '"';
        i++;
      } else if (c === '"') q = false;
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      row.push(f);
      f = '';
    } else if (c === '\n') {
      row.push(f);
      rows.push(row);
      row = [];
      f = '';
    } else f += c;
  }
  if (f !== '' || row.length) {
    row.push(f);
    rows.push(row);
  }
  return rows;
}

/** The same chart with every data array emptied: title, axes, grid and legend only. */
const withoutData = (spec: TopLevelSpec): TopLevelSpec => JSON.parse(JSON.stringify(spec, (k, v: unknown) => (k === 'values' && Array.isArray(v) ? [] : v))) as TopLevelSpec;

const CHART_PNGS = ['equity.png', 'drawdown.png', 'exposure.png', 'health.png'];

describe('backtest report (--out DIR)', () => {
  let dir: string;
  let io: ReturnType<typeof fakeIo>;
  let runs: BacktestRun[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ballast-report-'));
    io = fakeIo();
    // the config's drawdown breaker, compared with no guard and a health guard (its own compare: list)
    expect(await runBacktestCommand(example('2020-03-12.yaml'), { json: true, out: dir, progress: false }, io)).toBe(0);
    runs = (await runBacktestFile(example('2020-03-12.yaml'))).runs;
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes every file', async () => {
    expect((await readdir(dir)).sort()).toEqual(['decisions.csv', 'drawdown.png', 'equity.png', 'exposure.png', 'health.png', 'report.html', 'result.json', 'trades.csv']);
    expect(io.err.join('')).toContain('report.html');
  });

  it('PNG charts (equity, drawdown, exposure, health): PNG signature, chart-sized IHDR, drawn series', async () => {
    const specs = chartSpecs(runs);
    expect(specs.map((c) => `${c.id}.png`)).toEqual(CHART_PNGS);
    for (const c of specs) {
      const png = await readFile(join(dir, `${c.id}.png`));
      expect([...png.subarray(0, 8)]).toEqual([...PNG_SIGNATURE]);
      expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
      const width = png.readUInt32BE(16);
      const height = png.readUInt32BE(20);
      expect(width).toBeGreaterThan(800);
      expect(width).toBeLessThan(2000);
      expect(height).toBeGreaterThan(300);
      expect(height).toBeLessThan(1200);
      const img = decodePng(png);
      expect([img.width, img.height]).toEqual([width, height]);
      // Not blank: compared with the same chart without data (title, axes, grid and legend, rendered the same way),
      // the file is much larger and holds thousands more coloured pixels (the series; axes and text are grey).
      const empty = await svgToPng(await renderSvg(withoutData(c.spec)));
      const emptyImg = decodePng(empty);
      expect(emptyImg.width).toBeGreaterThan(800); // the baseline is a real rendering, not a failed one
      expect(saturatedPixels(emptyImg)).toBeLessThan(500); // legend symbols only
      expect(png.length, c.id).toBeGreaterThan(1.5 * empty.length);
      expect(saturatedPixels(img), c.id).toBeGreaterThan(saturatedPixels(emptyImg) + 2000);
    }
  });

  it('no health.png when the report has no health chart', async () => {
    const noHealth = runs.slice(0, 1).map((r) => ({ ...r, result: { ...r.result, health: new Float64Array(r.result.health.length).fill(Infinity) } }));
    const dir2 = await mkdtemp(join(tmpdir(), 'ballast-report-'));
    try {
      await writeBacktestReport({ runs: noHealth }, dir2);
      expect((await readdir(dir2)).filter((f) => f.endsWith('.png')).sort()).toEqual(['drawdown.png', 'equity.png', 'exposure.png']);
      expect(await readFile(join(dir2, 'report.html'), 'utf8')).toContain('Files next to this report: equity.png, drawdown.png, exposure.png, trades.csv');
    } finally {
      await rm(dir2, { recursive: true, force: true });
    }
  });

  it('HTML: self-contained, inline SVG charts, the metrics and the decision log', async () => {
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect((html.match(/<svg/g) ?? []).length).toBe(4); // equity, drawdown, exposure, health
    expect(html).not.toMatch(/<script|<link|src="http/);
    for (const h of ['Equity (USD)', 'Drawdown', 'Gross exposure', 'health factor', 'Metrics', 'Decision log', 'max DD', 'Calmar', 'final equity']) expect(html).toContain(h);
    expect(html).toContain('Files next to this report: equity.png, drawdown.png, exposure.png, health.png, trades.csv, decisions.csv, result.json.');
    for (const r of runs) {
      expect(html).toContain(r.name);
      expect(html).toContain(`$${Math.round(r.metrics.finalEquity).toLocaleString('en-US')}`);
      expect(html).toContain(`(${r.result.decisions.length} decisions)`);
    }
    // ids are unique across the inline charts
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('CSV: headers and one row per fill / decision', async () => {
    const trades = parseCsv(await readFile(join(dir, 'trades.csv'), 'utf8'));
    expect(trades[0]).toEqual([...TRADE_COLUMNS]);
    expect(trades.length - 1).toBe(runs.reduce((s, r) => s + r.result.fills.length, 0));
    expect(trades.slice(1).every((r) => r.length === TRADE_COLUMNS.length)).toBe(true);
    const decisions = parseCsv(await readFile(join(dir, 'decisions.csv'), 'utf8'));
    expect(decisions[0]).toEqual([...DECISION_COLUMNS]);
    expect(decisions.length - 1).toBe(runs.reduce((s, r) => s + r.result.decisions.length, 0));
    expect(decisions.slice(1).every((r) => r.length === DECISION_COLUMNS.length)).toBe(true);
    for (const r of runs) expect(decisions.filter((d) => d[0] === r.name).length).toBe(r.result.decisions.length);
  });

  it('result.json is the --json document', async () => {
    const json = JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')) as unknown;
    expect(json).toEqual(JSON.parse(io.out.join('')));
  });

  it('no health chart when no bar has a finite health factor; thinning keeps extremes', () => {
    const noHealth = runs.map((r) => ({ ...r, result: { ...r.result, health: new Float64Array(r.result.health.length).fill(Infinity) } }));
    expect(chartSpecs(noHealth).map((c) => c.id)).toEqual(['equity', 'drawdown', 'exposure']);
    const ys = Array.from({ length: 10_000 }, (_, i) => Math.sin(i / 50) + (i === 4321 ? -5 : 0));
    const kept = thin(ys.map((_, i) => i), ys, 200);
    expect(kept.length).toBeLessThanOrEqual(202);
    expect(kept).toContain(4321);
    expect(kept[0]).toBe(0);
    expect(kept[kept.length - 1]).toBe(9999);
  });

  it('csvField quotes and scopeIds prefixes', () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField(NaN)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(scopeIds('<clipPath id="clip1"></clipPath><g clip-path="url(#clip1)"></g>', 'eq')).toBe('<clipPath id="eq-clip1"></clipPath><g clip-path="url(#eq-clip1)"></g>');
  });
});
