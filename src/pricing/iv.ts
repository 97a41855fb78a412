/**
 * Black implied volatility after P. Jäckel, "Let's Be Rational" (Wilmott 2015), written from the paper's recipe:
 *
 * 1. Normalise: x = ln(F/K), beta = undiscounted price / sqrt(F K); in the money, subtract the intrinsic value and
 *    switch call <-> put (put-call parity), then map the put to a call with x -> -x. What is left is an
 *    out-of-the-money call, x <= 0, with 0 < beta < b_max = e^{x/2}, and s = sigma sqrt(T) solves b(x, s) = beta
 *    (normalised-black.ts).
 * 2. Initial guess: the inflection point s_c = sqrt(2|x|) and the tangents there split (0, b_max) into four
 *    segments. In the two middle ones s(beta) is interpolated by a rational cubic; in the lowest one the function
 *    f_lower(s) = 2 pi |x|/sqrt(27) Phi(-|x|/(sqrt3 s))^3 and in the highest one f_upper(s) = Phi(-s/2) are
 *    interpolated in beta and inverted exactly, which reproduces the asymptotics of b at s -> 0 and s -> infinity.
 * 3. Householder steps of order 3 on an objective chosen per segment (1/ln b - 1/ln beta in the lowest,
 *    ln((b_max - beta)/(b_max - b)) in the highest, b - beta in between), which makes the steps close to linear.
 *    Two steps reach machine precision (Jäckel's analysis); a bracket [s_left, s_right] is kept and a step that
 *    leaves it, or three direction reversals, falls back to bisection. Up to MAX_ITERATIONS steps are allowed, so
 *    the answer is converged or bisected to machine precision over the whole no-arbitrage range.
 *
 * Conventions: F forward and K strike in USD, T years (ACT/365), sigma annualised; price in USD per unit, either
 * undiscounted (df = 1, Black-76 with r = 0) or discounted by df = exp(-r T).
 */
import { NumericalError } from '../errors/index.ts';
import type { Right } from './black.ts';
import { PriceBoundError, PricingInputError } from './errors.ts';
import { normCdf, normInv, normPdf } from './normal.ts';
import { normalisedBlackCall, normalisedIntrinsic, normalisedVega } from './normalised-black.ts';
import {
  convexControlToFitSecondDerivativeAtLeft,
  convexControlToFitSecondDerivativeAtRight,
  rationalCubicInterpolation,
} from './rational-cubic.ts';

export interface ImpliedVolInput {
  readonly right: Right;
  /** Forward F (USD). */
  readonly forward: number;
  /** Strike K (USD). */
  readonly strike: number;
  /** Years to expiry, ACT/365. */
  readonly years: number;
  /** Option price per unit (USD): undiscounted, or discounted by `df`. */
  readonly price: number;
  /** Discount factor exp(-r T) the price includes; default 1 (undiscounted). */
  readonly df?: number;
}

const DBL_EPSILON = 2.220446049250313e-16;
const DBL_MIN = 2.2250738585072014e-308;
const DBL_MAX = Number.MAX_VALUE;
const SQRT_DBL_MAX = Math.sqrt(DBL_MAX);
const MAX_ITERATIONS = 10;
const SQRT3 = Math.sqrt(3);
const TWO_PI = 2 * Math.PI;
const TWO_PI_OVER_SQRT27 = TWO_PI / Math.sqrt(27);
const SQRT_PI_OVER_2 = Math.sqrt(Math.PI / 2);

/**
 * Implied Black vol sigma (annualised) of an option price. Throws PriceBoundError when the price is not strictly
 * inside (df intrinsic, df F) for a call or (df intrinsic, df K) for a put, PricingInputError for non-positive
 * F, K, T, df or a non-finite price, and NumericalError if the price is too small to carry information (normalised
 * price below the smallest normal double).
 */
export function impliedVol(input: ImpliedVolInput): number {
  const { right, forward: F, strike: K, years: T, price } = input;
  const df = input.df ?? 1;
  if (!(F > 0 && F < Infinity)) throw new PricingInputError('forward', F, 'a positive finite number');
  if (!(K > 0 && K < Infinity)) throw new PricingInputError('strike', K, 'a positive finite number');
  if (!(T > 0 && T < Infinity)) throw new PricingInputError('years', T, 'a positive finite number');
  if (!(df > 0 && df < Infinity)) throw new PricingInputError('df', df, 'a positive finite number');
  if (!Number.isFinite(price)) throw new PricingInputError('price', price, 'a finite number');
  const theta = right === 'call' ? 1 : -1;
  const p = price / df; // undiscounted
  const intrinsic = Math.max(theta * (F - K), 0);
  if (!(p > intrinsic)) throw new PriceBoundError(price, intrinsic * df, 'intrinsic');
  const upper = theta > 0 ? F : K;
  if (!(p < upper)) throw new PriceBoundError(price, upper * df, 'upper');
  let x = Math.log(F / K);
  let q: 1 | -1 = theta;
  let timeValue = p;
  if (q * x > 0) {
    timeValue = p - intrinsic; // > 0 exactly, since p > intrinsic
    q = q > 0 ? -1 : 1;
  }
  if (q < 0) x = -x; // put -> call on the reciprocal strike
  const beta = timeValue / (Math.sqrt(F) * Math.sqrt(K));
  if (!(beta >= DBL_MIN)) {
    throw new NumericalError(`price ${price} is too small relative to sqrt(F K) = ${Math.sqrt(F * K)} to imply a vol`);
  }
  const s = normalisedImpliedVolOtmCall(beta, x);
  const sigma = s / Math.sqrt(T);
  if (!(sigma > 0 && sigma < Infinity)) throw new NumericalError(`implied vol did not converge (price ${price}, F ${F}, K ${K}, T ${T})`);
  return sigma;
}

