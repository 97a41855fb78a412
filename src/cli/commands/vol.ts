/**
 * `ballast vol <ASSET> [--model M] [--interval 1h|1d] [--horizon N] [--json] ...` or `ballast vol --csv FILE ...`:
 * volatility of a bundled asset or of any CSV (models in src/analytics/vol).
 *
 * Data
 * - ASSET (BTC, ETH, SOL, BNB, XRP) maps by --interval: 1d (the default) -> binance-spot-<asset>-usdt-1d, 1h ->
 *   binance-perp-<asset>-usdt-1h (there is no bundled perp 1d series, nor a spot 1h series with no outage gaps).
 *   A catalog id of an OHLCV dataset is accepted too. --model dvol reads deribit-btc-dvol-1d (BTC only).
 * - --csv FILE: --column NAME (default: the last numeric column) holds prices, or returns with --returns (used as
 *   they are: log returns are the convention, no conversion). Parkinson and Garman-Klass need an OHLCV file
 *   (timestamp,open,high,low,close,volume), dvol a timestamp,dvol file.
 * - Returns are log returns of closes; on a dataset, a step across a gap is skipped (counted), never stretched.
 *
 * Units: `variance` and forecast variances are PER PERIOD (one bar of --interval); `annualisedVol` =
 * sqrt(variance × periodsPerYear) with 365-day years (1h: 8760, 1d: 365; --periods-per-year overrides, e.g. 252).
 * `horizonVariance` is the sum over the forecast steps: the variance of the log return over the whole horizon.
 * Models and their forecast: realised / parkinson / garman-klass over the last --window bars (default 30 days' worth,
 * or all when fewer) and ewma: flat; garch: h_{T+k} toward the unconditional variance; dvol: sigma = DVOL/100 on
 * --date (default: the last row), flat. JSON numbers are full precision.
 * Invalid input exits 2 (the message names the option or field and the value); an unreadable file exits 1.
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import { annualisedVol, assertLength, logReturns, periodsPerYearOf, periodVariance } from '../../analytics/vol/conventions.ts';
import { dvolForDay, latestDvol, parseDay, type DvolPoint, type DvolSeries } from '../../analytics/vol/dvol.ts';
import { checkLambda, ewmaForecast, ewmaVariance, RISKMETRICS_LAMBDA } from '../../analytics/vol/ewma.ts';
import { fitGarch, garchForecast, type GarchStandardErrors, type VarianceInit } from '../../analytics/vol/garch.ts';
import { closeToCloseVariance, garmanKlassVariance, parkinsonVariance, type Ohlc } from '../../analytics/vol/realised.ts';
import { ValidationError, type FieldIssue } from '../../errors/index.ts';
import { parseNumber, readNumericColumn } from '../../io/csv.ts';
import { loadCsv, loadDataset } from '../../io/market-file.ts';
import { getDataset, listDatasets } from '../../market-data/catalog.ts';
import type { LoadedSeries } from '../../market-data/dataset.ts';
import { formatInterval, isoUtc, parseInterval } from '../../market-data/interval.ts';
import { jointReturns } from '../../market-data/returns.ts';
import type { SeriesOf } from '../../market-data/series.ts';
import { num, pct } from '../format.ts';
import type { Io } from '../main.ts';

export const VOL_MODELS = ['realised', 'parkinson', 'garman-klass', 'ewma', 'garch', 'dvol'] as const;
export type VolModel = (typeof VOL_MODELS)[number];
export const VOL_ASSETS = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP'] as const;
const DVOL_DATASET = 'deribit-btc-dvol-1d';
const DEFAULT_WINDOW_DAYS = 30;
const MAX_HORIZON = 10_000;

export interface VolCliOptions {
  readonly model?: string;
  readonly interval?: string;
  readonly lambda?: string;
  readonly horizon?: string;
  readonly window?: string;
  readonly date?: string;
  readonly init?: string;
  readonly csv?: string;
  readonly column?: string;
  readonly returns?: boolean;
  readonly periodsPerYear?: string;
  readonly json?: boolean;
}

export interface ForecastStep {
  readonly step: number;
  /** Per-period variance of that step. */
  readonly variance: number;
  /** sqrt(variance × periodsPerYear). */
  readonly annualisedVol: number;
}

