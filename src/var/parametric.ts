/**
 * Parametric delta-gamma VaR (Cornish-Fisher optional).
 *
 * Conventions:
 * - Per underlying i: delta_i (underlying units: positions plus non-stable collateral, risk/report.ts netDelta) and
 *   gamma_i (per 1 USD, summed over positions) at the mark S_i. With r the vector of horizon log returns, treated as
 *   simple returns to second order (dS_i = S_i r_i):  P&L = a'r + r'Br / 2,  a_i = delta_i S_i (USD),
 *   B = diag(gamma_i S_i^2). No cross-gammas (every position has one underlying).
 * - r ~ N(0, Sigma_h), Sigma_h = h x the hourly covariance of log returns (square-root-of-time, zero mean).
 * - Cumulants of the quadratic form (Mathai and Provost 1992; Zangari 1996), M = B Sigma:
 *     k1 = tr(M)/2, k2 = a'Sigma a + tr(M^2)/2, k3 = 3 a'Sigma B Sigma a + tr(M^3), k4 = 12 a'Sigma (B Sigma)^2 a + 3 tr(M^4).
 * - VaR/ES: normal with mean k1 and variance k2, or Cornish-Fisher with skewness k3/k2^1.5 and excess kurtosis
 *   k4/k2^2 (./quantile.ts). A book with no gamma is normal either way (delta-normal).
 */
import type { SquareMatrix } from './linalg.ts';
import { cornishFisherVarEs, normalVarEs, type Moments, type VarEs } from './quantile.ts';

export interface DeltaGamma {
  /** Mark of each asset (USD), delta (units) and gamma (per USD), in the covariance's asset order. */
  readonly spot: ArrayLike<number>;
  readonly delta: ArrayLike<number>;
  readonly gamma: ArrayLike<number>;
}

const matMul = (x: SquareMatrix, y: SquareMatrix, d: number): SquareMatrix => {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) out[i * d + j] = out[i * d + j]! + x[i * d + k]! * y[k * d + j]!;
  return out;
};
const trace = (x: SquareMatrix, d: number): number => {
  let s = 0;
  for (let i = 0; i < d; i++) s += x[i * d + i]!;
  return s;
};
/** u' X v. */
const bilinear = (u: Float64Array, x: SquareMatrix, v: Float64Array, d: number): number => {
  let s = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += u[i]! * x[i * d + j]! * v[j]!;
  return s;
};

/** Mean, variance, skewness and excess kurtosis of the delta-gamma P&L under r ~ N(0, cov) (d x d). */
export function deltaGammaMoments(dg: DeltaGamma, cov: SquareMatrix): Moments {
  const d = dg.spot.length;
  const a = Float64Array.from({ length: d }, (_, i) => dg.delta[i]! * dg.spot[i]!);
  const B = new Float64Array(d * d);
  for (let i = 0; i < d; i++) B[i * d + i] = dg.gamma[i]! * dg.spot[i]! * dg.spot[i]!;
  const M = matMul(B, cov, d);
  const M2 = matMul(M, M, d);
  const SBS = matMul(cov, matMul(B, cov, d), d); // Sigma B Sigma
  const SBSBS = matMul(SBS, M, d); // Sigma B Sigma B Sigma
  const k1 = trace(M, d) / 2;
  const k2 = bilinear(a, cov, a, d) + trace(M2, d) / 2;
  const k3 = 3 * bilinear(a, SBS, a, d) + trace(matMul(M2, M, d), d);
  const k4 = 12 * bilinear(a, SBSBS, a, d) + 3 * trace(matMul(M2, M2, d), d);
  if (!(k2 > 0)) return { mean: k1, variance: 0, skewness: 0, excessKurtosis: 0 };
  return { mean: k1, variance: k2, skewness: k3 / k2 ** 1.5, excessKurtosis: k4 / (k2 * k2) };
}

/** VaR and ES of the delta-gamma P&L at `level`: Cornish-Fisher (default) or normal on the first two cumulants. */
export function deltaGammaVarEs(dg: DeltaGamma, cov: SquareMatrix, level: number, cornishFisher = true): VarEs {
  const m = deltaGammaMoments(dg, cov);
  if (m.variance === 0) return { var: 0 - m.mean, es: 0 - m.mean };
  return cornishFisher ? cornishFisherVarEs(m, level) : normalVarEs(m.mean, Math.sqrt(m.variance), level);
}
