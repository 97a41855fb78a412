/**
 * GARCH(1,1) with a constant mean, Gaussian maximum likelihood. PER-PERIOD variances in the units of the input
 * series squared (log returns as fractions -> fraction², the DEM/GBP benchmark's percent returns -> percent²).
 *
 * Model: x_t = mu + e_t, e_t = sqrt(h_t) z_t, z_t ~ N(0, 1), h_t = omega + alpha e²_{t-1} + beta h_{t-1} (t = 2..n).
 * Log-likelihood (with the 2 pi term): LL = -½ sum_{t=1..n} (ln 2 pi + ln h_t + e_t² / h_t).
 * Constraints: omega > 0, alpha >= 0, beta >= 0, alpha + beta < 1 (covariance stationary).
 *
 * The first variance h_1 decides the estimates in the 4th digit, so it is an explicit option:
 * - 'fgarch' (default): h_1 = omega + (alpha + beta)·mean(e²), e from the same mu: R fGarch's "mci" recursion init,
 *   i.e. a pre-sample h_0 = e²_0 = mean(e²). Reproduces fGarch's garchFit and its log-likelihood.
 * - 'sample-variance': h_1 = var(x, ddof 0) = mean((x - mean(x))²), whatever mu is (the reference note's §3b row).
 * - { h1 }: a given first variance.
 *
 * Forecasts: h_{T+1} = omega + alpha e_T² + beta h_T, then h_{T+k} = omega + (alpha + beta) h_{T+k-1}, in closed form
 * h_{T+k} = sigma² + (alpha + beta)^{k-1} (h_{T+1} - sigma²), sigma² = omega / (1 - alpha - beta) the unconditional
 * variance it converges to.
 *
 * Estimation (fitGarch): the series is scaled by its standard deviation s (as fGarch does), so the optimiser sees
 * order-one numbers at any scale (hourly fractions or daily percent); mu = s·m, omega = s²·w, and the likelihood
 * shifts by -n ln s. Parameters are mapped to R^4 so the constraints cannot be violated: m free, w = exp(t1),
 * persistence p = alpha + beta = logistic(t2), share q = alpha / p = logistic(t3). Nelder-Mead with restarts (from
 * two starting persistences, the better kept), then the standard errors from the inverse of minus the numerical
 * Hessian of LL in (mu, omega, alpha, beta) (central differences, Richardson-extrapolated). An estimate on a bound (see MAX_PERSISTENCE) leaves the Hessian
 * meaningless: standard errors are null then.
 */
import { NumericalError, ValidationError, type FieldIssue } from '../../errors/index.ts';
import { assertFinite, assertLength, mean, variance, type Series } from './conventions.ts';
import { hessianRichardson, invertSpd, nelderMead, type Vector } from './optimize.ts';

export interface GarchParams {
  readonly mu: number;
  readonly omega: number;
  readonly alpha: number;
  readonly beta: number;
}

export type VarianceInit = 'fgarch' | 'sample-variance' | { readonly h1: number };

export interface GarchFilterResult {
  /** h[t]: conditional variance of observation t (h[0] = h_1). */
  readonly h: Float64Array;
  readonly logLikelihood: number;
  /** h_{T+1}: the next period's variance. */
  readonly nextVariance: number;
}

const LN_2PI = Math.log(2 * Math.PI);