/** Fields every `ballast vol --json` document has. */
export interface VolDocumentBase {
  readonly model: VolModel;
  /** Asset symbol when a bundled asset was asked for, else null. */
  readonly asset: string | null;
  /** Bundled dataset id, or null for --csv. */
  readonly dataset: string | null;
  /** The --csv file, or null. */
  readonly file: string | null;
  /** CSV column read (numeric-column mode), or null. */
  readonly column: string | null;
  /** What the estimate is computed from. */
  readonly input: 'closes' | 'returns' | 'ohlc' | 'dvol';
  /** Bar interval ('1h', '1d', ...) or null when unknown (a plain CSV column annualised by --periods-per-year). */
  readonly interval: string | null;
  readonly periodsPerYear: number;
  /** Returns (realised, ewma, garch) or bars (parkinson, garman-klass) in the estimate; 1 for dvol. */
  readonly observations: number;
  /** Open times (UTC) of the first and last bars whose data enter the estimate; null without timestamps. */
  readonly first: string | null;
  readonly last: string | null;
  /** Return steps skipped because they cross a gap in the data (dataset and market CSV input). */
  readonly skippedAcrossGaps: number;
  /** Per-period variance forecast for the next period. */
  readonly variance: number;
  readonly annualisedVol: number;
  readonly horizon: number;
  readonly forecast: readonly ForecastStep[];
  /** Sum of the forecast variances: variance of the log return over the whole horizon. */
  readonly horizonVariance: number;
  readonly warnings: readonly string[];
}

export interface RealisedDocument extends VolDocumentBase {
  readonly model: 'realised' | 'parkinson' | 'garman-klass';
  /** Bars (returns for realised) in the window. */
  readonly window: number;
  /** The same estimator over all the data. */
  readonly fullSampleAnnualisedVol: number;
}

export interface EwmaDocument extends VolDocumentBase {
  readonly model: 'ewma';
  readonly lambda: number;
}

export interface GarchDocument extends VolDocumentBase {
  readonly model: 'garch';
  readonly mu: number;
  readonly omega: number;
  readonly alpha: number;
  readonly beta: number;
  /** From the numerical Hessian; null at a bound. */
  readonly standardErrors: GarchStandardErrors | null;
  readonly logLikelihood: number;
  /** 'fgarch': h1 = omega + (alpha+beta)·mean(e²); 'sample-variance': h1 = var(x, ddof 0). */
  readonly init: 'fgarch' | 'sample-variance';
  readonly persistence: number;
  /** omega / (1 - alpha - beta) per period; null when the estimate sits at the persistence bound. */
  readonly unconditionalVariance: number | null;
  readonly unconditionalVol: number | null;
  /** h_T, the conditional variance of the last observation. */
  readonly lastVariance: number;
  readonly atBound: boolean;
  readonly converged: boolean;
}

export interface DvolDocument extends VolDocumentBase {
  readonly model: 'dvol';
  /** UTC day of the DVOL row used. */
  readonly date: string;
  /** Annualised percent as published; annualisedVol = dvol / 100. */
  readonly dvol: number;
}

export type VolDocument = RealisedDocument | EwmaDocument | GarchDocument | DvolDocument;

interface Settings {
  readonly model: VolModel;
  readonly horizon: number;
  readonly lambda: number;
  readonly window: number | undefined;
  readonly init: 'fgarch' | 'sample-variance';
  readonly intervalMs: number | undefined;
  readonly periodsPerYear: number | undefined;
  /** --date for dvol, YYYY-MM-DD. */
  readonly date: string | undefined;
}

