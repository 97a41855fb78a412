/**
 * Backtest report files (issue 5, `ballast backtest --out DIR`):
 * - report.html: self-contained (inline SVG charts, inline CSS, no scripts): equity (one line per policy set,
 *   liquidations marked), drawdown, gross exposure, lowest health factor (only when some bar has a finite one),
 *   the metrics table, the liquidations and the decision log;
 * - equity.png, drawdown.png, exposure.png and health.png (when the HTML has a health chart): the same charts
 *   rasterised from the same SVG (white background, system fonts) for terminals and issues;
 * - trades.csv (the book's fills, liquidation fills and option expiries included), decisions.csv (the decision log);
 * - result.json: the same document as `--json`.
 *
 * Charts are vega-lite specs compiled to vega, rendered headless (`renderer: 'none'`) with `view.toSVG()`, and
 * rasterised by resvg. vega, vega-lite and resvg load lazily here so other commands do not pay for them.
 * Long series are thinned for the charts only (min and max of each bucket kept, so drawdown troughs stay);
 * CSV and JSON hold every row.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { BacktestRun } from '../backtest/run.ts';

export interface BacktestReportInput {
  /** The config file (title). */
  readonly config?: string;
  /** Named window or "from to to". */
  readonly window?: string;
  readonly assets?: readonly string[];
  readonly sources?: Readonly<Record<string, string>>;
  readonly runs: readonly BacktestRun[];
}

/** Points per series in a chart (min/max of buckets beyond this). */
const MAX_POINTS = 2000;
/** Decision rows per run in the HTML (decisions.csv has all of them). */
const MAX_HTML_DECISIONS = 1000;

const iso = (t: number): string => new Date(t).toISOString();
/** JSON.stringify replacer: non-finite numbers (an Infinity health factor, say) as null. */
export const jsonNumber = (_k: string, v: unknown): unknown => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

/** Equity time of index k: the first open, then each bar's close. */
function equityTime(r: BacktestRun, k: number): number {
  const { times, intervalMs } = r.result;
  return k === 0 ? times[0]! : times[k - 1]! + intervalMs;
}

/** The `--json` document of `ballast backtest`. */
export function backtestDocument(input: BacktestReportInput): unknown {
  return {
    config: input.config,
    window: input.window,
    assets: input.assets,
    sources: input.sources,
    runs: input.runs.map((r) => ({
      name: r.name,
      metrics: r.metrics,
      equityCurve: Array.from(r.result.equity, (e, k) => ({ time: iso(equityTime(r, k)), equity: e })),
      decisions: r.result.decisions.map((d) => ({ ...d, time: iso(d.time) })),
      trades: r.result.fills.map((f) => ({ ...f, time: iso(f.time) })),
      liquidations: r.result.liquidations.map((l) => ({ ...l, time: iso(l.time) })),
      rejected: r.rejected.map((x) => ({ time: iso(x.time), reason: x.reason, order: x.order })),
    })),
  };
}

// ---------------------------------------------------------------- series

interface Point {
  readonly t: number;
  readonly y: number | null;
  readonly run: string;
}

/** Thin a series to about MAX_POINTS: keep the first, the last, and the min and max of each bucket in time order. */
export function thin(ts: readonly number[], ys: readonly (number | null)[], max = MAX_POINTS): number[] {
  const n = ts.length;
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor(max / 2));
  const size = n / buckets;
  const keep = new Set<number>([0, n - 1]);
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor(b * size);
    const hi = Math.min(n, Math.floor((b + 1) * size));
    let iMin = -1;
    let iMax = -1;
    for (let i = lo; i < hi; i++) {
      const y = ys[i];
      if (y === null || y === undefined) {
        keep.add(i); // keep gaps visible
        continue;
      }
      if (iMin < 0 || y < ys[iMin]!) iMin = i;
      if (iMax < 0 || y > ys[iMax]!) iMax = i;
    }
    if (iMin >= 0) keep.add(iMin);
    if (iMax >= 0) keep.add(iMax);
  }
  return [...keep].sort((a, b) => a - b);
}

function series(run: string, ts: readonly number[], ys: readonly (number | null)[]): Point[] {
  return thin(ts, ys).map((i) => ({ t: ts[i]!, y: ys[i]!, run }));
}

function equitySeries(r: BacktestRun): { ts: number[]; ys: number[] } {
  const ts = Array.from(r.result.equity, (_e, k) => equityTime(r, k));
  return { ts, ys: Array.from(r.result.equity) };
}