/**
 * s = sigma sqrt(T) for a normalised price beta and log-moneyness x, theta = +1 call / -1 put, any moneyness.
 * Returns 0 at the intrinsic value; throws PriceBoundError outside (intrinsic, b_max).
 */
export function normalisedImpliedVol(beta: number, x: number, theta: 1 | -1): number {
  let b = beta;
  let q = theta;
  let xx = x;
  const intrinsic = normalisedIntrinsic(xx, q);
  if (q * xx > 0) {
    b -= intrinsic;
    q = q > 0 ? -1 : 1;
  }
  if (b < 0) throw new PriceBoundError(beta, intrinsic, 'intrinsic');
  if (q < 0) xx = -xx;
  if (b === 0) return 0;
  if (!(b < Math.exp(0.5 * xx))) throw new PriceBoundError(beta, intrinsic + Math.exp(0.5 * xx), 'upper');
  return normalisedImpliedVolOtmCall(b, xx);
}

const householderFactor = (newton: number, halley: number, hh3: number): number =>
  (1 + 0.5 * halley * newton) / (1 + newton * (halley + (hh3 * newton) / 6));

/** Solves b(x, s) = beta for an out-of-the-money call: x <= 0, 0 < beta < e^{x/2}. */
function normalisedImpliedVolOtmCall(beta: number, x: number): number {
  const bMax = Math.exp(0.5 * x);
  const sC = Math.sqrt(Math.abs(2 * x));
  const bC = normalisedBlackCall(x, sC);
  const vC = normalisedVega(x, sC);
  if (beta < bC) {
    const sL = sC - bC / vC;
    const bL = normalisedBlackCall(x, sL);
    if (beta < bL) {
      // lowest segment: interpolate f_lower(beta), invert; objective 1/ln(b) - 1/ln(beta)
      const [fL, dfL, d2fL] = fLowerMap(x, sL);
      const r = convexControlToFitSecondDerivativeAtRight(0, bL, 0, fL, 1, dfL, d2fL, true);
      let f = rationalCubicInterpolation(beta, 0, bL, 0, fL, 1, dfL, r);
      if (!(f > 0)) {
        const t = beta / bL; // quadratic through f(0) = 0, f'(0) = 1, f(bL) (extreme |x| roundoff)
        f = (fL * t + bL * (1 - t)) * t;
      }
      return iterate(beta, x, inverseFLowerMap(x, f), DBL_MIN, sL, 'lower', bMax);
    }
    const vL = normalisedVega(x, sL);
    const r = convexControlToFitSecondDerivativeAtRight(bL, bC, sL, sC, 1 / vL, 1 / vC, 0, false);
    return iterate(beta, x, rationalCubicInterpolation(beta, bL, bC, sL, sC, 1 / vL, 1 / vC, r), sL, sC, 'middle', bMax);
  }
  const sH = vC > DBL_MIN ? sC + (bMax - bC) / vC : sC;
  const bH = normalisedBlackCall(x, sH);
  if (beta <= bH) {
    const vH = normalisedVega(x, sH);
    const r = convexControlToFitSecondDerivativeAtLeft(bC, bH, sC, sH, 1 / vC, 1 / vH, 0, false);
    return iterate(beta, x, rationalCubicInterpolation(beta, bC, bH, sC, sH, 1 / vC, 1 / vH, r), sC, sH, 'middle', bMax);
  }
  // highest segment: interpolate f_upper(beta), invert; objective ln((b_max - beta)/(b_max - b)) when beta > b_max/2
  const [fH, dfH, d2fH] = fUpperMap(x, sH);
  let f = -DBL_MAX;
  if (d2fH > -SQRT_DBL_MAX && d2fH < SQRT_DBL_MAX) {
    const r = convexControlToFitSecondDerivativeAtLeft(bH, bMax, fH, 0, dfH, -0.5, d2fH, true);
    f = rationalCubicInterpolation(beta, bH, bMax, fH, 0, dfH, -0.5, r);
  }
  if (f <= 0) {
    const h = bMax - bH; // quadratic through f(bH), f(b_max) = 0, f'(b_max) = -1/2
    const t = (beta - bH) / h;
    f = (fH * (1 - t) + 0.5 * h * t) * (1 - t);
  }
  return iterate(beta, x, -2 * normInv(f), sH, DBL_MAX, beta > 0.5 * bMax ? 'upper' : 'middle', bMax);
}

