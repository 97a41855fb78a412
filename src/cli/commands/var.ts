/**
 * `ballast var [portfolio] [--method historical|fhs|parametric|mc] [--paths N] [--seed S] [--quantile Q] [--json]`:
 * Value at Risk, Expected Shortfall and liquidation probabilities of a book (src/var/, conventions in
 * src/var/report.ts).
 * - portfolio: document (YAML or JSON), default the bundled example (as `ballast risk`).
 * - --method: historical (default), fhs (EWMA-filtered historical), parametric (delta-gamma, Cornish-Fisher),
 *   mc (correlated Student-t Monte Carlo). --paths: MC scenarios per horizon and liquidation paths (default 10 000).
 *   --seed: integer seed of the Monte Carlo streams (default 1). --quantile: linear (default) or nearest-rank.
 * - History: the bundled hourly perp closes of every non-stable asset of the book (binance-perp-<asset>-usdt-1h),
 *   bars closed by the portfolio's asOf; an asset without one is an error naming it (exit 1), never a riskless asset.
 * JSON (--json): { asOf, method, quantile, horizons, levels, scenarios, dataWindow, model, liquidation,
 *   accounts: [{ id, equity, var, es, liquidationProbability, liquidationStdError }], book: { equity, var, es } },
 *   var/es keyed by horizon then level (var["1d"]["0.99"]), USD positive losses; liquidationProbability keyed 1d, 7d,
 *   30d. A progress bar goes to stderr on a terminal only. Bad options exit 2 naming the value.
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import { ValidationError, type FieldIssue } from '../../errors/index.ts';
import { parseNumber } from '../../io/csv.ts';
import { loadDataset } from '../../io/market-file.ts';
import { loadPortfolioFile } from '../../io/portfolio-file.ts';
import { datasetIds } from '../../market-data/catalog.ts';
import type { Portfolio } from '../../model/types.ts';
import { riskAssets } from '../../var/engine.ts';
import { hourlyDatasetId, MissingHistoryError, type PriceHistory } from '../../var/history.ts';
import type { QuantileMethod } from '../../var/quantile.ts';
import { DEFAULT_PATHS, DEFAULT_SEED, VAR_METHODS, varReport, type VarMethod, type VarReport } from '../../var/report.ts';
import { pct, usd } from '../format.ts';
import type { Io } from '../main.ts';
import { DEFAULT_PORTFOLIO } from './risk.ts';

export interface VarCliOptions {
  readonly method?: string;
  readonly paths?: string;
  readonly seed?: string;
  readonly quantile?: string;
  readonly json?: boolean;
  /** Draw a progress bar on stderr (the caller decides: a terminal only). */
  readonly progress?: boolean;
}

interface Parsed {
  method: VarMethod;
  paths: number;
  seed: number;
  quantile: QuantileMethod;
}

export function parseVarOptions(opts: VarCliOptions): Parsed {
  const issues: FieldIssue[] = [];
  const method = (opts.method ?? 'historical') as VarMethod;
  if (!VAR_METHODS.includes(method)) issues.push({ path: '--method', value: opts.method, message: `must be one of ${VAR_METHODS.join(', ')}` });
  const int = (raw: string | undefined, option: string, min: number, fallback: number): number => {
    if (raw === undefined) return fallback;
    const x = parseNumber(raw);
    if (x === undefined || !Number.isSafeInteger(x) || x < min) {
      issues.push({ path: option, value: raw, message: `must be a whole number >= ${min}` });
      return fallback;
    }
    return x;
  };
  const paths = int(opts.paths, '--paths', 2, DEFAULT_PATHS);
  const seed = int(opts.seed, '--seed', 0, DEFAULT_SEED);
  const quantile = (opts.quantile ?? 'linear') as QuantileMethod;
  if (quantile !== 'linear' && quantile !== 'nearest-rank') issues.push({ path: '--quantile', value: opts.quantile, message: 'must be linear or nearest-rank' });
  if (issues.length > 0) throw new ValidationError('options', issues);
  return { method, paths, seed, quantile };
}