/** Drawdown from the running peak, as metrics.ts (equity at or below 0 taken as 0), negative fractions. */
function drawdownSeries(r: BacktestRun): { ts: number[]; ys: number[] } {
  const { ts, ys } = equitySeries(r);
  let peak = -Infinity;
  return {
    ts,
    ys: ys.map((e0) => {
      const e = Math.max(0, e0);
      if (e > peak) peak = e;
      return peak > 0 ? -(peak - e) / peak : 0;
    }),
  };
}

/** Series at each bar close (gross, health); non-finite values (no requirement) become gaps. */
function closeSeries(r: BacktestRun, xs: Float64Array): { ts: number[]; ys: (number | null)[] } {
  const { times, intervalMs } = r.result;
  return { ts: Array.from(xs, (_x, k) => times[k]! + intervalMs), ys: Array.from(xs, (x) => (Number.isFinite(x) ? x : null)) };
}

// ---------------------------------------------------------------- charts

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
}

function lineChart(id: string, title: string, yTitle: string, values: Point[], runs: readonly string[], opts: { format?: string; rule?: number; marks?: Point[] } = {}): ChartSpec {
  const x = { field: 't', type: 'temporal', title: 'time (UTC)', scale: { type: 'utc' }, axis: { format: '%b %d %H:%M', labelOverlap: true } } as const;
  const color = { field: 'run', type: 'nominal', title: 'policy set', scale: { domain: [...runs] }, legend: runs.length > 1 ? { orient: 'bottom', columns: 2, labelLimit: 400 } : null } as const;
  const layer: object[] = [
    {
      data: { values },
      mark: { type: 'line', strokeWidth: 1.5, interpolate: 'linear' },
      encoding: { x, y: { field: 'y', type: 'quantitative', title: yTitle, axis: opts.format ? { format: opts.format } : {}, scale: { zero: false } }, color },
    },
  ];
  if (opts.rule !== undefined) layer.push({ data: { values: [{ y: opts.rule }] }, mark: { type: 'rule', color: '#c00', strokeDash: [4, 4] }, encoding: { y: { field: 'y', type: 'quantitative' } } });
  if (opts.marks && opts.marks.length > 0)
    layer.push({ data: { values: opts.marks }, mark: { type: 'point', shape: 'cross', size: 90, filled: true, color: '#c00' }, encoding: { x, y: { field: 'y', type: 'quantitative' } } });
  return {
    id,
    title,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title,
      width: 760,
      height: 240,
      background: 'white',
      // resvg maps the generic sans-serif to Arial (serif glyphs where Arial is missing) and does not read quoted
      // names in this list, so name common sans families unquoted
      config: { font: 'Helvetica, Arial, DejaVu Sans, Liberation Sans, Noto Sans, sans-serif', view: { stroke: '#ddd' } },
      layer,
    } as TopLevelSpec,
  };
}

/** The report's charts: equity, drawdown, gross exposure, and health when the runs have a finite health factor. */
export function chartSpecs(runs: readonly BacktestRun[]): ChartSpec[] {
  const names = runs.map((r) => r.name);
  const eq = runs.flatMap((r) => {
    const s = equitySeries(r);
    return series(r.name, s.ts, s.ys);
  });
  const liq = runs.flatMap((r) => {
    const s = equitySeries(r);
    // mark each liquidation on the equity curve at the close of its bar
    return r.result.liquidations.map((l) => {
      let k = s.ts.findIndex((t) => t > l.time);
      if (k < 0) k = s.ts.length - 1;
      return { t: s.ts[k]!, y: s.ys[k]!, run: r.name };
    });
  });
  const dd = runs.flatMap((r) => {
    const s = drawdownSeries(r);
    return series(r.name, s.ts, s.ys);
  });
  const gross = runs.flatMap((r) => {
    const s = closeSeries(r, r.result.gross);
    return series(r.name, s.ts, s.ys);
  });
  const charts = [
    lineChart('equity', 'Equity (USD), liquidations marked', 'equity USD', eq, names, { format: ',.0f', marks: liq }),
    lineChart('drawdown', 'Drawdown from running peak', 'drawdown', dd, names, { format: '.0%' }),
    lineChart('exposure', 'Gross exposure (USD) at each close', 'gross exposure USD', gross, names, { format: ',.0f' }),
  ];
  if (runs.some((r) => r.result.health.some((h) => Number.isFinite(h)))) {
    const health = runs.flatMap((r) => {
      const s = closeSeries(r, r.result.health);
      return series(r.name, s.ts, s.ys);
    });
    charts.push(lineChart('health', 'Lowest account health factor at each close (1 = liquidatable)', 'health factor', health, names, { rule: 1 }));
  }
  return charts;
}

