/**
 * Normalised Black function (P. Jäckel, "Let's Be Rational", Wilmott 2015):
 *
 *   b(x, s) = Phi(x/s + s/2) e^{x/2} - Phi(x/s - s/2) e^{-x/2}          (call)
 *
 * with x = ln(F/K) (log forward moneyness) and s = sigma sqrt(T) (total vol, T in years ACT/365). The undiscounted
 * Black price is sqrt(F K) b(theta x, s), theta = +1 call / -1 put (reciprocal-strike symmetry), and the discounted
 * one df times that. In the money (theta x > 0) b = intrinsic + out-of-the-money value, so everything below works
 * on x <= 0, where the two terms can cancel catastrophically (deep OTM, tiny s). With h = x/s, t = s/2 and
 * Y(z) = Phi(z)/phi(z) (Mills ratio of the lower tail), b = phi-factor * (Y(h+t) - Y(h-t)) and four regions keep
 * ~1e-15 relative accuracy:
 *   1. h < -10 and |h| - t > 10 - tau: asymptotic series of Y (Abramowitz-Stegun 26.2.12), the difference of the
 *      two series taken term by term without cancellation (u^n - v^n = (u - v) sum u^j v^(n-1-j)).
 *   2. t < tau = 2 eps^(1/16) ~ 0.21: Taylor series of Y(h+t) - Y(h-t) in t (odd derivatives of Y, from the
 *      recurrence Y' = 1 + zY, Y^(n+1) = z Y^(n) + n Y^(n-1)).
 *   3. h + t > 0.85: the first term dominates; plain Phi difference.
 *   4. otherwise: Phi(z) = exp(-z^2/2) erfcx(-z/sqrt2)/2 and a single exponential in front of an erfcx difference.
 * The series are derived here from the definitions (not copied); region boundaries are Jäckel's. The common factor
 * exp(-(h^2 + t^2)/2) is taken with h's rounding error removed (exact remainder x - h s), otherwise it alone costs
 * h^2 ulps (1e-13 at h = -34).
 */
import { erfcx, expHalfSq, INV_SQRT_2PI, normCdf } from './normal.ts';

const DBL_EPSILON = 2.220446049250313e-16;
/** h threshold below which the asymptotic series is used. */
const ETA = -10;
/** t threshold below which the small-t Taylor series is used: 2 eps^(1/16). */
const TAU = 2 * Math.pow(DBL_EPSILON, 1 / 16);
const SQRT_PI_OVER_2 = 1.2533141373155003;

const SPLITTER = 134217729; // 2^27 + 1, Veltkamp split

/**
 * exp(-(x/s)^2/2) to ~1e-16 relative although h = x/s is rounded: with the exact remainder rho = x - h s (Dekker's
 * two-product for h s), x/s = h + rho/s and exp(-(x/s)^2/2) = exp(-h^2/2) (1 - h rho/s) to O(eps^2 h^4).
 */
function expHalfSqRatio(x: number, s: number, h: number): number {
  const p = h * s;
  let c = SPLITTER * h;
  const hh = c - (c - h);
  const hl = h - hh;
  c = SPLITTER * s;
  const sh = c - (c - s);
  const sl = s - sh;
  const err = hh * sh - p + hh * sl + hl * sh + hl * sl; // h s = p + err exactly
  const rho = x - p - err;
  return expHalfSq(h) * (1 - (h * rho) / s);
}

/** Normalised intrinsic value: max(theta (e^{x/2} - e^{-x/2}), 0) = 2 sinh(|x|/2) when in the money. */
export function normalisedIntrinsic(x: number, theta: 1 | -1): number {
  return theta * x > 0 ? 2 * Math.sinh(0.5 * Math.abs(x)) : 0;
}

/** b(x, s) for a call; any x, s >= 0. NaN in, NaN out. */
export function normalisedBlackCall(x: number, s: number): number {
  if (x > 0) return normalisedIntrinsic(x, 1) + normalisedBlackCall(-x, s);
  if (!(s > 0)) return s === 0 ? 0 : NaN;
  const h = x / s;
  const t = 0.5 * s;
  if (h < ETA && t < TAU - h + ETA) return asymptoticRegion(h, t, expHalfSqRatio(x, s, h));
  if (t < TAU) return smallTRegion(h, t, expHalfSqRatio(x, s, h));
  if (h + t > 0.85) return Math.max(normCdf(h + t) * Math.exp(0.5 * x) - normCdf(h - t) * Math.exp(-0.5 * x), 0);
  return Math.max(0.5 * expHalfSqRatio(x, s, h) * expHalfSq(t) * (erfcx(-Math.SQRT1_2 * (h + t)) - erfcx(-Math.SQRT1_2 * (h - t))), 0);
}

/** b for theta = +1 (call) or -1 (put): b_put(x, s) = b_call(-x, s). */
export const normalisedBlack = (x: number, s: number, theta: 1 | -1): number => normalisedBlackCall(theta * x, s);