const isModel = (s: string): s is VolModel => (VOL_MODELS as readonly string[]).includes(s);
const isAsset = (s: string): s is (typeof VOL_ASSETS)[number] => (VOL_ASSETS as readonly string[]).includes(s);

/** Every option checked up front; all bad ones reported together. */
function settingsOf(asset: string | undefined, o: VolCliOptions): Settings {
  const issues: FieldIssue[] = [];
  const bad = (path: string, value: unknown, message: string): void => void issues.push({ path, value, message });
  const model = o.model ?? 'realised';
  if (!isModel(model)) bad('--model', model, `must be one of ${VOL_MODELS.join(', ')}`);
  const integer = (path: string, raw: string | undefined, min: number, max: number): number | undefined => {
    if (raw === undefined) return undefined;
    const n = parseNumber(raw);
    if (n === undefined || !Number.isInteger(n) || n < min || n > max) bad(path, raw, `must be a whole number from ${min} to ${max}`);
    return n;
  };
  const horizon = integer('--horizon', o.horizon, 1, MAX_HORIZON) ?? 1;
  const window = integer('--window', o.window, model === 'realised' ? 2 : 1, 1e9);
  let lambda = RISKMETRICS_LAMBDA;
  if (o.lambda !== undefined) {
    const l = parseNumber(o.lambda);
    try {
      checkLambda(l ?? Number.NaN);
      lambda = l!;
    } catch {
      bad('--lambda', o.lambda, 'must be a number strictly between 0 and 1 (RiskMetrics: 0.94)');
    }
  }
  const init = o.init ?? 'fgarch';
  if (init !== 'fgarch' && init !== 'sample-variance') bad('--init', init, "must be 'fgarch' (h1 = omega + (alpha+beta)·mean(e²)) or 'sample-variance' (h1 = var(x))");
  let intervalMs: number | undefined;
  if (o.interval !== undefined) {
    intervalMs = parseInterval(o.interval);
    if (intervalMs === undefined) bad('--interval', o.interval, 'must be a bar interval such as 1h or 1d');
    else if (o.csv === undefined && intervalMs !== 3_600_000 && intervalMs !== 86_400_000) bad('--interval', o.interval, 'bundled assets come in 1h or 1d bars');
  }
  if (o.date !== undefined) {
    try {
      parseDay(o.date, '--date');
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      issues.push(...e.issues);
    }
  }
  let periodsPerYear: number | undefined;
  if (o.periodsPerYear !== undefined) {
    periodsPerYear = parseNumber(o.periodsPerYear);
    if (periodsPerYear === undefined || !(periodsPerYear > 0)) bad('--periods-per-year', o.periodsPerYear, 'must be a number > 0 (8760 hourly, 365 daily, 252 trading days)');
  }
  // options that belong to one model or one input only: refuse rather than silently ignore
  const only = (given: boolean, path: string, value: unknown, allowed: boolean, which: string): void => {
    if (given && !allowed) bad(path, value, `applies only to ${which}`);
  };
  const m = isModel(model) ? model : undefined;
  if (m !== undefined) {
    only(o.lambda !== undefined, '--lambda', o.lambda, m === 'ewma', '--model ewma');
    only(o.init !== undefined, '--init', o.init, m === 'garch', '--model garch');
    only(o.date !== undefined, '--date', o.date, m === 'dvol', '--model dvol');
    only(o.window !== undefined, '--window', o.window, m === 'realised' || m === 'parkinson' || m === 'garman-klass', '--model realised, parkinson or garman-klass');
    const columnModel = m === 'realised' || m === 'ewma' || m === 'garch';
    only(o.column !== undefined, '--column', o.column, o.csv !== undefined && columnModel, '--csv with --model realised, ewma or garch');
    only(o.returns === true, '--returns', true, o.csv !== undefined && columnModel, '--csv with --model realised, ewma or garch');
  }
  if (asset !== undefined && o.csv !== undefined) bad('asset', asset, 'give either an ASSET or --csv FILE, not both');
  if (asset === undefined && o.csv === undefined) bad('asset', undefined, `give an ASSET (${VOL_ASSETS.join(', ')}) or --csv FILE`);
  if (issues.length > 0) throw new ValidationError('options', issues);
  return { model: model as VolModel, horizon, lambda, window, init: init as 'fgarch' | 'sample-variance', intervalMs, periodsPerYear, date: o.date?.trim() };
}

