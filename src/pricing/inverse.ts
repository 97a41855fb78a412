/**
 * Inverse (coin-settled) European options, Deribit conventions (pricing reference note, section 2g):
 * - One contract is on 1 coin (BTC, ETH); premium and settlement are in coin: payoff_coin = max(w (S_T - K), 0) / S_T.
 * - USD price V_usd = Black-76 on the forward F: df [w F N(w d1) - w K N(w d2)], df = e^{-rT} (Deribit: r = 0, df = 1).
 *   Coin price V_coin = V_usd / S with S the index (spot). The implied vol is quoted against the forward.
 * - delta: the Black-Scholes USD delta dV_usd/dS with F moving with S (basis F/S fixed) = w df N(w d1) F/S.
 *   (Equal to Deribit's per-option "delta" when F = S; Deribit may quote N(d1) on the forward otherwise.)
 * - coinDelta: Deribit's "net transaction delta" (what delta_total sums): S d(V_usd/S)/dS = delta - V_coin, in
 *   coins per coin of position; it includes the exposure of the coin premium itself.
 * - gamma (per 1 USD of index), vega (per 1.00 vol), theta (per YEAR, F and S fixed), vanna, volga: standard
 *   Black-Scholes USD values, as Deribit shows them. Deribit's displayed theta is min(1-day theta, lifetime theta)
 *   inside the last day; that cap is not applied here.
 */
import { black76, newGreeks } from './black.ts';
import type { Greeks, Right } from './black.ts';

export interface InverseGreeks extends Greeks {
  /** Price in coin per contract: V_usd / S. */
  coinPrice: number;
  /** Net transaction delta: delta - coinPrice (coins). */
  coinDelta: number;
}

export const newInverseGreeks = (): InverseGreeks => ({ ...newGreeks(), coinPrice: 0, coinDelta: 0 });

/**
 * Inverse option on index S with forward F, strike K, T years (ACT/365), vol sigma, discount factor df (default 1).
 * `price` is V_usd; the Greeks are USD Black-Scholes Greeks with respect to the index S (see the file header).
 */
export function inverseOption(
  right: Right, S: number, F: number, K: number, T: number, sigma: number, df = 1, out: InverseGreeks = newInverseGreeks(),
): InverseGreeks {
  const r = T > 0 ? -Math.log(df) / T : 0;
  black76(right, F, K, T, sigma, r, out); // Greeks with respect to F
  const basis = F / S; // dF/dS with the basis fixed
  out.delta *= basis;
  out.gamma *= basis * basis;
  out.vanna *= basis;
  out.coinPrice = out.price / S;
  out.coinDelta = out.delta - out.coinPrice;
  return out;
}