/** Throws ValidationError naming each parameter outside omega > 0, alpha >= 0, beta >= 0 (finite mu). */
export function checkParams(p: GarchParams, requireStationary = false): void {
  const issues: FieldIssue[] = [];
  if (!Number.isFinite(p.mu)) issues.push({ path: 'mu', value: p.mu, message: 'must be a finite number' });
  if (!(Number.isFinite(p.omega) && p.omega > 0)) issues.push({ path: 'omega', value: p.omega, message: 'must be > 0' });
  if (!(Number.isFinite(p.alpha) && p.alpha >= 0)) issues.push({ path: 'alpha', value: p.alpha, message: 'must be >= 0' });
  if (!(Number.isFinite(p.beta) && p.beta >= 0)) issues.push({ path: 'beta', value: p.beta, message: 'must be >= 0' });
  if (requireStationary && issues.length === 0 && !(p.alpha + p.beta < 1)) {
    issues.push({ path: 'alpha + beta', value: p.alpha + p.beta, message: 'must be < 1 (no finite unconditional variance otherwise)' });
  }
  if (issues.length > 0) throw new ValidationError('garch parameters', issues);
}

/** h_1 under the chosen initialisation (see the module comment). */
export function initialVariance(x: Series, p: GarchParams, init: VarianceInit): number {
  if (init === 'sample-variance') return variance(x, 0);
  if (init === 'fgarch') {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += (x[i]! - p.mu) ** 2;
    return p.omega + (p.alpha + p.beta) * (s / x.length);
  }
  return init.h1;
}

function checkInit(init: VarianceInit): void {
  if (init === 'fgarch' || init === 'sample-variance') return;
  if (typeof init === 'object' && Number.isFinite(init.h1) && init.h1 > 0) return;
  const value = typeof init === 'object' ? init.h1 : init;
  throw new ValidationError('options', [{ path: 'init', value, message: "must be 'fgarch', 'sample-variance' or { h1 } with h1 > 0" }]);
}

/** LL and (optionally) the variance path, without validation: the optimiser's inner loop. */
function filterUnchecked(x: Series, p: GarchParams, h1: number, path?: Float64Array): { ll: number; next: number } {
  let h = h1;
  let ll = 0;
  let e2 = 0;
  for (let t = 0; t < x.length; t++) {
    if (t > 0) h = p.omega + p.alpha * e2 + p.beta * h;
    if (path !== undefined) path[t] = h;
    e2 = (x[t]! - p.mu) ** 2;
    ll += LN_2PI + Math.log(h) + e2 / h;
  }
  return { ll: -0.5 * ll, next: p.omega + p.alpha * e2 + p.beta * h };
}

/** Conditional variances, log-likelihood and next variance at fixed parameters. */
export function garchFilter(x: Series, p: GarchParams, init: VarianceInit = 'fgarch'): GarchFilterResult {
  assertFinite(x);
  assertLength(x, 1, 'returns', 'a GARCH filter needs data');
  checkParams(p);
  checkInit(init);
  const h = new Float64Array(x.length);
  const { ll, next } = filterUnchecked(x, p, initialVariance(x, p, init), h);
  return { h, logLikelihood: ll, nextVariance: next };
}

export const garchLogLikelihood = (x: Series, p: GarchParams, init: VarianceInit = 'fgarch'): number => garchFilter(x, p, init).logLikelihood;

/** sigma² = omega / (1 - alpha - beta); Infinity when alpha + beta >= 1. */
export const unconditionalVariance = (p: GarchParams): number => (p.alpha + p.beta < 1 ? p.omega / (1 - p.alpha - p.beta) : Infinity);

/**
 * Variances of steps 1..horizon ahead given h_{T+1} = nextVariance: closed form sigma² + p^{k-1}(h_{T+1} - sigma²)
 * when stationary, else the recursion h_{T+k} = omega + p h_{T+k-1} (p = alpha + beta).
 */
export function garchForecast(p: GarchParams, nextVariance: number, horizon: number): Float64Array {
  checkParams(p);
  checkHorizon(horizon);
  const out = new Float64Array(horizon);
  const persistence = p.alpha + p.beta;
  const sigma2 = unconditionalVariance(p);
  let h = nextVariance;
  for (let k = 0; k < horizon; k++) {
    out[k] = k === 0 || persistence >= 1 ? h : sigma2 + persistence ** k * (nextVariance - sigma2);
    h = p.omega + persistence * h;
  }
  return out;
}