/** ASSET (or an OHLCV dataset id) -> dataset id. */
function datasetFor(asset: string, s: Settings): { id: string; symbol: string | null } {
  const symbol = asset.trim().toUpperCase();
  if (s.model === 'dvol') {
    if (symbol !== 'BTC') throw new ValidationError('options', [{ path: 'asset', value: asset, message: `DVOL is bundled for BTC only (${DVOL_DATASET})` }]);
    return { id: DVOL_DATASET, symbol };
  }
  if (isAsset(symbol)) {
    const daily = (s.intervalMs ?? 86_400_000) === 86_400_000;
    return { id: daily ? `binance-spot-${symbol.toLowerCase()}-usdt-1d` : `binance-perp-${symbol.toLowerCase()}-usdt-1h`, symbol };
  }
  const entry = listDatasets().find((d) => d.id === asset.trim());
  if (entry === undefined || entry.kind !== 'ohlcv') {
    const ohlcv = listDatasets().filter((d) => d.kind === 'ohlcv').map((d) => d.id);
    throw new ValidationError('options', [
      { path: 'asset', value: asset, message: `must be one of ${VOL_ASSETS.join(', ')} or an OHLCV dataset id (${ohlcv.join(', ')})` },
    ]);
  }
  if (s.intervalMs !== undefined && s.intervalMs !== entry.intervalMs) {
    throw new ValidationError('options', [{ path: '--interval', value: formatInterval(s.intervalMs), message: `dataset ${entry.id} has ${formatInterval(entry.intervalMs)} bars` }]);
  }
  return { id: entry.id, symbol: null };
}

/** The data one model needs, with where it came from. */
interface Source {
  readonly asset: string | null;
  readonly dataset: string | null;
  readonly file: string | null;
  readonly column: string | null;
  readonly intervalMs: number | undefined;
  readonly data:
    | { readonly kind: 'returns'; readonly input: 'closes' | 'returns'; readonly returns: Float64Array; readonly times: Float64Array | null; readonly skipped: number }
    | { readonly kind: 'ohlc'; readonly bars: Ohlc; readonly times: Float64Array }
    | { readonly kind: 'dvol'; readonly series: DvolSeries };
}

function fromOhlcv(loaded: LoadedSeries<SeriesOf<'ohlcv'>>, model: VolModel): Source['data'] {
  const s = loaded.series;
  if (model === 'parkinson' || model === 'garman-klass') return { kind: 'ohlc', bars: s, times: s.timestamp };
  const j = jointReturns([{ id: 'close', timestamp: s.timestamp, close: s.close }], { method: 'log', intervalMs: loaded.intervalMs });
  // jointReturns stamps each return with its later bar; the bar whose close starts the first return is one earlier
  return { kind: 'returns', input: 'closes', returns: j.returns[0]!, times: j.timestamps, skipped: j.skippedAcrossGaps };
}

