/**
 * Monte Carlo price model: correlated geometric Brownian motion with zero drift, optionally with fat-tailed
 * (Student-t) innovations, and the one-step scenarios MC VaR revalues.
 *
 * Conventions:
 * - Log return of asset i over dt years (ACT/365: hours / 8760): x_i = -sigma_i^2 dt / 2 + sigma_i sqrt(dt) (L e)_i,
 *   L the lower Cholesky factor of the correlation matrix (./linalg.ts), e i.i.d. unit-variance innovations. With
 *   normal e the price is a martingale (zero drift, dS = sigma S dW); with Student-t e the -sigma^2 dt / 2 term is
 *   kept (the log return has the same mean and variance as GBM's) but E[S] is not preserved exactly.
 * - Student-t: multivariate t (one chi-square mixing draw per step shared by all assets, so crashes are joint),
 *   scaled to unit variance: e = z sqrt((nu - 2) / W), W ~ chi-square(nu); each (L e)_i is then a unit-variance t.
 * - Antithetic variates: scenarios (and paths) come in pairs (e, -e), the pair sharing the mixing draw W.
 * - Deterministic: a seeded xoshiro128** (./prng.ts), never Math.random.
 */
import { ValidationError } from '../errors/index.ts';
import { HOURS_PER_YEAR } from './history.ts';
import { checkNu, Xoshiro128 } from './prng.ts';

export type Innovations = { readonly kind: 'normal' } | { readonly kind: 'student-t'; readonly nu: number };

export interface McModel {
  readonly assets: readonly string[];
  /** Annualised vol per asset (> 0). */
  readonly vols: Float64Array;
  /** Lower Cholesky factor of the correlation matrix, row-major d x d. */
  readonly chol: Float64Array;
  readonly innovations: Innovations;
}

export function checkModel(m: McModel): void {
  const d = m.assets.length;
  if (m.vols.length !== d || m.chol.length !== d * d) throw new ValidationError('mc model', [{ path: 'vols/chol', value: [m.vols.length, m.chol.length], message: `must hold ${d} vols and a ${d} x ${d} factor` }]);
  m.vols.forEach((v, i) => {
    if (!(v > 0 && Number.isFinite(v))) throw new ValidationError('mc model', [{ path: `vols.${m.assets[i]}`, value: v, message: 'must be an annualised vol > 0' }]);
  });
  if (m.innovations.kind === 'student-t') checkNu(m.innovations.nu);
}

/**
 * Draws the correlated innovation vector (L e) into `out` (length d) using `z` (length d) as scratch, and returns
 * the same vector for the antithetic twin when negated. Allocation-free.
 */
export function drawCorrelated(rng: Xoshiro128, m: McModel, z: Float64Array, out: Float64Array): void {
  const d = z.length;
  const scale = m.innovations.kind === 'student-t' ? rng.studentScale(m.innovations.nu) : 1;
  for (let i = 0; i < d; i++) z[i] = rng.normal() * scale;
  const L = m.chol;
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k <= i; k++) s += L[i * d + k]! * z[k]!;
    out[i] = s;
  }
}

/**
 * `count` one-step price-multiplier scenarios over `hours` (row-major count x d, P' = P m), antithetic pairs
 * (scenario 2k + 1 mirrors 2k; an odd count leaves the last one unpaired).
 */
export function monteCarloScenarios(m: McModel, hours: number, count: number, rng: Xoshiro128): Float64Array {
  checkModel(m);
  if (!(hours > 0 && Number.isFinite(hours))) throw new ValidationError('options', [{ path: 'horizon', value: hours, message: 'must be > 0 hours' }]);
  if (!(Number.isInteger(count) && count >= 2)) throw new ValidationError('options', [{ path: 'paths', value: count, message: 'must be a whole number >= 2' }]);
  const d = m.assets.length;
  const dt = hours / HOURS_PER_YEAR;
  const drift = Float64Array.from(m.vols, (v) => -0.5 * v * v * dt);
  const sd = Float64Array.from(m.vols, (v) => v * Math.sqrt(dt));
  const out = new Float64Array(count * d);
  const z = new Float64Array(d);
  const e = new Float64Array(d);
  for (let s = 0; s < count; s += 2) {
    drawCorrelated(rng, m, z, e);
    for (let i = 0; i < d; i++) out[s * d + i] = Math.exp(drift[i]! + sd[i]! * e[i]!);
    if (s + 1 < count) for (let i = 0; i < d; i++) out[(s + 1) * d + i] = Math.exp(drift[i]! - sd[i]! * e[i]!);
  }
  return out;
}
