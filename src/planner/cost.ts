/**
 * Execution cost model of the planner: taker fee + half-spread + market impact, in USD.
 *
 * Conventions:
 * - Q is the traded notional in USD (|qty| x mark for coins, |face| for inverse contracts), always >= 0.
 * - Fee: taker rate of the venue x Q (venue schedules: data/liquidity/fees.json).
 * - Half-spread: bps of Q per asset (defaults in ./liquidity.ts, DEFAULT_HALF_SPREAD_BPS).
 * - Impact, the square-root law (Almgren, Thum, Hauptmann and Li 2005; Toth et al. 2011; Bouchaud's "square-root
 *   law"): the price moves by the fraction I(Q) = Y x sigma_d x sqrt(Q / ADV) against the trader, with sigma_d the
 *   daily volatility (decimal, e.g. 0.025) and ADV the average daily traded volume in USD (calibrated by
 *   ./calibrate.ts from the bundled hourly bars: median daily USD volume). Y is of order one (0.5-1 in the
 *   literature); Ballast takes Y = 1, the conservative end (DEFAULT_IMPACT_Y). Q and ADV are both USD, so Q/ADV is
 *   the participation in a day's volume: at Q = ADV the price moves by Y daily sigmas; 4x the size moves it 2x.
 *   The impact cost of a metaorder of size Q is Q x I(Q) (the square-root law is fitted to the average execution
 *   shortfall), and I(Q) is also the mark move the rest of the book sees right after it (the reflexive loop).
 * - Order book walk (when a book is given): the order eats the levels from the best price; its cost is the
 *   distance of each fill to the mid; the move is the last fill's distance to the mid. Beyond the book's depth the
 *   remainder pays the last level's distance plus the square-root impact of the remainder.
 */
import { ValidationError } from '../errors/index.ts';

/** Y of the square-root law I = Y sigma sqrt(Q/ADV). */
export const DEFAULT_IMPACT_Y = 1;

/** Liquidity of one asset: average daily volume (USD) and daily volatility (decimal). */
export interface Liquidity {
  readonly advUsd: number;
  readonly sigmaDaily: number;
}

/** Impact fraction of a trade of `qUsd` USD: Y sigma_d sqrt(Q / ADV) (>= 0; 0 for Q = 0). */
export function impactFraction(qUsd: number, liq: Liquidity, y = DEFAULT_IMPACT_Y): number {
  if (!(qUsd > 0)) return 0;
  return y * liq.sigmaDaily * Math.sqrt(qUsd / liq.advUsd);
}

/** Largest trade (USD) whose impact stays within `maxImpact`: ADV (maxImpact / (Y sigma))^2. */
export const maxTradeForImpact = (maxImpact: number, liq: Liquidity, y = DEFAULT_IMPACT_Y): number => liq.advUsd * (maxImpact / (y * liq.sigmaDaily)) ** 2;

/** One price level of an order book: price (USD per coin) and size (coins). */
export interface BookLevel {
  readonly price: number;
  readonly size: number;
}

/** An order book: bids best (highest) first, asks best (lowest) first. */
export interface OrderBook {
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
}

export interface BookWalk {
  /** Slippage cost in USD: sum of fills x |fill price - mid|, remainder included. */
  readonly costUsd: number;
  /** Price move fraction (>= 0) of the last fill from the mid. */
  readonly move: number;
  /** Coins beyond the book's depth (priced by the square-root law on top of the last level). */
  readonly beyondBook: number;
}

/** Mid of a book: (best bid + best ask) / 2. Throws ValidationError when a side is empty or crossed. */
export function bookMid(book: OrderBook): number {
  const bid = book.bids[0]?.price;
  const ask = book.asks[0]?.price;
  if (bid === undefined || ask === undefined || !(ask >= bid)) {
    throw new ValidationError('order book', [{ path: 'book', value: { bid, ask }, message: 'needs a best bid and a best ask with ask >= bid' }]);
  }
  return (bid + ask) / 2;
}

/**
 * Walk the book for a sell (into the bids) or a buy (into the asks) of `coins`. Cost and move are measured from
 * the mid. The remainder beyond the depth pays the last level's distance plus impactFraction of its USD value.
 */
export function walkBook(book: OrderBook, side: 'buy' | 'sell', coins: number, liq: Liquidity, y = DEFAULT_IMPACT_Y): BookWalk {
  const mid = bookMid(book);
  const levels = side === 'sell' ? book.bids : book.asks;
  let left = Math.max(coins, 0);
  let cost = 0;
  let last = 0;
  for (const l of levels) {
    if (left <= 0) break;
    const fill = Math.min(left, l.size);
    const dist = Math.abs(l.price - mid) / mid;
    cost += fill * mid * dist;
    last = dist;
    left -= fill;
  }
  if (left <= 0) return { costUsd: cost, move: last, beyondBook: 0 };
  const extra = impactFraction(left * mid, liq, y);
  return { costUsd: cost + left * mid * (last + extra), move: last + extra, beyondBook: left };
}

/** Cost parts of one linear trade, USD. */
export interface TradeCost {
  readonly fee: number;
  readonly spread: number;
  readonly impact: number;
  readonly total: number;
  /** Price move fraction against the trade (>= 0). */
  readonly move: number;
}

/** Fee + half-spread + square-root impact of trading `qUsd` at once. */
export function linearTradeCost(qUsd: number, feeRate: number, halfSpreadBps: number, liq: Liquidity | null, y = DEFAULT_IMPACT_Y): TradeCost {
  const q = Math.abs(qUsd);
  const fee = q * feeRate;
  const spread = (q * halfSpreadBps) / 1e4;
  const move = liq === null ? 0 : impactFraction(q, liq, y);
  const impact = q * move;
  return { fee, spread, impact, total: fee + spread + impact, move };
}

/**
 * Deribit option taker fee per contract (one coin of underlying), USD: rate x spot, capped at `cap` x the option's
 * price (Deribit: 0.03 % of the underlying, at most 12.5 % of the option price).
 */
export const optionFee = (spot: number, optionPrice: number, rate = 0.0003, cap = 0.125): number => Math.min(rate * spot, cap * Math.max(optionPrice, 0));

/** Half-spread of an option per contract, USD: vega (per 1.00 of vol) x half-spread in vol (0.01 = one vol point). */
export const optionHalfSpread = (vega: number, halfSpreadVol: number): number => Math.abs(vega) * halfSpreadVol;
