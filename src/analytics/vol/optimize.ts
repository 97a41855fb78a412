/**
 * Small derivative-free numerics for maximum likelihood (no dependency):
 * - nelderMead: MINIMISES f over R^d (standard coefficients: reflection 1, expansion 2, contraction ½, shrink ½).
 *   A non-finite f(x) counts as +Infinity, so infeasible points are simply rejected. Restarts: the simplex is rebuilt
 *   around the best point until a restart no longer improves f by more than `fTol` (this undoes a collapsed simplex,
 *   the classic Nelder-Mead failure).
 * - hessian: central finite differences with per-coordinate steps h_i (4 evaluations per off-diagonal entry), error
 *   O(h²); hessianRichardson combines steps h and h/2 as (4 H(h/2) - H(h)) / 3, error O(h⁴).
 * - invertSpd: inverse of a symmetric positive definite matrix by Cholesky; undefined when not positive definite.
 */

export type Vector = readonly number[];
export type Matrix = readonly (readonly number[])[];

export interface NelderMeadOptions {
  /** Initial simplex edge per coordinate (default 0.1 per coordinate). */
  readonly step?: number | Vector;
  /** Stop when the simplex's f values span at most fTol (absolute) and its size at most xTol. */
  readonly fTol?: number;
  readonly xTol?: number;
  /** Evaluation budget over all restarts (default 20000). */
  readonly maxEvaluations?: number;
  /** Extra restarts after the first run (default 10); stops early when a restart improves f by < fTol. */
  readonly restarts?: number;
}

export interface MinimumResult {
  readonly x: number[];
  readonly f: number;
  readonly evaluations: number;
  /** True when the last run met both tolerances and the last restart found no further improvement. */
  readonly converged: boolean;
}

const finiteOr = (v: number): number => (Number.isFinite(v) ? v : Infinity);

function runSimplex(f: (x: Vector) => number, x0: Vector, steps: Vector, fTol: number, xTol: number, budget: number) {
  const d = x0.length;
  const pts: number[][] = [Array.from(x0)];
  for (let i = 0; i < d; i++) {
    const p = Array.from(x0);
    p[i] = p[i]! + steps[i]!;
    pts.push(p);
  }
  const vals = pts.map((p) => finiteOr(f(p)));
  let evals = d + 1;
  const order = (): void => {
    const idx = pts.map((_, i) => i).sort((a, b) => vals[a]! - vals[b]!);
    const p2 = idx.map((i) => pts[i]!);
    const v2 = idx.map((i) => vals[i]!);
    p2.forEach((p, i) => (pts[i] = p));
    v2.forEach((v, i) => (vals[i] = v));
  };
  const at = (c: number[], toward: number[], t: number): number[] => c.map((ci, k) => ci + t * (toward[k]! - ci));
  let met = false;
  while (evals < budget) {
    order();
    const best = vals[0]!;
    const worst = vals[d]!;
    let size = 0;
    for (let i = 1; i <= d; i++) for (let k = 0; k < d; k++) size = Math.max(size, Math.abs(pts[i]![k]! - pts[0]![k]!));
    if (Number.isFinite(worst) && worst - best <= fTol && size <= xTol) {
      met = true;
      break;
    }
    const centroid = new Array<number>(d).fill(0);
    for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) centroid[k]! += pts[i]![k]! / d;
    const worstPt = pts[d]!;
    const xr = at(centroid, worstPt, -1);
    const fr = finiteOr(f(xr));
    evals++;
    if (fr < vals[0]!) {
      const xe = at(centroid, worstPt, -2);
      const fe = finiteOr(f(xe));
      evals++;
      [pts[d], vals[d]] = fe < fr ? [xe, fe] : [xr, fr];
      continue;
    }
    if (fr < vals[d - 1]!) {
      [pts[d], vals[d]] = [xr, fr];
      continue;
    }
    // contraction: outside when the reflection beat the worst point, inside otherwise
    const outside = fr < vals[d]!;
    const xc = at(centroid, outside ? xr : worstPt, 0.5);
    const fc = finiteOr(f(xc));
    evals++;
    if (fc < (outside ? fr : vals[d]!)) {
      [pts[d], vals[d]] = [xc, fc];
      continue;
    }
    for (let i = 1; i <= d; i++) {
      const shrunk = at(pts[0]!, pts[i]!, 0.5);
      pts[i] = shrunk;
      vals[i] = finiteOr(f(shrunk));
      evals++;
    }
  }
  order();
  return { x: pts[0]!, f: vals[0]!, evals, met };
}