async function loadSource(asset: string | undefined, o: VolCliOptions, s: Settings): Promise<Source> {
  if (asset !== undefined) {
    const { id, symbol } = datasetFor(asset, s);
    const loaded = await loadDataset(id);
    const entry = getDataset(id);
    const base = { asset: symbol ?? entry.asset, dataset: id, file: null, column: null, intervalMs: s.model === 'dvol' ? s.intervalMs : entry.intervalMs };
    if (loaded.series.kind === 'dvol') return { ...base, data: { kind: 'dvol', series: loaded.series } };
    if (loaded.series.kind !== 'ohlcv') throw new ValidationError('options', [{ path: 'asset', value: asset, message: `dataset ${id} is not OHLCV bars` }]);
    return { ...base, data: fromOhlcv({ ...loaded, series: loaded.series }, s.model) };
  }
  const file = o.csv!;
  const base = { asset: null, dataset: null, file, column: null };
  if (s.model === 'dvol') {
    const loaded = await loadCsv(file, 'dvol', s.intervalMs);
    return { ...base, intervalMs: s.intervalMs, data: { kind: 'dvol', series: loaded.series } };
  }
  if (s.model === 'parkinson' || s.model === 'garman-klass') {
    const loaded = await loadCsv(file, 'ohlcv', s.intervalMs);
    return { ...base, intervalMs: loaded.intervalMs, data: fromOhlcv(loaded, s.model) };
  }
  const col = await readNumericColumn(file, o.column === undefined ? {} : { column: o.column });
  const where = (i: number): string => `line ${col.lines[i]}, column "${col.column}"`;
  let returns: Float64Array;
  if (o.returns === true) {
    returns = col.values;
  } else {
    const issues: FieldIssue[] = [];
    col.values.forEach((p, i) => {
      if (!(p > 0) && issues.length < 10) issues.push({ path: where(i), value: p, message: 'a price must be > 0 (pass --returns if the column holds returns)' });
    });
    if (issues.length > 0) throw new ValidationError(file, issues);
    returns = logReturns(col.values);
  }
  return { ...base, column: col.column, intervalMs: s.intervalMs, data: { kind: 'returns', input: o.returns === true ? 'returns' : 'closes', returns, times: null, skipped: 0 } };
}

const iso = (times: ArrayLike<number> | null, i: number): string | null => (times === null || i < 0 || i >= times.length ? null : isoUtc(times[i]!));

export async function runVol(asset: string | undefined, opts: VolCliOptions, io: Io): Promise<number> {
  const s = settingsOf(asset, opts);
  const src = await loadSource(asset, opts, s);
  const intervalMs = src.intervalMs ?? (src.file !== null && s.periodsPerYear !== undefined ? undefined : 86_400_000);
  const periodsPerYear = s.periodsPerYear ?? periodsPerYearOf(intervalMs ?? 86_400_000);
  const doc = inStableOrder(volDocument(src, s, intervalMs, periodsPerYear));
  io.stdout(opts.json === true ? `${JSON.stringify(doc, null, 2)}\n` : renderVol(doc));
  return 0;
}

/** JSON key order: the common fields (VolDocumentBase, in declaration order) first, then the model's own. */
const BASE_KEYS = [
  'model',
  'asset',
  'dataset',
  'file',
  'column',
  'input',
  'interval',
  'periodsPerYear',
  'observations',
  'first',
  'last',
  'skippedAcrossGaps',
  'variance',
  'annualisedVol',
  'horizon',
  'forecast',
  'horizonVariance',
  'warnings',
] as const satisfies readonly (keyof VolDocumentBase)[];

function inStableOrder(d: VolDocument): VolDocument {
  const out: Record<string, unknown> = {};
  for (const k of BASE_KEYS) out[k] = d[k];
  for (const [k, v] of Object.entries(d)) if (!(k in out)) out[k] = v;
  return out as unknown as VolDocument;
}

function forecastOf(variances: Float64Array, periodsPerYear: number): { forecast: ForecastStep[]; horizonVariance: number } {
  const forecast = Array.from(variances, (v, k) => ({ step: k + 1, variance: v, annualisedVol: annualisedVol(v, periodsPerYear) }));
  return { forecast, horizonVariance: forecast.reduce((a, f) => a + f.variance, 0) };
}