export function checkHorizon(horizon: number): void {
  if (!(Number.isInteger(horizon) && horizon >= 1)) throw new ValidationError('options', [{ path: 'horizon', value: horizon, message: 'must be a whole number >= 1' }]);
}

export interface GarchFitOptions {
  /** First-variance convention; default 'fgarch'. */
  readonly init?: VarianceInit;
  /** Estimate mu (default true); false fixes mu = 0. */
  readonly includeMean?: boolean;
  /** Likelihood evaluations per start (default 20000). */
  readonly maxEvaluations?: number;
}

export interface GarchStandardErrors {
  /** null when mu is not estimated. */
  readonly mu: number | null;
  readonly omega: number;
  readonly alpha: number;
  readonly beta: number;
}

export interface GarchFit {
  readonly params: GarchParams;
  /** From the numerical Hessian; null at a bound or when the Hessian of -LL is not positive definite. */
  readonly standardErrors: GarchStandardErrors | null;
  readonly logLikelihood: number;
  readonly observations: number;
  readonly init: VarianceInit;
  readonly includeMean: boolean;
  /** alpha + beta. */
  readonly persistence: number;
  readonly unconditionalVariance: number;
  /** Conditional variances h_1..h_T. */
  readonly h: Float64Array;
  /** h_{T+1}. */
  readonly nextVariance: number;
  /**
   * The estimate ended on a search bound: alpha + beta = MAX_PERSISTENCE (the data prefer an integrated or explosive
   * GARCH; the unconditional variance is then not meaningful), alpha or beta ~ 0, or an extreme omega. Standard errors
   * are null then.
   */
  readonly atBound: boolean;
  /** Nelder-Mead met its tolerances and a restart found no better point. */
  readonly converged: boolean;
  readonly evaluations: number;
}

const logistic = (t: number): number => 1 / (1 + Math.exp(-t));
const clamp = (t: number, bound: number): number => Math.min(Math.max(t, -bound), bound);

/**
 * Bounds that keep the search finite: alpha + beta <= 1 - 1e-6; alpha / (alpha + beta) in logistic(±25), i.e. alpha
 * or beta down to about 1e-11 of the persistence; scaled omega in exp(±30). The mapped objective is flat beyond them,
 * so Nelder-Mead stops there instead of walking to infinity; an estimate that ends on one is flagged `atBound`.
 */
export const MAX_PERSISTENCE = 1 - 1e-6;
const SHARE_LOGIT_BOUND = 25;
const LOG_OMEGA_BOUND = 30;
const logit = (p: number): number => Math.log(p / (1 - p));

