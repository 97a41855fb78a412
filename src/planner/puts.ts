/**
 * Protective puts of buy-protection intents: strike = strikeFraction x spot, expiry = asOf + expiryDays (ACT/365),
 * priced by Black-Scholes (pricing/black.ts) at the market vol of that strike and expiry (the SVI smile when it
 * covers the expiry, else the flat vol: pricing/vol.ts), bought at mid + half-spread (optionHalfSpreadVol x vega)
 * plus the venue's option fee; as many as the budget buys, at most notionalUsd / spot coins. Settled as the
 * account's venue settles (Deribit: inverse, premium paid in coin).
 */
import type { Intent } from '../policy/types.ts';
import { blackScholes, newGreeks } from '../pricing/black.ts';
import { optionVol } from '../pricing/vol.ts';
import type { AccountCtx, BookContext } from './context.ts';
import { optionFee, optionHalfSpread } from './cost.ts';

export interface PutSpec {
  readonly strike: number;
  readonly expiry: number;
  /** Coins (contracts of one coin). */
  readonly qty: number;
  /** USD per coin: mid (Black-Scholes at the market vol), ask (mid + half-spread), taker fee. */
  readonly mid: number;
  readonly ask: number;
  readonly fee: number;
  readonly delta: number;
  readonly settle: 'linear' | 'inverse';
  /** Fraction of the requested notional the budget buys (1: all). */
  readonly filled: number;
}

/** Price a protective put of a buy-protection intent: Black-Scholes at the market vol (smile or flat) at the strike. */
export function pricePut(ctx: BookContext, a: AccountCtx, it: Extract<Intent, { kind: 'buy-protection' }>): PutSpec | null {
  const S = ctx.market.prices[it.asset];
  if (S === undefined) return null;
  const strike = S * it.strikeFraction;
  const expiry = ctx.market.asOf + it.expiryDays * 86_400_000;
  const settle = a.account.venue.model === 'deribit' ? a.account.venue.settle : 'inverse';
  const probe = { kind: 'option' as const, index: -1, asset: it.asset, qty: 1, settle, right: 'put' as const, strike, expiry };
  const T = it.expiryDays / 365;
  const g = blackScholes('put', S, strike, T, optionVol(probe, ctx.market, S), ctx.market.rate, newGreeks());
  const ask = g.price + optionHalfSpread(g.vega, ctx.options.optionHalfSpreadVol);
  const fee = optionFee(S, ask, a.optionFee.rate, a.optionFee.cap);
  const want = it.notionalUsd / S;
  const perUnit = ask + fee;
  const affordable = perUnit > 0 ? it.budgetUsd / perUnit : Infinity;
  const qty = Math.max(0, Math.min(want, affordable));
  return { strike, expiry, qty, mid: g.price, ask, fee, delta: g.delta, settle, filled: want > 0 ? qty / want : 1 };
}
