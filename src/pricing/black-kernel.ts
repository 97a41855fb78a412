/**
 * The one Black-Scholes kernel behind blackScholes, black76 (black.ts) and the batch pricer (batch.ts): a loop over
 * structure-of-arrays inputs, so the hot loop keeps everything in registers (no call or object per option) and the
 * scalar functions, which run it on length-1 scratch arrays, agree with the batch to the last bit.
 *
 * For option i (w = +1 call, -1 put; S spot, K strike, T years ACT/365, sigma annualised, r continuously
 * compounded; F = S e^{rT}, df = e^{-rT}, x = ln(F/K), s = sigma sqrt(T), d1 = x/s + s/2, d2 = d1 - s):
 *   price = w (S N(w d1) - K df N(w d2))
 *   delta = w N(w d1)                    dV/dS
 *   gamma = phi(d1) / (S s)              d2V/dS2, per 1 USD
 *   vega  = S phi(d1) sqrt(T)            dV/dsigma, per 1.00 of vol
 *   theta = -S phi(d1) sigma / (2 sqrt T) - w r K df N(w d2)     dV/dt per YEAR of calendar time, S fixed
 *   vanna = -phi(d1) d2 / sigma          d2V/dS dsigma
 *   volga = vega d1 d2 / sigma           d2V/dsigma2
 * Expired (T <= 0): intrinsic max(w (S - K), 0), delta +-1 in the money (0 at or out of the money), rest 0.
 * Zero vol, T > 0: discounted intrinsic on the forward, max(w (S - K df), 0), delta +-1 in the money,
 * theta -w r K df in the money. NaN T, NaN or negative sigma: all NaN. S > 0, K > 0 are preconditions.
 *
 * Numerics: exp(-d1^2/2) without the rounding of d1^2 (the expHalfSq split, inlined), exp(-d2^2/2) from it as
 * exp(-d1^2/2) F/K (d1^2 - d2^2 = 2x), both tails Phi(-|d|) with Cody's erfcx (~1e-15 relative). When the price is a
 * difference of nearly equal terms (the larger one above CANCELLATION_LIMIT times the price: deep out of the money
 * with small s, or tiny s near the money), it is recomputed from the normalised Black function, accurate to ~1e-15
 * relative everywhere (normalised-black.ts). That happens for ~1% of a typical book.
 */
import { EXP_HALF_SQ_TABLE, expHalfSq, INV_SQRT_2PI, normTailFromExp } from './normal.ts';
import { normalisedBlack } from './normalised-black.ts';

/** Inputs, structure of arrays; index i is option i. */
export interface BlackInputs {
  /** +1 call, -1 put. */
  readonly w: Int8Array | Float64Array;
  readonly spot: Float64Array;
  readonly strike: Float64Array;
  /** Years to expiry, ACT/365. */
  readonly years: Float64Array;
  readonly vol: Float64Array;
  readonly rate: Float64Array;
}

/** Outputs, structure of arrays, raw units as in the file header. */
export interface BlackOutputs {
  readonly price: Float64Array;
  readonly delta: Float64Array;
  readonly gamma: Float64Array;
  readonly vega: Float64Array;
  readonly theta: Float64Array;
  readonly vanna: Float64Array;
  readonly volga: Float64Array;
}

/** Above this ratio of the larger price term to the price (~1.6 digits lost) the price is recomputed exactly. */
const CANCELLATION_LIMIT = 40;
/** Entries of EXP_HALF_SQ_TABLE (|d| < 37.5), copied once so the loop does not reload an imported binding. */
const GRID = EXP_HALF_SQ_TABLE.length;

