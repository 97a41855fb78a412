/**
 * The VaR report of a book: Value at Risk and Expected Shortfall per account and for the book at each horizon and
 * confidence level, by one method, plus every account's liquidation probability. Pure: portfolio and price
 * histories in, a plain JSON-able document out.
 *
 * Conventions (details in each module):
 * - VaR and ES: USD, POSITIVE LOSSES of account equity (risk/report.ts equity), keyed by horizon then level:
 *   var["1d"]["0.99"]. Book = sum of account P&L per scenario (diversified), not the sum of account VaRs.
 * - Horizons in hours: 1h, 1d = 24h, 7d = 168h, 30d = 720h. Levels 0.95, 0.99, 0.999.
 * - Empirical quantiles: linear interpolation (numpy / R type 7), or nearest-rank (./quantile.ts).
 * - Methods (scenarios revalued in full by ./engine.ts; time does not pass; implied vols unchanged, sticky strike):
 *   historical: overlapping h-hour joint log returns of the bundled hourly perp history up to asOf (./history.ts);
 *   fhs: the same from EWMA-filtered hourly returns (current vol held over the horizon);
 *   parametric: delta-gamma on the historical covariance, Cornish-Fisher by default (./parametric.ts);
 *   mc: one-step correlated GBM over the horizon, market implied vols (historical vol where none), historical
 *   correlation, multivariate Student-t innovations with nu fitted per horizon to the history (./student.ts),
 *   antithetic pairs, seeded (./montecarlo.ts).
 * - liquidationProbability: first passage within 1d, 7d, 30d on MC paths (./liquidation.ts: GBM, zero drift, market
 *   vol, continuous monitoring by default), whatever the VaR method.
 */
import { ValidationError } from '../errors/index.ts';
import type { Portfolio } from '../model/types.ts';
import { riskReport } from '../risk/report.ts';
import { compileBook, evaluateAt, evaluateScenarios, riskAssets, type CompiledBook } from './engine.ts';
import { dataWindow, filteredReturns, horizonReturns, hourlyCovariance, hourlyReturns, HOURS_PER_YEAR, type DataWindow, type FhsVolModel, type HourlyReturns, type PriceHistory } from './history.ts';
import { cholesky, correlationOf } from './linalg.ts';
import { liquidationProbabilities } from './liquidation.ts';
import { monteCarloScenarios, type Innovations, type McModel } from './montecarlo.ts';
import { deltaGammaVarEs } from './parametric.ts';
import { checkNu, Xoshiro128 } from './prng.ts';
import { checkLevels, empiricalVarEs, type QuantileMethod } from './quantile.ts';
import { fitNu } from './student.ts';

export type VarMethod = 'historical' | 'fhs' | 'parametric' | 'mc';
export const VAR_METHODS: readonly VarMethod[] = ['historical', 'fhs', 'parametric', 'mc'];
export const DEFAULT_HORIZONS: readonly number[] = [1, 24, 168, 720];
export const DEFAULT_LEVELS: readonly number[] = [0.95, 0.99, 0.999];
export const LIQUIDATION_HORIZONS: readonly number[] = [24, 168, 720];
export const DEFAULT_PATHS = 10_000;
export const DEFAULT_SEED = 1;

export interface VarOptions {
  readonly method: VarMethod;
  readonly horizons?: readonly number[];
  readonly levels?: readonly number[];
  readonly quantile?: QuantileMethod;
  /** MC scenarios per horizon and liquidation paths (rounded up to even: antithetic pairs). */
  readonly paths?: number;
  readonly seed?: number;
  /** MC VaR innovations: Student-t with nu fitted per horizon (default), a given nu, or normal. */
  readonly mcInnovations?: 'fit' | 'normal' | { readonly nu: number };
  readonly fhsVol?: FhsVolModel;
  /** Parametric: Cornish-Fisher (default) or normal on the delta-gamma mean and variance. */
  readonly cornishFisher?: boolean;
  readonly liquidation?: {
    readonly stepHours?: number;
    readonly innovations?: Innovations;
    readonly monitoring?: 'continuous' | 'discrete';
    /** Skip the liquidation paths (probabilities reported as null). */
    readonly skip?: boolean;
  };
  readonly onProgress?: (phase: string, done: number, total: number) => void;
}