/** vega-lite spec -> SVG string (headless vega view). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Prefix the SVG's element ids (vega's clip paths) so several charts can sit inline in one HTML document. */
export function scopeIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`).replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

/** SVG -> PNG bytes (white background, system fonts). */
export async function svgToPng(svg: string): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  return new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 1.5 }, font: { loadSystemFonts: true } }).render().asPng();
}

// ---------------------------------------------------------------- CSV

/** RFC 4180 field: quoted when it holds a comma, quote or line break; non-finite numbers empty. */
export function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = typeof v === 'string' ? v : JSON.stringify(v, jsonNumber);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header.join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n';
}

export const TRADE_COLUMNS = ['run', 'time', 'account', 'asset', 'kind', 'side', 'qty', 'price', 'notionalUsd', 'fee', 'slippage', 'position', 'requested', 'note'] as const;
export const DECISION_COLUMNS = ['run', 'time', 'state', 'previous', 'reasons', 'orders', 'order_list', 'denials', 'unmet'] as const;

export function tradesCsv(runs: readonly BacktestRun[]): string {
  return csv(
    TRADE_COLUMNS,
    runs.flatMap((r) => r.result.fills.map((f) => [r.name, iso(f.time), f.account, f.asset, f.kind, f.side, f.qty, f.price, f.notionalUsd, f.fee, f.slippage, f.position, f.requested, f.note])),
  );
}

const reasonText = (d: BacktestRun['result']['decisions'][number]): string => d.reasons.map((x) => `${x.policy}/${x.code}: ${x.message}`).join('; ');
const orderText = (d: BacktestRun['result']['decisions'][number]): string => d.orders.map((o) => `${o.kind} ${o.side} ${o.qty.toPrecision(6)} ${o.asset} (${o.account})`).join('; ');

export function decisionsCsv(runs: readonly BacktestRun[]): string {
  return csv(
    DECISION_COLUMNS,
    runs.flatMap((r) =>
      r.result.decisions.map((d) => [
        r.name,
        iso(d.time),
        d.state,
        d.previous,
        reasonText(d),
        d.orders.length,
        orderText(d),
        d.denials?.map((x) => `#${x.order} ${x.code}: ${x.message}`).join('; '),
        d.unmet?.join('; '),
      ]),
    ),
  );
}

// ---------------------------------------------------------------- HTML

const esc = (s: string | number | null | undefined): string => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (x: number | null, d = 1): string => (x === null || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(d)}%`);
const num = (x: number | null, d = 2): string => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(d));
const usd = (x: number): string => (Number.isFinite(x) ? `$${Math.round(x).toLocaleString('en-US')}` : '–');

function table(head: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`;
}

export function metricsRows(runs: readonly BacktestRun[]): string[][] {
  return runs.map((r) => {
    const m = r.metrics;
    return [
      esc(r.name),
      pct(m.return),
      pct(m.maxDrawdown),
      num(m.calmar),
      num(m.sortino),
      m.liquidations > 0 ? `<b class="bad">${m.liquidations}</b>` : '0',
      usd(m.liquidationLosses),
      usd(m.badDebt),
      usd(m.costsPaid),
      usd(m.fundingPaid),
      num(m.turnover),
      `${pct(m.timeInState.ACTIVE, 0)} / ${pct(m.timeInState.REDUCING, 0)} / ${pct(m.timeInState.HALTED, 0)}`,
      usd(m.initialEquity),
      usd(m.finalEquity),
      String(m.bars),
    ];
  });
}

export const METRICS_HEAD = ['policies', 'return', 'max DD', 'Calmar', 'Sortino', 'liquidations', 'liq. losses', 'bad debt', 'costs', 'funding', 'turnover', 'ACTIVE / REDUCING / HALTED', 'initial equity', 'final equity', 'bars'];

