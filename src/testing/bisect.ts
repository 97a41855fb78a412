/**
 * Test-only reference root finder: plain bisection, independent of the production solver (liquidation/brent.ts),
 * so tests check the solver against something it does not share code with.
 * Bisection on f between lo and hi (opposite signs, either order) down to adjacent doubles; returns the end with
 * the smaller |f|. Throws when the bracket has no sign change.
 */
export function bisect(f: (x: number) => number, lo: number, hi: number): number {
  let flo = f(lo);
  let fhi = f(hi);
  if (flo > 0 === fhi > 0) throw new Error(`bisect: no sign change on [${lo}, ${hi}] (f = ${flo}, ${fhi})`);
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break; // adjacent doubles (either order of lo, hi)
    const fm = f(mid);
    if (fm > 0 === flo > 0) [lo, flo] = [mid, fm];
    else [hi, fhi] = [mid, fm];
  }
  return Math.abs(flo) < Math.abs(fhi) ? lo : hi;
}
