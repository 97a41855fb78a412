/**
 * Black-76 European options on a forward, with the spot (Black-Scholes) view on top.
 *
 * Conventions:
 * - F forward, K strike, T years (ACT/365), sigma annualised, df = exp(-r T) the discount factor.
 * - With spot input, F = S exp(r T) (no carry besides the rate: crypto has no dividend), so the value equals
 *   Black-Scholes: V = S N(d1) - K df N(d2) for a call.
 * - Greeks (raw units, per option of one unit of underlying):
 *   delta  dV/dS (spot) or dV/dF (forward view);   gamma  d2V/dS2 per 1 USD;
 *   vega   dV/dsigma per 1.00 of vol (x 0.01 for a vol point);   theta  dV/dt per YEAR of calendar time (negative
 *   when time decay costs the holder; / 365 for a day);   vanna  d2V/dS dsigma;   volga  d2V/dsigma2.
 * - At or after expiry (T <= 0) or with zero vol, the value is the discounted intrinsic value on the forward and
 *   the Greeks are those of the intrinsic payoff (delta 0 or +-1, everything else 0).
 */
import { normCdf, normPdf } from './normal.ts';

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

/**
 * Black-Scholes value and Greeks with respect to spot S (F = S e^{rT}). Writes into `out` (no allocation).
 */
export function blackScholes(right: Right, S: number, K: number, T: number, sigma: number, r: number, out: Greeks = newGreeks()): Greeks {
  const w = right === 'call' ? 1 : -1;
  const df = Math.exp(-r * T);
  const F = S / df;
  const sqt = Math.sqrt(T);
  const vs = sigma * sqt;
  if (!(T > 0) || !(vs > 0)) {
    const intrinsic = Math.max(w * (F - K), 0) * df;
    out.price = intrinsic;
    out.delta = w * (F - K) > 0 ? w : 0;
    out.gamma = 0;
    out.vega = 0;
    out.theta = T > 0 && out.delta !== 0 ? -w * r * K * df : 0;
    out.vanna = 0;
    out.volga = 0;
    return out;
  }
  const d1 = Math.log(F / K) / vs + 0.5 * vs;
  const d2 = d1 - vs;
  const pdf = normPdf(d1);
  const Nd1 = normCdf(w * d1);
  const Nd2 = normCdf(w * d2);
  out.price = w * (S * Nd1 - K * df * Nd2);
  out.delta = w * Nd1;
  out.gamma = pdf / (S * vs);
  out.vega = S * pdf * sqt;
  out.theta = (-S * pdf * sigma) / (2 * sqt) - w * r * K * df * Nd2;
  out.vanna = (-pdf * d2) / sigma;
  out.volga = (out.vega * d1 * d2) / sigma;
  return out;
}

/**
 * Black-76 value and Greeks with respect to the forward F: V = df [w F N(w d1) - w K N(w d2)].
 * delta = dV/dF, gamma = d2V/dF2, vega = dV/dsigma, theta = dV/dt per year holding F fixed.
 */
export function black76(right: Right, F: number, K: number, T: number, sigma: number, r: number, out: Greeks = newGreeks()): Greeks {
  const w = right === 'call' ? 1 : -1;
  const df = Math.exp(-r * T);
  const sqt = Math.sqrt(T);
  const vs = sigma * sqt;
  if (!(T > 0) || !(vs > 0)) {
    out.price = Math.max(w * (F - K), 0) * df;
    out.delta = w * (F - K) > 0 ? w * df : 0;
    out.gamma = 0;
    out.vega = 0;
    out.theta = T > 0 ? r * out.price : 0;
    out.vanna = 0;
    out.volga = 0;
    return out;
  }
  const d1 = Math.log(F / K) / vs + 0.5 * vs;
  const d2 = d1 - vs;
  const pdf = normPdf(d1);
  const Nd1 = normCdf(w * d1);
  const Nd2 = normCdf(w * d2);
  out.price = df * w * (F * Nd1 - K * Nd2);
  out.delta = df * w * Nd1;
  out.gamma = (df * pdf) / (F * vs);
  out.vega = df * F * pdf * sqt;
  out.theta = (-df * F * pdf * sigma) / (2 * sqt) + r * out.price;
  out.vanna = (-df * pdf * d2) / sigma;
  out.volga = (out.vega * d1 * d2) / sigma;
  return out;
}
