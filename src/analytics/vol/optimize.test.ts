import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hessian, hessianRichardson, invertSpd, nelderMead, type Vector } from './optimize.ts';

describe('Nelder-Mead with restarts', () => {
  it('finds the Rosenbrock minimum (1, 1)', () => {
    const rosen = (x: Vector): number => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
    const r = nelderMead(rosen, [-1.2, 1], { fTol: 1e-16, xTol: 1e-10 });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
    expect(r.f).toBeLessThan(1e-12);
  });
  it('treats a non-finite objective as infeasible', () => {
    // minimum of (x - 2)² on x > 0, NaN elsewhere, started next to the wall
    const r = nelderMead((x) => (x[0]! > 0 ? (x[0]! - 2) ** 2 : Number.NaN), [0.05], { step: 0.5 });
    expect(r.x[0]).toBeCloseTo(2, 6);
  });
  it('stops at the evaluation budget', () => {
    const r = nelderMead((x) => x[0]! ** 2 + x[1]! ** 2, [5, 5], { maxEvaluations: 30 });
    expect(r.evaluations).toBeLessThanOrEqual(40);
    expect(r.converged).toBe(false);
  });
});

describe('finite-difference Hessian and SPD inverse', () => {
  it('is exact for a quadratic; Richardson for a quartic term', () => {
    const q = (x: Vector): number => 3 * x[0]! ** 2 + 2 * x[0]! * x[1]! + 5 * x[1]! ** 2;
    const H = hessian(q, [0.3, -0.7], [1e-3, 1e-3]);
    expect(H[0]![0]).toBeCloseTo(6, 5);
    expect(H[0]![1]).toBeCloseTo(2, 5);
    expect(H[1]![1]).toBeCloseTo(10, 5);
    const quartic = (x: Vector): number => x[0]! ** 4;
    expect(Math.abs(hessianRichardson(quartic, [1], [0.1])[0]![0]! - 12)).toBeLessThan(Math.abs(hessian(quartic, [1], [0.1])[0]![0]! - 12) / 100);
  });
  it('inverts random SPD matrices (A inv(A) = I) and refuses indefinite ones', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 9, maxLength: 9 }), (v) => {
        // A = B Bᵀ + I is symmetric positive definite
        const B = [v.slice(0, 3), v.slice(3, 6), v.slice(6, 9)];
        const A = B.map((bi, i) => B.map((bj, j) => bi.reduce((s, x, k) => s + x * bj[k]!, 0) + (i === j ? 1 : 0)));
        const inv = invertSpd(A)!;
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(A[i]!.reduce((s, x, k) => s + x * inv[k]![j]!, 0)).toBeCloseTo(i === j ? 1 : 0, 9);
      }),
    );
    expect(invertSpd([
      [1, 2],
      [2, 1],
    ])).toBeUndefined();
    expect(invertSpd([[Number.NaN]])).toBeUndefined();
  });
});
