/**
 * Black-76 European options on a forward, with the spot (Black-Scholes) view on top.
 *
 * Conventions:
 * - F forward, K strike, T years (ACT/365), sigma annualised, r continuously compounded, df = exp(-r T).
 * - With spot input, F = S exp(r T) (no carry besides the rate: crypto has no dividend), so the value equals
 *   Black-Scholes: V = S N(d1) - K df N(d2) for a call. Inputs with a carry q (Haug's tables) go through black76 with
 *   F = S exp((r - q) T).
 * - Greeks (raw units, per option of one unit of underlying):
 *   delta  dV/dS (spot) or dV/dF (forward view);   gamma  d2V/dS2 (or d2V/dF2) per 1 USD;
 *   vega   dV/dsigma per 1.00 of vol (x 0.01 for a vol point);   theta  dV/dt per YEAR of calendar time (negative
 *   when time decay costs the holder; / 365 for a day), holding S (spot view) or F (forward view) fixed;
 *   vanna  d2V/dS dsigma (or d2V/dF dsigma);   volga  d2V/dsigma2.
 * - At or after expiry (T <= 0) the value is the intrinsic value on the spot (forward), max(w (S - K), 0), with delta
 *   +-1 in the money and 0 otherwise (0 at the money), all other Greeks 0. With zero vol and T > 0 the value is the
 *   discounted intrinsic value on the forward with the matching delta and theta.
 * - Negative or NaN sigma, T or prices give NaN (garbage in, NaN out; callers validate). S > 0 and K > 0 assumed.
 *
 * Numerics and the formulas: black-kernel.ts (one kernel for the scalar functions here and the batch pricer).
 */
import { blackScholesRange } from './black-kernel.ts';
import type { BlackInputs, BlackOutputs } from './black-kernel.ts';

export type Right = 'call' | 'put';

export interface Greeks {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
  vanna: number;
  volga: number;
}

export const newGreeks = (): Greeks => ({ price: 0, delta: 0, gamma: 0, vega: 0, theta: 0, vanna: 0, volga: 0 });

// Length-1 scratch arrays: the scalar functions run the batch kernel on them (no allocation per call).
const scratchIn: BlackInputs = {
  w: new Float64Array(1),
  spot: new Float64Array(1),
  strike: new Float64Array(1),
  years: new Float64Array(1),
  vol: new Float64Array(1),
  rate: new Float64Array(1),
};
const scratchOut: BlackOutputs = {
  price: new Float64Array(1),
  delta: new Float64Array(1),
  gamma: new Float64Array(1),
  vega: new Float64Array(1),
  theta: new Float64Array(1),
  vanna: new Float64Array(1),
  volga: new Float64Array(1),
};

/** Value and spot Greeks for w = +1 (call) / -1 (put) through the shared kernel, written into `out`. */
function blackScholesKernel(w: number, S: number, K: number, T: number, sigma: number, r: number, out: Greeks): Greeks {
  scratchIn.w[0] = w;
  scratchIn.spot[0] = S;
  scratchIn.strike[0] = K;
  scratchIn.years[0] = T;
  scratchIn.vol[0] = sigma;
  scratchIn.rate[0] = r;
  blackScholesRange(scratchIn, scratchOut, 0, 1);
  out.price = scratchOut.price[0] as number;
  out.delta = scratchOut.delta[0] as number;
  out.gamma = scratchOut.gamma[0] as number;
  out.vega = scratchOut.vega[0] as number;
  out.theta = scratchOut.theta[0] as number;
  out.vanna = scratchOut.vanna[0] as number;
  out.volga = scratchOut.volga[0] as number;
  return out;
}

/**
 * Black-Scholes value and Greeks with respect to spot S (F = S e^{rT}). Writes into `out` (no allocation).
 */
export function blackScholes(right: Right, S: number, K: number, T: number, sigma: number, r: number, out: Greeks = newGreeks()): Greeks {
  return blackScholesKernel(right === 'call' ? 1 : -1, S, K, T, sigma, r, out);
}

/**
 * Black-76 value and Greeks with respect to the forward F: V = df [w F N(w d1) - w K N(w d2)].
 * delta = dV/dF, gamma = d2V/dF2, vega = dV/dsigma, theta = dV/dt per year holding F fixed, vanna = d2V/dF dsigma.
 * From the spot kernel at S = F df by the chain rule: dS/dF = df, and holding F fixed moves S at rate r S per year
 * (S = F e^{-r(T0 - t)}), so theta_F = theta_S + r S delta_S. At T <= 0 the value is max(w (F - K), 0).
 */
export function black76(right: Right, F: number, K: number, T: number, sigma: number, r: number, out: Greeks = newGreeks()): Greeks {
  const w = right === 'call' ? 1 : -1;
  const df = T > 0 ? Math.exp(-r * T) : 1;
  const S = F * df;
  blackScholesKernel(w, S, K, T, sigma, r, out);
  const deltaS = out.delta;
  out.delta = deltaS * df;
  out.gamma *= df * df;
  out.vanna *= df;
  out.theta += T > 0 ? r * S * deltaS : 0;
  return out;
}
