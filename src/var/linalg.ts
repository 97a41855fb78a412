/**
 * Small dense linear algebra for covariance work: square matrices as row-major Float64Array (n x n).
 * - cholesky(A): lower-triangular L with A = L L^T (Cholesky-Banachiewicz), for A symmetric positive definite;
 *   a pivot <= tol x max diagonal is not positive definite (e.g. two perfectly correlated series) and throws.
 * - sampleCovariance: ddof 1, means removed; columns are the series.
 */
import { NumericalError, ValidationError } from '../errors/index.ts';

/** Row-major n x n: a[i * n + j]. */
export type SquareMatrix = Float64Array;

export function cholesky(a: SquareMatrix, n: number, names?: readonly string[]): SquareMatrix {
  if (a.length !== n * n) throw new ValidationError('matrix', [{ path: 'length', value: a.length, message: `must be n x n = ${n * n}` }]);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(a[i * n + i]!));
  const tol = 1e-12 * maxDiag;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > tol)) {
          const who = names?.[i] ?? `row ${i}`;
          throw new NumericalError(`matrix is not positive definite at ${who} (pivot ${s}): a series is (nearly) a combination of the others`);
        }
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  return l;
}

/** Sample covariance (ddof 1, means removed) of equally long columns. */
export function sampleCovariance(columns: readonly ArrayLike<number>[]): SquareMatrix {
  const n = columns.length;
  const len = columns[0]?.length ?? 0;
  if (len < 2) throw new ValidationError('covariance', [{ path: 'observations', value: len, message: 'needs at least 2 observations' }]);
  const means = columns.map((c) => {
    let s = 0;
    for (let t = 0; t < len; t++) s += c[t]!;
    return s / len;
  });
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ci = columns[i]!;
    const mi = means[i]!;
    for (let j = 0; j <= i; j++) {
      const cj = columns[j]!;
      const mj = means[j]!;
      let s = 0;
      for (let t = 0; t < len; t++) s += (ci[t]! - mi) * (cj[t]! - mj);
      out[i * n + j] = out[j * n + i] = s / (len - 1);
    }
  }
  return out;
}

/** Correlation matrix of a covariance matrix. */
export function correlationOf(cov: SquareMatrix, n: number): SquareMatrix {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = i === j ? 1 : cov[i * n + j]! / Math.sqrt(cov[i * n + i]! * cov[j * n + j]!);
  }
  return out;
}