type Objective = 'lower' | 'middle' | 'upper';

/** Householder(3) iteration from s0 inside the bracket (sLeft, sRight), with bisection as the safeguard. */
function iterate(beta: number, x: number, s0: number, sLeft0: number, sRight0: number, objective: Objective, bMax: number): number {
  let s = s0;
  let sLeft = sLeft0;
  let sRight = sRight0;
  let ds = -DBL_MAX;
  let dsPrevious = 0;
  let reversals = 0;
  const lnBeta = objective === 'lower' ? Math.log(beta) : 0;
  for (let k = 0; k < MAX_ITERATIONS && Math.abs(ds) > DBL_EPSILON * s; k++) {
    if (ds * dsPrevious < 0) reversals++;
    if (k > 0 && (reversals === 3 || !(s > sLeft && s < sRight))) {
      s = 0.5 * (sLeft + sRight); // off the rails: bisect
      if (sRight - sLeft <= DBL_EPSILON * s) break;
      reversals = 0;
      ds = 0;
    }
    dsPrevious = ds;
    const b = normalisedBlackCall(x, s);
    const bp = normalisedVega(x, s);
    if (b > beta && s < sRight) sRight = s;
    else if (b < beta && s > sLeft) sLeft = s;
    // b''/b' = x^2/s^3 - s/4 and b'''/b' = (b''/b')^2 - 3 x^2/s^4 - 1/4 for the normalised Black function
    const bHalley = (x * x) / (s * s * s) - s / 4;
    const bHh3 = bHalley * bHalley - 3 * ((x / (s * s)) * (x / (s * s))) - 0.25;
    if (objective === 'lower') {
      if (b <= 0 || bp <= 0) {
        ds = 0.5 * (sLeft + sRight) - s; // underflow: bisect this step
      } else {
        const lnB = Math.log(b);
        const bpob = bp / b;
        const newton = ((lnBeta - lnB) * lnB) / lnBeta / bpob;
        const halley = bHalley - bpob * (1 + 2 / lnB);
        const hh3 = bHh3 + 2 * bpob * bpob * (1 + (3 / lnB) * (1 + 1 / lnB)) - 3 * bHalley * bpob * (1 + 2 / lnB);
        ds = newton * householderFactor(newton, halley, hh3);
      }
    } else if (objective === 'upper') {
      if (b >= bMax || bp <= DBL_MIN) {
        ds = 0.5 * (sLeft + sRight) - s;
      } else {
        const bMaxMinusB = bMax - b;
        const g = Math.log((bMax - beta) / bMaxMinusB);
        const gp = bp / bMaxMinusB;
        const newton = -g / gp;
        const halley = bHalley + gp;
        const hh3 = bHh3 + gp * (2 * gp + 3 * bHalley);
        ds = newton * householderFactor(newton, halley, hh3);
      }
    } else {
      const newton = (beta - b) / bp;
      ds = bp > 0 ? newton * householderFactor(newton, bHalley, bHh3) : 0.5 * (sLeft + sRight) - s;
    }
    ds = Math.max(-0.5 * s, ds);
    s += ds;
  }
  return s;
}

/** f_lower(s) = 2 pi |x|/sqrt(27) Phi(-z)^3, z = |x|/(sqrt3 s), and its first two derivatives in beta. */
function fLowerMap(x: number, s: number): [number, number, number] {
  const ax = Math.abs(x);
  const z = ax / (SQRT3 * s);
  const y = z * z;
  const s2 = s * s;
  const Phi = normCdf(-z);
  const phi = normPdf(z);
  const fpp =
    ((Math.PI / 6) * y) / (s2 * s) * Phi * (8 * SQRT3 * s * ax + ((3 * s2 * (s2 - 8) - 8 * x * x) * Phi) / phi) * Math.exp(2 * y + 0.25 * s2);
  const Phi2 = Phi * Phi;
  const fp = TWO_PI * y * Phi2 * Math.exp(y + 0.125 * s2);
  const f = TWO_PI_OVER_SQRT27 * ax * Phi2 * Phi;
  return [f, fp, fpp];
}

function inverseFLowerMap(x: number, f: number): number {
  if (!(f > 0)) return 0;
  return Math.abs(x / (SQRT3 * normInv(Math.cbrt(f / (TWO_PI_OVER_SQRT27 * Math.abs(x))))));
}

/** f_upper(s) = Phi(-s/2) and its first two derivatives in beta. */
function fUpperMap(x: number, s: number): [number, number, number] {
  const f = normCdf(-0.5 * s);
  const w = (x / s) * (x / s);
  const fp = -0.5 * Math.exp(0.5 * w);
  const fpp = (SQRT_PI_OVER_2 * Math.exp(w + 0.125 * s * s) * w) / s;
  return [f, fp, fpp];
}
