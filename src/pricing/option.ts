/**
 * Per-unit value and spot Greeks of an option position for the risk report, in USD.
 * - T = yearFraction(market.asOf, expiry) (ACT/365), r = market.rate, sigma from optionVol (position vol, else the
 *   SVI smile, else the flat market vol), F = spot e^{rT}; Black-Scholes on the spot (black.ts), so delta is per coin
 *   of underlying, gamma per 1 USD, vega per 1.00 vol, theta per year.
 * - Expired options (T <= 0) value at intrinsic max(w (spot - K), 0) and need no vol.
 * - Inverse (coin-settled) options: the same USD value (one contract on one coin is worth V_usd = V_coin spot), so
 *   the USD Greeks are the same too. The coin view Deribit reports is separate: inverseCoinDelta.
 */
import { blackScholes, newGreeks } from './black.ts';
import type { Greeks } from './black.ts';
import type { Market, OptionPosition } from '../model/types.ts';
import { yearFraction } from '../model/types.ts';
import { optionVol } from './vol.ts';

export function valueOption(p: OptionPosition, spot: number, market: Market, out: Greeks = newGreeks()): Greeks {
  const T = yearFraction(market.asOf, p.expiry);
  if (!(T > 0)) return blackScholes(p.right, spot, p.strike, 0, 0, market.rate, out); // intrinsic
  return blackScholes(p.right, spot, p.strike, T, optionVol(p, market, spot), market.rate, out);
}

/**
 * Deribit "net transaction delta" of one inverse option, in coins: spot d(V_usd/spot)/d spot = delta - V_usd/spot,
 * i.e. the USD delta less the coin premium's own exposure. `g` is the option's valueOption result (USD Greeks).
 */
export const inverseCoinDelta = (g: Greeks, spot: number): number => g.delta - g.price / spot;