/** Minimise f from x0 by Nelder-Mead with restarts (see the module comment). */
export function nelderMead(f: (x: Vector) => number, x0: Vector, options: NelderMeadOptions = {}): MinimumResult {
  const d = x0.length;
  const step = options.step ?? 0.1;
  const steps = typeof step === 'number' ? new Array<number>(d).fill(step) : step;
  const fTol = options.fTol ?? 1e-10;
  const xTol = options.xTol ?? 1e-8;
  const budget = options.maxEvaluations ?? 20_000;
  const restarts = options.restarts ?? 10;
  let evaluations = 0;
  let best = runSimplex(f, x0, steps, fTol, xTol, budget);
  evaluations += best.evals;
  let converged = false;
  for (let k = 0; k < restarts && evaluations < budget; k++) {
    // a fresh simplex, smaller each time, around the best point so far
    const scale = 0.5 ** (k + 1);
    const next = runSimplex(f, best.x, steps.map((s) => s * scale), fTol, xTol, budget - evaluations);
    evaluations += next.evals;
    const gain = best.f - next.f;
    if (next.f < best.f) best = next;
    if (gain <= fTol && next.met) {
      converged = true;
      break;
    }
  }
  return { x: best.x, f: best.f, evaluations, converged };
}

/** Hessian of f at x by central differences with steps h (one per coordinate). Entries may be NaN where f is not finite. */
export function hessian(f: (x: Vector) => number, x: Vector, h: Vector): number[][] {
  const d = x.length;
  const shifted = (moves: readonly [number, number][]): number => {
    const y = Array.from(x);
    for (const [i, s] of moves) y[i] = y[i]! + s * h[i]!;
    return f(y);
  };
  const f0 = f(x);
  const H = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    H[i]![i] = (shifted([[i, 1]]) - 2 * f0 + shifted([[i, -1]])) / (h[i]! * h[i]!);
    for (let j = 0; j < i; j++) {
      const v =
        (shifted([
          [i, 1],
          [j, 1],
        ]) -
          shifted([
            [i, 1],
            [j, -1],
          ]) -
          shifted([
            [i, -1],
            [j, 1],
          ]) +
          shifted([
            [i, -1],
            [j, -1],
          ])) /
        (4 * h[i]! * h[j]!);
      H[i]![j] = v;
      H[j]![i] = v;
    }
  }
  return H;
}

/** Richardson-extrapolated central-difference Hessian: (4 H(h/2) - H(h)) / 3. */
export function hessianRichardson(f: (x: Vector) => number, x: Vector, h: Vector): number[][] {
  const coarse = hessian(f, x, h);
  const fine = hessian(
    f,
    x,
    h.map((hi) => hi / 2),
  );
  return fine.map((row, i) => row.map((v, j) => (4 * v - coarse[i]![j]!) / 3));
}

/** Inverse of a symmetric positive definite matrix (Cholesky); undefined when it is not (or has non-finite entries). */
export function invertSpd(a: Matrix): number[][] | undefined {
  const d = a.length;
  const L = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) return undefined;
        L[i]![i] = Math.sqrt(s);
      } else {
        L[i]![j] = s / L[j]![j]!;
      }
    }
  }
  // inv(L) by forward substitution, then inv(A) = inv(L)^T inv(L)
  const Li = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    Li[i]![i] = 1 / L[i]![i]!;
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i]![k]! * Li[k]![j]!;
      Li[i]![j] = s / L[i]![i]!;
    }
  }
  const inv = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < d; k++) s += Li[k]![i]! * Li[k]![j]!;
      inv[i]![j] = s;
      inv[j]![i] = s;
    }
  }
  return inv;
}