/** Normalised vega db/ds = phi(h + t) e^{x/2} = exp(-(h^2 + t^2)/2)/sqrt(2 pi); same for calls and puts. */
export function normalisedVega(x: number, s: number): number {
  if (!(s > 0)) return 0;
  return INV_SQRT_2PI * expHalfSqRatio(x, s, x / s) * expHalfSq(0.5 * s);
}

/**
 * Region 1: a = h + t, c = h - t both <= -9.79. Y(z) ~ -sum_k (-1)^k (2k-1)!! z^-(2k+1), so with u = 1/a, v = 1/c,
 * r = a c: Y(a) - Y(c) = (2t/r) sum_k (-1)^k (2k-1)!! S_{2k+1}, S_n = sum_{j<n} u^j v^(n-1-j) (S_{n+1} = u S_n + v^n,
 * all terms of one sign). Summed until the terms stop shrinking or fall below eps of the sum.
 */
function asymptoticRegion(h: number, t: number, eh: number): number {
  const a = h + t;
  const c = h - t;
  const u = 1 / a;
  const v = 1 / c;
  let sN = 1; // S_1
  let vPow = v; // v^1
  let sum = 1;
  let dfact = 1; // (2k-1)!!
  let lastAbs = 1;
  for (let k = 1; k < 60; k++) {
    // advance S_{2k-1} -> S_{2k} -> S_{2k+1}
    sN = u * sN + vPow;
    vPow *= v;
    sN = u * sN + vPow;
    vPow *= v;
    dfact *= 2 * k - 1;
    const term = dfact * sN;
    if (term >= lastAbs) break; // asymptotic series: stop at the smallest term
    sum += k % 2 === 1 ? -term : term;
    lastAbs = term;
    if (term < DBL_EPSILON * 0.25 * sum) break;
  }
  const b = INV_SQRT_2PI * eh * expHalfSq(t) * ((2 * t) / (a * c)) * sum;
  return Math.max(b, 0);
}

/**
 * Region 2: Y(h+t) - Y(h-t) = 2 sum_k Y^(2k+1)(h) t^(2k+1)/(2k+1)!, with Y(h) = sqrt(pi/2) erfcx(-h/sqrt2) and
 * Y^(n+1) = h Y^(n) + n Y^(n-1) (Y' = 1 + hY); terms through t^17 (the t^15 term is already below 2e-16 relative).
 * The derivatives Y^(n)(h) = int_0^inf u^n e^{hu - u^2/2} du are all positive. For h >= -1 the forward recurrence is
 * fine; for h < -3 it subtracts nearly equal numbers (1 + hY -> 0), so the derivatives come from the backward
 * recurrence Y^(n-1) = (Y^(n+1) - h Y^(n))/n, all terms positive (Miller's algorithm, started at n = 64 and
 * normalised by Y(h)).
 */
const SMALL_T_TERMS = 9; // odd derivatives 1, 3, ..., 17
const MILLER_START = 64; // converges like exp(-2 abs(h) sqrt(n)): 1e-21 at h = -3
const yDerivatives = new Float64Array(2 * SMALL_T_TERMS + 1);

function smallTRegion(h: number, t: number, eh: number): number {
  const y0 = SQRT_PI_OVER_2 * erfcx(-Math.SQRT1_2 * h); // Y(h)
  const last = 2 * SMALL_T_TERMS - 1;
  const ys = yDerivatives;
  if (h >= -3) {
    ys[0] = y0;
    ys[1] = 1 + h * y0;
    for (let n = 1; n < last; n++) ys[n + 1] = h * (ys[n] as number) + n * (ys[n - 1] as number);
  } else {
    let next = 0; // Y^(n+1), unnormalised
    let cur = 1; // Y^(n), arbitrary start
    for (let n = MILLER_START; n > 0; n--) {
      const prev = (next - h * cur) / n;
      next = cur;
      cur = prev;
      if (n - 1 <= last) ys[n - 1] = cur;
      if (cur > 1e250) {
        // rescale to stay finite; the stored values are rescaled below through the ratio to Y(h)
        next *= 1e-250;
        cur *= 1e-250;
        for (let j = n - 1; j <= last; j++) ys[j] = (ys[j] as number) * 1e-250;
      }
    }
    const scale = y0 / (ys[0] as number);
    for (let j = 0; j <= last; j++) ys[j] = (ys[j] as number) * scale;
  }
  const t2 = t * t;
  let power = t; // t^(2k+1)/(2k+1)!
  let sum = (ys[1] as number) * power;
  for (let n = 3; n <= last; n += 2) {
    power *= t2 / ((n - 1) * n);
    sum += (ys[n] as number) * power;
  }
  return Math.max(INV_SQRT_2PI * eh * expHalfSq(t) * 2 * sum, 0);
}