function volDocument(src: Source, s: Settings, intervalMs: number | undefined, periodsPerYear: number): VolDocument {
  const base = {
    asset: src.asset,
    dataset: src.dataset,
    file: src.file,
    column: src.column,
    interval: intervalMs === undefined ? null : formatInterval(intervalMs),
    periodsPerYear,
    horizon: s.horizon,
  };
  const data = src.data;
  const defaultWindow = Math.max(2, Math.round((DEFAULT_WINDOW_DAYS * periodsPerYear) / 365));

  if (data.kind === 'dvol') {
    const p: DvolPoint = s.date === undefined ? latestDvol(data.series) : dvolForDay(data.series, s.date);
    const variance = periodVariance(p.sigma, periodsPerYear);
    return {
      model: 'dvol',
      ...base,
      input: 'dvol',
      observations: 1,
      first: isoUtc(p.timestamp),
      last: isoUtc(p.timestamp),
      skippedAcrossGaps: 0,
      variance,
      annualisedVol: p.sigma,
      ...forecastOf(new Float64Array(s.horizon).fill(variance), periodsPerYear),
      warnings: [],
      date: p.date,
      dvol: p.dvol,
    };
  }

  if (data.kind === 'ohlc') {
    const n = data.bars.close.length;
    const window = windowOf(s.window, defaultWindow, n, 'bars');
    const estimator = s.model === 'parkinson' ? parkinsonVariance : garmanKlassVariance;
    const sub = (a: ArrayLike<number>): number[] => Array.from(a).slice(n - window);
    const variance = estimator({ open: sub(data.bars.open), high: sub(data.bars.high), low: sub(data.bars.low), close: sub(data.bars.close) });
    return {
      model: s.model as 'parkinson' | 'garman-klass',
      ...base,
      input: 'ohlc',
      observations: window,
      first: iso(data.times, n - window),
      last: iso(data.times, n - 1),
      skippedAcrossGaps: 0,
      variance,
      annualisedVol: annualisedVol(variance, periodsPerYear),
      ...forecastOf(new Float64Array(s.horizon).fill(variance), periodsPerYear),
      warnings: [],
      window,
      fullSampleAnnualisedVol: annualisedVol(estimator(data.bars), periodsPerYear),
    };
  }

  const r = data.returns;
  const n = r.length;
  // times[i] is the open of the bar whose close ends return i; the bar that starts it is one interval earlier
  const startOf = (i: number): string | null => (data.times === null || intervalMs === undefined ? null : isoUtc(data.times[i]! - intervalMs));
  const common = { ...base, input: data.input, skippedAcrossGaps: data.skipped, last: iso(data.times, n - 1) };

  if (s.model === 'realised') {
    assertLength(r, 2, 'returns', 'a sample variance needs two returns');
    const window = windowOf(s.window, defaultWindow, n, 'returns');
    const variance = closeToCloseVariance(r.subarray(n - window));
    return {
      model: 'realised',
      ...common,
      observations: window,
      first: startOf(n - window),
      variance,
      annualisedVol: annualisedVol(variance, periodsPerYear),
      ...forecastOf(new Float64Array(s.horizon).fill(variance), periodsPerYear),
      warnings: [],
      window,
      fullSampleAnnualisedVol: annualisedVol(closeToCloseVariance(r), periodsPerYear),
    };
  }

  if (s.model === 'ewma') {
    const e = ewmaVariance(r, { lambda: s.lambda });
    return {
      model: 'ewma',
      ...common,
      observations: n,
      first: startOf(0),
      variance: e.variance,
      annualisedVol: annualisedVol(e.variance, periodsPerYear),
      ...forecastOf(ewmaForecast(e.variance, s.horizon), periodsPerYear),
      warnings: [],
      lambda: e.lambda,
    };
  }

  const init: VarianceInit = s.init;
  const fit = fitGarch(r, { init });
  const p = fit.params;
  const warnings: string[] = [];
  if (fit.atBound) {
    warnings.push(
      `the estimate sits on a search bound (alpha + beta = ${fit.persistence}, alpha = ${p.alpha}, beta = ${p.beta}): ` +
        'the data prefer an integrated or explosive GARCH here; no unconditional variance or standard errors are reported',
    );
  }
  if (!fit.converged) warnings.push(`the optimiser stopped at its evaluation budget (${fit.evaluations} evaluations) without meeting its tolerances`);
  const uncond = fit.atBound ? null : fit.unconditionalVariance;
  return {
    model: 'garch',
    ...common,
    observations: n,
    first: startOf(0),
    variance: fit.nextVariance,
    annualisedVol: annualisedVol(fit.nextVariance, periodsPerYear),
    ...forecastOf(garchForecast(p, fit.nextVariance, s.horizon), periodsPerYear),
    warnings,
    mu: p.mu,
    omega: p.omega,
    alpha: p.alpha,
    beta: p.beta,
    standardErrors: fit.standardErrors,
    logLikelihood: fit.logLikelihood,
    init: s.init,
    persistence: fit.persistence,
    unconditionalVariance: uncond,
    unconditionalVol: uncond === null ? null : annualisedVol(uncond, periodsPerYear),
    lastVariance: fit.h[n - 1]!,
    atBound: fit.atBound,
    converged: fit.converged,
  };
}