function html(input: BacktestReportInput, charts: readonly { id: string; title: string; svg: string }[]): string {
  const title = `Ballast backtest${input.config ? ` ${input.config}` : ''}${input.window ? `, ${input.window}` : ''}`;
  const liqRows = input.runs.flatMap((r) =>
    r.result.liquidations.map((l) => [esc(r.name), esc(iso(l.time)), esc(l.account), esc(l.bucket), esc(l.backstop ? 'backstop' : l.fraction !== undefined ? `partial ${(l.fraction * 100).toFixed(0)} %` : l.model === 'lending' ? 'liquidationCall' : 'whole'), esc(l.model), esc(Object.entries(l.prices).map(([a, p]) => `${a} ${p}`).join(', ')), usd(l.balanceBefore), usd(l.maintenanceBefore), usd(l.fee), usd(l.badDebt), usd(l.loss)]),
  );
  const decisionSections = input.runs.map((r) => {
    const ds = r.result.decisions;
    const shown = ds.slice(0, MAX_HTML_DECISIONS);
    const rows = shown.map((d) => [esc(iso(d.time)), `<span class="st ${esc(d.state)}">${esc(d.state)}</span>`, esc(d.previous ?? ''), esc(reasonText(d)), esc(orderText(d)), esc([...(d.denials ?? []).map((x) => `#${x.order} ${x.code}: ${x.message}`), ...(d.unmet ?? [])].join('; '))]);
    const more = ds.length > shown.length ? `<p class="note">First ${shown.length} of ${ds.length} decisions; decisions.csv has all of them.</p>` : '';
    return `<h3>${esc(r.name)} (${ds.length} decisions)</h3>${ds.length ? table(['time (UTC)', 'state', 'previous', 'reasons', 'orders', 'denials / unmet'], rows, 'log') : '<p class="note">No decisions.</p>'}${more}`;
  });
  const sources = Object.entries(input.sources ?? {}).map(([k, v]) => `<li>${esc(k)}: ${esc(v)}</li>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:20px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;font-size:12px;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 6px;text-align:right;vertical-align:top}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}table.log td{text-align:left}
.bad{color:#c00}.note{color:#666;font-size:12px}.chart svg{max-width:100%;height:auto}
.st.ACTIVE{color:#080}.st.REDUCING{color:#b60}.st.HALTED{color:#c00;font-weight:bold}
</style></head><body>
<h1>${esc(title)}</h1>
${input.assets?.length ? `<p>Assets: ${esc(input.assets.join(', '))}</p>` : ''}
<h2>Metrics</h2>
${table(METRICS_HEAD, metricsRows(input.runs), 'metrics')}
<h2>Charts</h2>
${charts.map((c) => `<figure class="chart">${c.svg}</figure>`).join('\n')}
<h2>Liquidations</h2>
${liqRows.length ? table(['policies', 'time (UTC)', 'account', 'bucket', 'step', 'model', 'prices', 'balance before', 'maintenance before', 'fee', 'bad debt', 'loss'], liqRows, 'log') : '<p class="note">None.</p>'}
<h2>Decision log</h2>
${decisionSections.join('\n')}
${sources.length ? `<h2>Data sources</h2><ul class="note">${sources.join('')}</ul>` : ''}
<p class="note">Files next to this report: ${charts.map((c) => `${c.id}.png`).join(', ')}, trades.csv, decisions.csv, result.json.</p>
</body></html>
`;
}

/**
 * Write the report files into `dir` (created if needed). Returns the paths written.
 */
export async function writeBacktestReport(input: BacktestReportInput, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const specs = chartSpecs(input.runs);
  const charts: { id: string; title: string; svg: string }[] = [];
  for (const c of specs) charts.push({ id: c.id, title: c.title, svg: scopeIds(await renderSvg(c.spec), c.id) });
  const files: [string, string | Buffer][] = [['report.html', html(input, charts)]];
  // every chart of the HTML also as <id>.png, rasterised from the same SVG (same gaps, scales and marks)
  for (const c of charts) files.push([`${c.id}.png`, await svgToPng(c.svg)]);
  files.push(
    ['trades.csv', tradesCsv(input.runs)],
    ['decisions.csv', decisionsCsv(input.runs)],
    ['result.json', `${JSON.stringify(backtestDocument(input), jsonNumber, 2)}\n`],
  );
  const paths: string[] = [];
  for (const [name, body] of files) {
    const p = join(dir, name);
    await writeFile(p, body);
    paths.push(p);
  }
  return paths;
}
