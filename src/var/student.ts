/**
 * Student-t degrees of freedom from data, for fat-tailed Monte Carlo.
 * The unit-variance Student-t (the MC innovations, ./prng.ts) has density
 *   f(x; nu) = Gamma((nu+1)/2) / (Gamma(nu/2) sqrt(pi (nu-2))) (1 + x^2/(nu-2))^(-(nu+1)/2),  nu > 2.
 * fitNu: each column is standardised by its own sample mean and sd (ddof 1), the columns are pooled, and nu maximises
 * the pooled log-likelihood by golden-section search on ln nu over [NU_MIN, NU_MAX] (the profile is unimodal in
 * practice). Overlapping horizon returns are not independent: this is then a pseudo-likelihood, consistent but with
 * fewer effective observations than samples. A fit at NU_MAX means "no detectable fat tails" (close to normal).
 */
import { ValidationError } from '../errors/index.ts';

export const NU_MIN = 2.5;
export const NU_MAX = 100;

// Lanczos approximation (g = 7, n = 9), ~1e-15 relative for x > 0.5.
const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** ln Gamma(x) for x > 0. */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const y = x - 1;
  let a = LANCZOS[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Log density of the unit-variance Student-t at x. */
export function studentLogPdf(x: number, nu: number): number {
  return lnGamma((nu + 1) / 2) - lnGamma(nu / 2) - 0.5 * Math.log(Math.PI * (nu - 2)) - ((nu + 1) / 2) * Math.log1p((x * x) / (nu - 2));
}

function standardisedPool(columns: readonly ArrayLike<number>[]): Float64Array {
  const total = columns.reduce((s, c) => s + c.length, 0);
  const out = new Float64Array(total);
  let k = 0;
  for (const c of columns) {
    const n = c.length;
    if (n < 3) continue;
    let m = 0;
    for (let i = 0; i < n; i++) m += c[i]!;
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (c[i]! - m) ** 2;
    const sd = Math.sqrt(v / (n - 1));
    if (!(sd > 0)) continue;
    for (let i = 0; i < n; i++) out[k++] = (c[i]! - m) / sd;
  }
  return out.subarray(0, k);
}

/** Maximum-likelihood nu of the pooled standardised columns (see the module comment). */
export function fitNu(columns: readonly ArrayLike<number>[]): number {
  const x = standardisedPool(columns);
  if (x.length < 30) throw new ValidationError('student-t fit', [{ path: 'observations', value: x.length, message: 'needs at least 30 values' }]);
  const ll = (lnNu: number): number => {
    const nu = Math.exp(lnNu);
    const c = lnGamma((nu + 1) / 2) - lnGamma(nu / 2) - 0.5 * Math.log(Math.PI * (nu - 2));
    const k = (nu + 1) / 2;
    const inv = 1 / (nu - 2);
    let s = 0;
    for (let i = 0; i < x.length; i++) s += Math.log1p(x[i]! * x[i]! * inv);
    return x.length * c - k * s;
  };
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(NU_MIN);
  let b = Math.log(NU_MAX);
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let fc = ll(c);
  let fd = ll(d);
  while (b - a > 1e-4) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - phi * (b - a);
      fc = ll(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + phi * (b - a);
      fd = ll(d);
    }
  }
  return Math.exp((a + b) / 2);
}