/** Fit GARCH(1,1) by Gaussian maximum likelihood (see the module comment). Needs at least 10 observations. */
export function fitGarch(x: Series, options: GarchFitOptions = {}): GarchFit {
  const init = options.init ?? 'fgarch';
  const includeMean = options.includeMean ?? true;
  checkInit(init);
  assertFinite(x);
  assertLength(x, 10, 'returns', 'a GARCH(1,1) fit');
  const n = x.length;
  const s = Math.sqrt(variance(x, 0));
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(x[i]!));
  if (!(s > 1e-12 * largest)) throw new ValidationError('returns', [{ path: 'returns', value: s, message: 'all values are equal: no variance to model' }]);
  const y = Float64Array.from(x, (v) => v / s);
  const scaledInit: VarianceInit = typeof init === 'object' ? { h1: init.h1 / (s * s) } : init;

  const toParams = (t: Vector): GarchParams => {
    const k = includeMean ? 1 : 0;
    const persistence = Math.min(logistic(t[k + 1]!), MAX_PERSISTENCE);
    const share = logistic(clamp(t[k + 2]!, SHARE_LOGIT_BOUND));
    return { mu: includeMean ? t[0]! : 0, omega: Math.exp(clamp(t[k]!, LOG_OMEGA_BOUND)), alpha: persistence * share, beta: persistence * (1 - share) };
  };
  const negLl = (p: GarchParams): number => -filterUnchecked(y, p, initialVariance(y, p, scaledInit)).ll;
  const objective = (t: Vector): number => negLl(toParams(t));

  const m0 = mean(y);
  const starts = [
    { persistence: 0.9, alpha: 0.1 },
    { persistence: 0.98, alpha: 0.05 },
  ].map(({ persistence, alpha }) => [
    ...(includeMean ? [m0] : []),
    Math.log(1 - persistence), // omega' = (1 - p)·1: unconditional variance 1 in scaled units
    logit(persistence),
    logit(alpha / persistence),
  ]);
  const budget = options.maxEvaluations ?? 20_000;
  let best: ReturnType<typeof nelderMead> | undefined;
  let evaluations = 0;
  for (const t0 of starts) {
    const r = nelderMead(objective, t0, { step: 0.2, fTol: 1e-12, xTol: 1e-10, maxEvaluations: budget, restarts: 12 });
    evaluations += r.evaluations;
    if (best === undefined || r.f < best.f) best = r;
  }
  if (best === undefined || !Number.isFinite(best.f)) throw new NumericalError('GARCH(1,1) likelihood is not finite at any trial point');
  const scaled = toParams(best.x);
  const k = includeMean ? 1 : 0;
  const atBound =
    scaled.alpha + scaled.beta >= MAX_PERSISTENCE * (1 - 1e-12) || Math.abs(best.x[k]!) >= LOG_OMEGA_BOUND || Math.abs(best.x[k + 2]!) >= SHARE_LOGIT_BOUND;
  const params: GarchParams = { mu: scaled.mu * s, omega: scaled.omega * s * s, alpha: scaled.alpha, beta: scaled.beta };
  const h = new Float64Array(n);
  const { ll, next } = filterUnchecked(x, params, initialVariance(x, params, init), h);
  return {
    params,
    standardErrors: atBound ? null : standardErrors(scaled, s, includeMean, negLl),
    logLikelihood: ll,
    observations: n,
    init,
    includeMean,
    persistence: params.alpha + params.beta,
    unconditionalVariance: unconditionalVariance(params),
    h,
    nextVariance: next,
    atBound,
    converged: best.converged,
    evaluations,
  };
}

/** sqrt(diag(inv(-H))) in scaled units, mapped back: se(mu) = s·se(m), se(omega) = s²·se(w). */
function standardErrors(p: GarchParams, s: number, includeMean: boolean, negLl: (p: GarchParams) => number): GarchStandardErrors | null {
  const x = includeMean ? [p.mu, p.omega, p.alpha, p.beta] : [p.omega, p.alpha, p.beta];
  const fromVector = (v: Vector): GarchParams =>
    includeMean ? { mu: v[0]!, omega: v[1]!, alpha: v[2]!, beta: v[3]! } : { mu: 0, omega: v[0]!, alpha: v[1]!, beta: v[2]! };
  // steps: 1e-4 for mu (order-one units after scaling), 1e-3 relative for the positive parameters, with Richardson
  // extrapolation (plain central differences at these steps are off by up to 0.2 % for a small alpha)
  const steps = x.map((v, i) => (includeMean && i === 0 ? 1e-4 : 1e-3 * v));
  if (steps.some((h) => !(h > 0))) return null;
  // -LL is minimised: its Hessian is the observed information matrix
  const info = hessianRichardson((v) => negLl(fromVector(v)), x, steps);
  const cov = invertSpd(info);
  if (cov === undefined) return null;
  const se = cov.map((row, i) => Math.sqrt(row[i]!));
  const k = includeMean ? 1 : 0;
  return { mu: includeMean ? se[0]! * s : null, omega: se[k]! * s * s, alpha: se[k + 1]!, beta: se[k + 2]! };
}