/** horizon label -> level label -> USD. */
export type ByHorizon = Record<string, Record<string, number>>;

export interface AccountVar {
  id: string;
  equity: number;
  var: ByHorizon;
  es: ByHorizon;
  liquidationProbability: Record<string, number | null>;
  liquidationStdError: Record<string, number | null>;
}

export interface VarReport {
  asOf: string;
  method: VarMethod;
  quantile: QuantileMethod | null;
  horizons: string[];
  levels: string[];
  /** Scenarios per horizon (historical / fhs: overlapping windows; mc: paths; parametric: 0, closed form). */
  scenarios: Record<string, number>;
  /** The history used (null for a book with no non-stable asset). */
  dataWindow: (DataWindow & { assets: string[]; sources: string[] }) | null;
  model: {
    /** Annualised vol per asset used by the MC paths (and MC VaR), with where it comes from. */
    vols: Record<string, { vol: number; source: 'market' | 'historical' }>;
    /** MC VaR: Student-t degrees of freedom per horizon (null: normal). */
    nu: Record<string, number | null> | null;
  };
  liquidation: { paths: number; stepHours: number; seed: number; monitoring: string; innovations: string } | null;
  accounts: AccountVar[];
  book: { equity: number; var: ByHorizon; es: ByHorizon };
}

export const horizonLabel = (h: number): string => (h % 24 === 0 ? `${h / 24}d` : `${h}h`);
const levelLabel = (l: number): string => String(l);

function checkOptions(o: VarOptions): void {
  const issues = [];
  if (!VAR_METHODS.includes(o.method)) issues.push({ path: 'method', value: o.method, message: `must be one of ${VAR_METHODS.join(', ')}` });
  for (const h of o.horizons ?? []) if (!(Number.isInteger(h) && h >= 1)) issues.push({ path: 'horizons', value: h, message: 'must be whole hours >= 1' });
  if (o.paths !== undefined && !(Number.isInteger(o.paths) && o.paths >= 2)) issues.push({ path: 'paths', value: o.paths, message: 'must be a whole number >= 2' });
  if (o.seed !== undefined && !Number.isInteger(o.seed)) issues.push({ path: 'seed', value: o.seed, message: 'must be an integer' });
  if (issues.length > 0) throw new ValidationError('var options', issues);
  checkLevels(o.levels ?? DEFAULT_LEVELS);
  if (typeof o.mcInnovations === 'object') checkNu(o.mcInnovations.nu);
}

/** Annualised vols: the market's implied vol where given (> 0), else the historical hourly sd x sqrt(8760). */
function modelVols(p: Portfolio, hourly: HourlyReturns, cov: Float64Array): { vols: Float64Array; report: VarReport['model']['vols'] } {
  const d = hourly.assets.length;
  const report: VarReport['model']['vols'] = {};
  const vols = Float64Array.from(hourly.assets, (a, i) => {
    const implied = p.market.vols[a];
    const vol = implied !== undefined && implied > 0 ? implied : Math.sqrt(cov[i * d + i]! * HOURS_PER_YEAR);
    report[a] = { vol, source: implied !== undefined && implied > 0 ? 'market' : 'historical' };
    return vol;
  });
  return { vols, report };
}

const grid = (horizons: readonly number[], levels: readonly number[], f: (h: number, l: number) => number): ByHorizon =>
  Object.fromEntries(horizons.map((h) => [horizonLabel(h), Object.fromEntries(levels.map((l) => [levelLabel(l), f(h, l)]))]));

/** Per-account deltas and gammas by asset (positions plus non-stable collateral), from the risk report. */
export function accountGreeks(p: Portfolio, assets: readonly string[]): { delta: Float64Array; gamma: Float64Array }[] {
  const report = riskReport(p);
  return p.accounts.map((account, ai) => {
    const delta = new Float64Array(assets.length);
    const gamma = new Float64Array(assets.length);
    for (const pos of report.accounts[ai]!.positions) {
      const i = assets.indexOf(pos.asset);
      if (i < 0) continue; // stable underlying
      delta[i] = delta[i]! + pos.delta;
      gamma[i] = gamma[i]! + pos.gamma;
    }
    for (const [asset, units] of Object.entries(account.collateral)) {
      const i = assets.indexOf(asset);
      if (i >= 0) delta[i] = delta[i]! + units;
    }
    return { delta, gamma };
  });
}