/** The bundled hourly history of every non-stable asset of the book; MissingHistoryError names one that has none. */
export async function loadVarHistories(portfolio: Portfolio): Promise<PriceHistory[]> {
  const known = new Set(datasetIds());
  const assets = riskAssets(portfolio);
  for (const a of assets) {
    if (!known.has(hourlyDatasetId(a))) {
      const bundled = [...known].filter((id) => /^binance-perp-[a-z0-9]+-usdt-1h$/.test(id)).map((id) => id.split('-')[2]!.toUpperCase());
      throw new MissingHistoryError(a, `VaR needs one for every non-stable asset; bundled hourly histories: ${bundled.join(', ')}`);
    }
  }
  return Promise.all(
    assets.map(async (asset) => {
      const id = hourlyDatasetId(asset);
      const d = await loadDataset(id);
      const s = d.series;
      if (s.kind !== 'ohlcv') throw new MissingHistoryError(asset, `dataset ${id} is not OHLCV`);
      return { asset, source: id, timestamp: s.timestamp, close: s.close };
    }),
  );
}

/** A progress bar on stderr, redrawn at most every 100 ms; `done()` clears it. */
function progressBar(io: Io): { update: (phase: string, done: number, total: number) => void; done: () => void } {
  let last = 0;
  let drawn = false;
  return {
    update: (phase, done, total) => {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = 30;
      const filled = Math.round((width * done) / Math.max(total, 1));
      io.stderr(`\r${phase.padEnd(22)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round((100 * done) / Math.max(total, 1))}%`);
      drawn = true;
    },
    done: () => {
      if (drawn) io.stderr('\r\x1b[K');
    },
  };
}

export async function runVar(file: string | undefined, opts: VarCliOptions, io: Io): Promise<number> {
  const parsed = parseVarOptions(opts);
  const portfolio = await loadPortfolioFile(file ?? DEFAULT_PORTFOLIO);
  const histories = await loadVarHistories(portfolio);
  const bar = opts.progress === true ? progressBar(io) : undefined;
  let report: VarReport;
  try {
    report = varReport(portfolio, histories, { ...parsed, onProgress: bar?.update });
  } finally {
    bar?.done();
  }
  io.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderVar(report, file ?? DEFAULT_PORTFOLIO));
  return 0;
}

export function renderVar(r: VarReport, source: string): string {
  const out: string[] = [pc.bold(`Ballast VaR  ${source}  as of ${r.asOf}  method ${r.method}${r.quantile === null ? '' : ` (${r.quantile} quantile)`}`), ''];
  if (r.dataWindow !== null) {
    out.push(`history: ${r.dataWindow.assets.join(', ')} hourly ${r.dataWindow.from.slice(0, 16)} to ${r.dataWindow.to.slice(0, 16)} (${r.dataWindow.hours} hours)`);
  }
  out.push(`scenarios: ${Object.entries(r.scenarios).map(([h, n]) => `${h} ${n}`).join(', ')}`, '');
  const t = new Table({ head: ['', 'horizon', ...r.levels.map((l) => `VaR ${pct(Number(l), 1)}`), ...r.levels.map((l) => `ES ${pct(Number(l), 1)}`)], style: { head: ['cyan'] } });
  const rows = [...r.accounts.map((a) => ({ id: a.id, var: a.var, es: a.es })), { id: 'book', var: r.book.var, es: r.book.es }];
  for (const a of rows) {
    for (const h of r.horizons) t.push([h === r.horizons[0] ? a.id : '', h, ...r.levels.map((l) => usd(a.var[h]![l]!)), ...r.levels.map((l) => usd(a.es[h]![l]!))]);
  }
  out.push(t.toString(), 'USD losses of account equity (positive = loss); book = all accounts together', '');
  if (r.liquidation !== null) {
    const lt = new Table({ head: ['liquidation probability', ...Object.keys(r.accounts[0]?.liquidationProbability ?? {})], style: { head: ['cyan'] } });
    for (const a of r.accounts) lt.push([a.id, ...Object.values(a.liquidationProbability).map((p) => pct(p, 2))]);
    out.push(lt.toString(), `${r.liquidation.paths} paths, ${r.liquidation.stepHours}h steps, ${r.liquidation.monitoring} monitoring, ${r.liquidation.innovations} innovations, seed ${r.liquidation.seed}`, '');
  }
  return out.join('\n');
}
