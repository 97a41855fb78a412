/**
 * Shape-preserving rational cubic interpolation on one interval (R. Delbourgo and J. A. Gregory, "Shape preserving
 * piecewise rational interpolation", SIAM J. Sci. Stat. Comput. 6 (1985)), as used by Jäckel's "Let's Be Rational"
 * for the implied-vol initial guess. On [xL, xR] with values yL, yR and slopes dL, dR, with t = (x - xL)/h:
 *
 *   y(x) = [yR t^3 + (r yR - h dR) t^2 (1-t) + (r yL + h dL) t (1-t)^2 + yL (1-t)^3] / [1 + (r - 3) t (1-t)]
 *
 * r = 3 is the ordinary cubic Hermite; r -> infinity tends to linear interpolation. The control parameter r can be
 * chosen to match a second derivative at one end, and bounded below to keep the data's monotonicity/convexity.
 */
const DBL_EPSILON = 2.220446049250313e-16;
const DBL_MIN = 2.2250738585072014e-308;
const MIN_R = -(1 - Math.sqrt(DBL_EPSILON));
const MAX_R = 2 / (DBL_EPSILON * DBL_EPSILON);

const isZero = (v: number): boolean => Math.abs(v) < DBL_MIN;

export function rationalCubicInterpolation(
  x: number, xL: number, xR: number, yL: number, yR: number, dL: number, dR: number, r: number,
): number {
  const h = xR - xL;
  if (Math.abs(h) <= 0) return 0.5 * (yL + yR);
  const t = (x - xL) / h;
  if (r >= MAX_R) return yR * t + yL * (1 - t); // linear limit, no overflow
  const omt = 1 - t;
  const t2 = t * t;
  const omt2 = omt * omt;
  return (yR * t2 * t + (r * yR - h * dR) * t2 * omt + (r * yL + h * dL) * t * omt2 + yL * omt2 * omt) / (1 + (r - 3) * t * omt);
}

/** r such that the interpolant's second derivative at xL equals secondL. */
function controlToFitSecondDerivativeAtLeft(xL: number, xR: number, yL: number, yR: number, dL: number, dR: number, secondL: number): number {
  const h = xR - xL;
  const numerator = 0.5 * h * secondL + (dR - dL);
  if (isZero(numerator)) return 0;
  const denominator = (yR - yL) / h - dL;
  if (isZero(denominator)) return numerator > 0 ? MAX_R : MIN_R;
  return numerator / denominator;
}

/** r such that the interpolant's second derivative at xR equals secondR. */
function controlToFitSecondDerivativeAtRight(xL: number, xR: number, yL: number, yR: number, dL: number, dR: number, secondR: number): number {
  const h = xR - xL;
  const numerator = 0.5 * h * secondR + (dR - dL);
  if (isZero(numerator)) return 0;
  const denominator = dR - (yR - yL) / h;
  if (isZero(denominator)) return numerator > 0 ? MAX_R : MIN_R;
  return numerator / denominator;
}

/**
 * Smallest r that keeps the interpolant monotone (Delbourgo-Gregory (3.8)) and convex/concave ((3.18)) where the
 * data (end slopes dL, dR and secant slope s) allow it.
 */
function minimumControl(dL: number, dR: number, s: number, preferShapePreservation: boolean): number {
  const monotonic = dL * s >= 0 && dR * s >= 0;
  const convex = dL <= s && s <= dR;
  const concave = dL >= s && s >= dR;
  if (!monotonic && !convex && !concave) return MIN_R;
  const dRmdL = dR - dL;
  const dRms = dR - s;
  const smdL = s - dL;
  let r1 = -Number.MAX_VALUE;
  let r2 = r1;
  if (monotonic) {
    if (!isZero(s)) r1 = (dR + dL) / s;
    else if (preferShapePreservation) r1 = MAX_R;
  }
  if (convex || concave) {
    if (!(isZero(smdL) || isZero(dRms))) r2 = Math.max(Math.abs(dRmdL / dRms), Math.abs(dRmdL / smdL));
    else if (preferShapePreservation) r2 = MAX_R;
  } else if (monotonic && preferShapePreservation) {
    r2 = MAX_R;
  }
  return Math.max(MIN_R, r1, r2);
}

export function convexControlToFitSecondDerivativeAtLeft(
  xL: number, xR: number, yL: number, yR: number, dL: number, dR: number, secondL: number, preferShapePreservation: boolean,
): number {
  const r = controlToFitSecondDerivativeAtLeft(xL, xR, yL, yR, dL, dR, secondL);
  return Math.max(r, minimumControl(dL, dR, (yR - yL) / (xR - xL), preferShapePreservation));
}

export function convexControlToFitSecondDerivativeAtRight(
  xL: number, xR: number, yL: number, yR: number, dL: number, dR: number, secondR: number, preferShapePreservation: boolean,
): number {
  const r = controlToFitSecondDerivativeAtRight(xL, xR, yL, yR, dL, dR, secondR);
  return Math.max(r, minimumControl(dL, dR, (yR - yL) / (xR - xL), preferShapePreservation));
}