export function varReport(portfolio: Portfolio, histories: readonly PriceHistory[], options: VarOptions): VarReport {
  checkOptions(options);
  const horizons = options.horizons ?? DEFAULT_HORIZONS;
  const levels = options.levels ?? DEFAULT_LEVELS;
  const quantile = options.quantile ?? 'linear';
  const paths = options.paths ?? DEFAULT_PATHS;
  const seed = options.seed ?? DEFAULT_SEED;
  const progress = options.onProgress;
  const assets = riskAssets(portfolio);
  const book = compileBook(portfolio, assets);
  const nAcc = book.accountIds.length;
  const equity = new Float64Array(nAcc);
  evaluateAt(book, book.basePrices, equity);

  // account-major results: [account][horizon][level]; index nAcc = the book
  const varOut = Array.from({ length: nAcc + 1 }, () => new Map<string, number>());
  const esOut = Array.from({ length: nAcc + 1 }, () => new Map<string, number>());
  const put = (who: number, h: number, l: number, v: number, e: number): void => {
    varOut[who]!.set(`${h}|${l}`, v);
    esOut[who]!.set(`${h}|${l}`, e);
  };
  const scenarios: Record<string, number> = {};
  let window: VarReport['dataWindow'] = null;
  const model: VarReport['model'] = { vols: {}, nu: null };
  let liq: VarReport['liquidation'] = null;
  let liqResult: ReturnType<typeof liquidationProbabilities> | null = null;

  if (assets.length === 0) {
    for (const h of horizons) {
      scenarios[horizonLabel(h)] = 0;
      for (const l of levels) for (let w = 0; w <= nAcc; w++) put(w, h, l, 0, 0);
    }
  } else {
    const hourly = hourlyReturns(assets, histories, portfolio.market.asOf);
    const cov = hourlyCovariance(hourly);
    const d = assets.length;
    const chol = cholesky(correlationOf(cov, d), d, assets);
    const { vols, report: volReport } = modelVols(portfolio, hourly, cov);
    model.vols = volReport;
    const used = options.method === 'fhs' ? filteredReturns(hourly, options.fhsVol) : hourly;
    window = { ...dataWindow(used), assets: [...assets], sources: [...hourly.sources] };
    runMethod({ options, book, hourly: used, rawHourly: hourly, cov, chol, vols, horizons, levels, quantile, paths, seed, put, scenarios, model, progress });
    if (options.liquidation?.skip !== true) {
      const innovations = options.liquidation?.innovations ?? { kind: 'normal' };
      const monitoring = options.liquidation?.monitoring ?? 'continuous';
      liqResult = liquidationProbabilities(book, { assets, vols, chol, innovations }, {
        paths,
        horizons: LIQUIDATION_HORIZONS,
        stepHours: options.liquidation?.stepHours ?? 1,
        seed,
        monitoring,
        onProgress: progress === undefined ? undefined : (done, total) => progress('liquidation paths', done, total),
      });
      liq = { paths: liqResult.paths, stepHours: liqResult.stepHours, seed, monitoring, innovations: innovations.kind === 'normal' ? 'normal' : `student-t(${innovations.nu})` };
    }
  }

  const byHorizon = (m: Map<string, number>): ByHorizon => grid(horizons, levels, (h, l) => m.get(`${h}|${l}`)!);
  const liqFor = (a: number, se: boolean): Record<string, number | null> =>
    Object.fromEntries(
      LIQUIDATION_HORIZONS.map((h, hi) => {
        if (liqResult !== null) return [horizonLabel(h), (se ? liqResult.stdError : liqResult.probability)[a * LIQUIDATION_HORIZONS.length + hi]!];
        if (assets.length === 0) return [horizonLabel(h), se ? 0 : liquidatableNow(book)[a] ? 1 : 0];
        return [horizonLabel(h), null];
      }),
    );
  const total = equity.reduce((s, x) => s + x, 0);
  return {
    asOf: new Date(portfolio.market.asOf).toISOString(),
    method: options.method,
    quantile: options.method === 'parametric' ? null : quantile,
    horizons: horizons.map(horizonLabel),
    levels: levels.map(levelLabel),
    scenarios,
    dataWindow: window,
    model,
    liquidation: liq,
    accounts: book.accountIds.map((id, a) => ({
      id,
      equity: equity[a]!,
      var: byHorizon(varOut[a]!),
      es: byHorizon(esOut[a]!),
      liquidationProbability: liqFor(a, false),
      liquidationStdError: liqFor(a, true),
    })),
    book: { equity: total, var: byHorizon(varOut[nAcc]!), es: byHorizon(esOut[nAcc]!) },
  };
}