function windowOf(given: number | undefined, fallback: number, n: number, what: string): number {
  if (given === undefined) return Math.min(fallback, n);
  if (given > n) throw new ValidationError('options', [{ path: '--window', value: given, message: `is longer than the ${n} ${what} available` }]);
  return given;
}

export function renderVol(d: VolDocument): string {
  const from = d.dataset ?? (d.column === null ? d.file : `${d.file} column "${d.column}"`);
  const title = pc.bold(`Ballast vol  ${d.model}  ${d.asset ?? ''}${d.asset === null ? '' : '  '}${from}  ${d.interval ?? 'interval unknown'}, ${d.periodsPerYear} periods/year`);
  const t = new Table({ head: ['quantity', 'value', 'note'], style: { head: ['cyan'] } });
  const span = d.first === null ? '' : `${d.first.slice(0, 16)}Z .. ${d.last?.slice(0, 16)}Z`;
  t.push(['observations', String(d.observations), span], ['next-period vol (annualised)', pct(d.annualisedVol, 2), `variance ${d.variance.toExponential(6)} per period`]);
  if (d.model === 'garch') {
    const se = (k: keyof GarchStandardErrors): string => {
      const v = d.standardErrors?.[k];
      return v === undefined || v === null ? '' : `se ${v.toPrecision(4)}`;
    };
    t.push(
      ['mu', d.mu.toPrecision(6), se('mu')],
      ['omega', d.omega.toPrecision(6), se('omega')],
      ['alpha', d.alpha.toPrecision(6), se('alpha')],
      ['beta', d.beta.toPrecision(6), se('beta')],
      ['persistence', d.persistence.toPrecision(6), 'alpha + beta'],
      ['unconditional vol', d.unconditionalVol === null ? 'n/a' : pct(d.unconditionalVol, 2), 'sqrt(omega / (1 - alpha - beta) x periods/year)'],
      ['log-likelihood', num(d.logLikelihood, 4), `Gaussian, init ${d.init}`],
    );
  } else if (d.model === 'ewma') {
    t.push(['lambda', String(d.lambda), 'seed r0², zero mean']);
  } else if (d.model === 'dvol') {
    t.push(['DVOL', num(d.dvol, 2), `${d.date} (annualised %)`]);
  } else {
    t.push(['window', String(d.window), d.model === 'realised' ? 'returns, sd ddof 1' : 'bars'], ['full-sample vol', pct(d.fullSampleAnnualisedVol, 2), '']);
  }
  if (d.horizon > 1) t.push([`vol over ${d.horizon} periods`, pct(Math.sqrt(d.horizonVariance), 2), 'not annualised: sqrt(sum of step variances)']);
  const warn = d.warnings.map((w) => pc.yellow(`warning: ${w}`));
  return [title, '', t.toString(), ...warn, ''].join('\n');
}