/** Prices options [start, end). No bounds checks here: callers (batch.ts, black.ts) check the lengths. */
export function blackScholesRange(input: BlackInputs, out: BlackOutputs, start: number, end: number): void {
  const { w: ws, spot, strike, years, vol, rate } = input;
  const { price: pOut, delta: deltaOut, gamma: gammaOut, vega: vegaOut, theta: thetaOut, vanna: vannaOut, volga: volgaOut } = out;
  for (let i = start; i < end; i++) {
    const w = ws[i] as number;
    const S = spot[i] as number;
    const K = strike[i] as number;
    const T = years[i] as number;
    const sigma = vol[i] as number;
    const r = rate[i] as number;
    if (!(T > 0 && sigma > 0)) {
      degenerate(w, S, K, T, sigma, r, out, i);
      continue;
    }
    const sqt = Math.sqrt(T);
    const s = sigma * sqt;
    const invS = 1 / s;
    const df = Math.exp(-r * T);
    const sk = S / K;
    const x = Math.log(sk) + r * T; // ln(F/K)
    const d1 = x * invS + 0.5 * s;
    const d2 = d1 - s;
    // exp(-d1^2/2): table value at the 1/16 grid point times exp of the remainder (expHalfSq, inlined)
    const z1 = Math.abs(d1);
    const j1 = Math.trunc(z1 * 16);
    const zs1 = j1 / 16;
    const e1 = j1 < GRID ? (EXP_HALF_SQ_TABLE[j1] as number) * Math.exp(-0.5 * (z1 - zs1) * (z1 + zs1)) : expHalfSq(d1);
    // exp(-d2^2/2) = exp(-d1^2/2) F/K; directly when e1 is subnormal (|d1| > 37.5) and |d2| may be smaller
    const e2 = e1 > 1e-290 ? (e1 * sk) / df : expHalfSq(d2);
    const tail1 = normTailFromExp(d1, e1); // Phi(-|d1|)
    const tail2 = normTailFromExp(d2, e2); // Phi(-|d2|)
    const n1 = w * d1 >= 0 ? 1 - tail1 : tail1; // N(w d1)
    const n2 = w * d2 >= 0 ? 1 - tail2 : tail2; // N(w d2)
    const termS = S * n1;
    const termK = K * df * n2;
    let p = w * (termS - termK);
    // the larger term is termS for a call and termK for a put; max() keeps the random call/put branch out
    if (!(Math.max(termS, termK) < CANCELLATION_LIMIT * p)) {
      p = df * Math.sqrt(S / df) * Math.sqrt(K) * normalisedBlack(x, s, w > 0 ? 1 : -1); // df sqrt(FK) b(w x, s)
    }
    const pdf = INV_SQRT_2PI * e1; // phi(d1)
    const vega = S * pdf * sqt;
    const invSigma = 1 / sigma;
    pOut[i] = p;
    deltaOut[i] = w * n1;
    gammaOut[i] = (pdf * invS) / S;
    vegaOut[i] = vega;
    thetaOut[i] = (-0.5 * vega * sigma) / T - w * r * K * df * n2; // -S phi sigma/(2 sqrt T) - w r K df N(w d2)
    vannaOut[i] = -pdf * d2 * invSigma;
    volgaOut[i] = vega * d1 * d2 * invSigma;
  }
}

/** T <= 0 (expired), zero vol, or invalid T / sigma; see the file header. */
function degenerate(w: number, S: number, K: number, T: number, sigma: number, r: number, out: BlackOutputs, i: number): void {
  const live = T > 0;
  let p = NaN;
  let delta = NaN;
  let theta = NaN;
  let zero = NaN;
  if (T <= 0 || (live && sigma === 0)) {
    const df = live ? Math.exp(-r * T) : 1;
    const moneyness = w * (S - K * df); // df w (F - K)
    const itm = moneyness > 0;
    p = itm ? moneyness : moneyness === moneyness ? 0 : NaN;
    delta = itm ? w : 0;
    theta = live && itm ? -w * r * K * df : 0; // V = w (S - K e^{-rT}): dV/dt = -dV/dT
    zero = 0;
  }
  out.price[i] = p;
  out.delta[i] = delta;
  out.gamma[i] = zero;
  out.vega[i] = zero;
  out.theta[i] = theta;
  out.vanna[i] = zero;
  out.volga[i] = zero;
}