function liquidatableNow(book: CompiledBook): boolean[] {
  const eq = new Float64Array(book.accountIds.length);
  const liq = new Uint8Array(book.accountIds.length);
  evaluateAt(book, book.basePrices, eq, liq);
  return Array.from(liq, (v) => v === 1);
}

interface MethodContext {
  readonly options: VarOptions;
  readonly book: CompiledBook;
  /** Hourly returns the scenarios come from (filtered for FHS). */
  readonly hourly: HourlyReturns;
  readonly rawHourly: HourlyReturns;
  readonly cov: Float64Array;
  readonly chol: Float64Array;
  readonly vols: Float64Array;
  readonly horizons: readonly number[];
  readonly levels: readonly number[];
  readonly quantile: QuantileMethod;
  readonly paths: number;
  readonly seed: number;
  readonly put: (who: number, h: number, l: number, v: number, e: number) => void;
  readonly scenarios: Record<string, number>;
  readonly model: VarReport['model'];
  readonly progress: VarOptions['onProgress'];
}

function runMethod(c: MethodContext): void {
  const { book, horizons, levels } = c;
  const nAcc = book.accountIds.length;
  const d = book.assets.length;
  if (c.options.method === 'parametric') {
    const greeks = accountGreeks(book.portfolio, book.assets);
    const bookDelta = new Float64Array(d);
    const bookGamma = new Float64Array(d);
    for (const g of greeks) for (let i = 0; i < d; i++) {
      bookDelta[i] = bookDelta[i]! + g.delta[i]!;
      bookGamma[i] = bookGamma[i]! + g.gamma[i]!;
    }
    const all = [...greeks, { delta: bookDelta, gamma: bookGamma }];
    for (const h of horizons) {
      c.scenarios[horizonLabel(h)] = 0;
      const covH = c.cov.map((x) => x * h);
      for (const l of levels) {
        all.forEach((g, who) => {
          const r = deltaGammaVarEs({ spot: book.basePrices, delta: g.delta, gamma: g.gamma }, covH, l, c.options.cornishFisher ?? true);
          c.put(who, h, l, r.var, r.es);
        });
      }
    }
    return;
  }
  if (c.options.method === 'mc') c.model.nu = {};
  for (const [hi, h] of horizons.entries()) {
    const label = horizonLabel(h);
    let multipliers: Float64Array;
    if (c.options.method === 'mc') {
      const choice = c.options.mcInnovations ?? 'fit';
      const nu = choice === 'normal' ? null : choice === 'fit' ? fitNu(horizonReturns(c.rawHourly, h)) : choice.nu;
      c.model.nu![label] = nu;
      const m: McModel = { assets: book.assets, vols: c.vols, chol: c.chol, innovations: nu === null ? { kind: 'normal' } : { kind: 'student-t', nu } };
      const count = c.paths + (c.paths % 2);
      multipliers = monteCarloScenarios(m, h, count, new Xoshiro128(c.seed, 0x100 + hi));
    } else {
      const cols = horizonReturns(c.hourly, h);
      const n = cols[0]!.length;
      multipliers = new Float64Array(n * d);
      for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) multipliers[s * d + j] = Math.exp(cols[j]![s]!);
    }
    const count = multipliers.length / d;
    c.scenarios[label] = count;
    const r = evaluateScenarios(book, { assets: book.assets, count, multipliers }, {
      mode: 'equity',
      onProgress: c.progress === undefined ? undefined : (done, total) => c.progress!(`${c.options.method} ${label}`, done, total),
    });
    for (let who = 0; who <= nAcc; who++) {
      const pnl = who === nAcc ? r.bookPnl : r.pnl.subarray(who * count, (who + 1) * count);
      empiricalVarEs(pnl, levels, c.quantile).forEach((x, li) => c.put(who, h, levels[li]!, x.var, x.es));
    }
  }
}
