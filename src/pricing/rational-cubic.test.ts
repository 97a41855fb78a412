import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convexControlToFitSecondDerivativeAtLeft, convexControlToFitSecondDerivativeAtRight, rationalCubicInterpolation } from './rational-cubic.ts';

describe('rational cubic interpolation (Delbourgo-Gregory)', () => {
  it('hits the end values, and r = 3 is the cubic Hermite interpolant', () => {
    fc.assert(
      fc.property(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (yL, yR, dL, dR, t) => {
        const [xL, xR] = [1, 3];
        expect(rationalCubicInterpolation(xL, xL, xR, yL, yR, dL, dR, 7)).toBeCloseTo(yL, 12);
        expect(rationalCubicInterpolation(xR, xL, xR, yL, yR, dL, dR, 7)).toBeCloseTo(yR, 12);
        const h = xR - xL;
        const hermite = (2 * t ** 3 - 3 * t ** 2 + 1) * yL + (t ** 3 - 2 * t ** 2 + t) * h * dL + (-2 * t ** 3 + 3 * t ** 2) * yR + (t ** 3 - t ** 2) * h * dR;
        expect(rationalCubicInterpolation(xL + t * h, xL, xR, yL, yR, dL, dR, 3)).toBeCloseTo(hermite, 10);
      }),
    );
  });

  it('the fitted control parameter reproduces the requested second derivative and keeps convex data convex', () => {
    // y = x^2 on [0, 1]: slopes 0 and 2, second derivative 2 at either end
    const rL = convexControlToFitSecondDerivativeAtLeft(0, 1, 0, 1, 0, 2, 2, false);
    const rR = convexControlToFitSecondDerivativeAtRight(0, 1, 0, 1, 0, 2, 2, false);
    for (const r of [rL, rR]) {
      for (const x of [0.1, 0.25, 0.5, 0.9]) expect(rationalCubicInterpolation(x, 0, 1, 0, 1, 0, 2, r)).toBeCloseTo(x * x, 12);
    }
    // convex data with a far-off curvature request stays convex (second differences >= 0)
    const r = convexControlToFitSecondDerivativeAtRight(0, 1, 0, 1, 0.1, 5, -50, true);
    const ys = Array.from({ length: 21 }, (_, i) => rationalCubicInterpolation(i / 20, 0, 1, 0, 1, 0.1, 5, r));
    for (let i = 1; i < 20; i++) expect((ys[i - 1] as number) - 2 * (ys[i] as number) + (ys[i + 1] as number)).toBeGreaterThanOrEqual(-1e-12);
  });
});
