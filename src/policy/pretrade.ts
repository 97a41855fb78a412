/**
 * Pre-trade checks: a pure gate the planner (and later the daemon) runs on every order before it is sent.
 * `preTradeCheck(order, ctx, config, state)` -> { allowed: true } or a denial with a named reason code; every
 * failed check is listed in `denials` (in the order below), the first is the denial's code.
 *
 * Checks, in order:
 * - INVALID_ORDER: qty not a positive finite number, or side not buy / sell.
 * - Trading state (the composed state):
 *   - HALTED: only the protective exits the config names (preTrade.protectiveExits: order kinds) pass, and a named
 *     `reduce` / `close` / `hedge` must also reduce risk (below); buy-option, transfer and repay pass by name.
 *     Denial code HALTED.
 *   - REDUCING: reduce-only. Passes: an order that reduces risk, or a named protective exit as in HALTED. Denial
 *     code REDUCE_ONLY.
 *   Reduces risk: transfer and repay (collateral in, debt down); an order on a known position (`position`) on the
 *   side against its exposure (sell a long, buy back a short or a borrow) for at most its size (no flip); else an
 *   order whose signed `deltaUsd` brings the underlying's |net delta| down. Without position or deltaUsd it is not
 *   known to reduce, so it is denied (never guessed).
 * - MAX_ORDER_NOTIONAL: notional > maxOrderNotionalUsd (at the max: allowed). Notional: `notionalUsd` when given;
 *   else qty (USD face) for an inverse perp / future position, qty x oracle price otherwise. Transfers and repays
 *   are not market orders: not checked.
 * - PRICE_BAND: with `price` given (a limit price of the underlying, not an option premium: buy-option orders are
 *   not checked), |price - oracle| / oracle > priceBand (at the band: allowed). The oracle is the portfolio's mark; when
 *   the market data is older than maxDataAgeMs it cannot vouch for a price: STALE_MARKET_DATA.
 * - MISSING_INPUT: no oracle price for a check that needs it, or an unknown account / position.
 */
import { z } from 'zod';
import { exposureSign, fmtDuration, fmtNum, fmtPct, fmtUsd, openFraction, positiveNumber } from './common.ts';
import type { PolicyContext, TradingState } from './types.ts';

export const ORDER_KINDS = ['reduce', 'close', 'hedge', 'buy-option', 'transfer', 'repay', 'open'] as const;
export type OrderLikeKind = (typeof ORDER_KINDS)[number];

/** What the checks read of an order; the planner's Order (src/planner/types.ts) fits. */
export interface OrderLike {
  readonly account: string;
  readonly asset: string;
  readonly side: 'buy' | 'sell';
  /** Instrument units (coins; USD face for inverse contracts), > 0. */
  readonly qty: number;
  /** Default 'open' (assumed to add risk). 'increase' (the planner's increase-gross orders) adds to a position: it
   * never reduces risk and is never a protective exit. */
  readonly kind?: OrderLikeKind | 'increase';
  /** Index of the position it acts on, in its account. */
  readonly position?: number;
  /** Limit price of the underlying, USD. */
  readonly price?: number;
  readonly notionalUsd?: number;
  /** Signed change of the underlying's net delta, USD (hedges, options). */
  readonly deltaUsd?: number;
}

export const preTradeShape = {
  maxOrderNotionalUsd: positiveNumber().optional(),
  /** Maximum |price - oracle| / oracle. */
  priceBand: openFraction().optional(),
  /** Order kinds allowed as protective exits while HALTED (and REDUCING). */
  protectiveExits: z.array(z.enum(ORDER_KINDS)).default([]),
};

export interface PreTradeConfig {
  readonly maxOrderNotionalUsd?: number | undefined;
  readonly priceBand?: number | undefined;
  readonly protectiveExits: readonly OrderLikeKind[];
  /** Oracle freshness for the price band, ms (the config's top-level maxDataAgeMs). */
  readonly maxDataAgeMs: number;
}

export interface Denial {
  readonly code: string;
  readonly message: string;
}

export type PreTradeResult =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: string; readonly message: string; readonly denials: readonly Denial[] };

const BY_NAME: ReadonlySet<OrderLikeKind> = new Set(['buy-option', 'transfer', 'repay']);

/** True when the order is known to reduce risk; a string says why it is not (or cannot be told). */
export function reducesRisk(order: OrderLike, ctx: PolicyContext): true | string {
  const kind = order.kind ?? 'open';
  if (kind === 'transfer' || kind === 'repay') return true;
  if (order.position !== undefined) {
    const account = ctx.portfolio.accounts.find((a) => a.id === order.account);
    const p = account?.positions[order.position];
    if (!p || p.asset !== order.asset) return `no ${order.asset} position ${order.position} in account ${order.account}`;
    const sign = exposureSign(p);
    const against = sign > 0 ? 'sell' : sign < 0 ? 'buy' : undefined;
    if (order.side !== against) return `a ${order.side} adds to position ${order.position} (${sign > 0 ? 'long' : sign < 0 ? 'short' : 'flat'})`;
    if (order.qty > Math.abs(p.qty)) return `qty ${fmtNum(order.qty, 8)} exceeds position ${order.position} (${fmtNum(Math.abs(p.qty), 8)}): it would flip`;
    return true;
  }
  if (order.deltaUsd !== undefined) {
    const net = ctx.report.portfolio.underlyings[order.asset]?.netDeltaUsd ?? 0;
    return Math.abs(net + order.deltaUsd) < Math.abs(net) ? true : `delta ${fmtUsd(order.deltaUsd)} does not bring ${order.asset} net delta ${fmtUsd(net)} closer to 0`;
  }
  return 'neither position nor deltaUsd given: cannot tell that it reduces risk';
}

export function preTradeCheck(order: OrderLike, ctx: PolicyContext, config: PreTradeConfig, state: TradingState): PreTradeResult {
  const denials: Denial[] = [];
  const deny = (code: string, message: string): void => {
    denials.push({ code, message });
  };
  const kind = order.kind ?? 'open';
  if (!(Number.isFinite(order.qty) && order.qty > 0) || (order.side !== 'buy' && order.side !== 'sell')) {
    deny('INVALID_ORDER', `qty must be a positive number and side buy or sell (got qty ${String(order.qty)}, side ${String(order.side)})`);
    return { allowed: false, ...denials[0]!, denials };
  }

  if (state !== 'ACTIVE') {
    const named = kind !== 'increase' && config.protectiveExits.includes(kind);
    const reduces = reducesRisk(order, ctx);
    const exit = named && (BY_NAME.has(kind) || reduces === true);
    if (state === 'HALTED' && !exit)
      deny('HALTED', named && reduces !== true ? `trading halted: ${kind} is a named protective exit but ${reduces}` : `trading halted: ${kind} is not a protective exit (named: ${config.protectiveExits.join(', ') || 'none'})`);
    if (state === 'REDUCING' && reduces !== true && !exit) deny('REDUCE_ONLY', `reduce-only: ${reduces}`);
  }

  const oracle = ctx.portfolio.market.prices[order.asset];
  const market = kind !== 'transfer' && kind !== 'repay';
  if (market && config.maxOrderNotionalUsd !== undefined) {
    const p = order.position === undefined ? undefined : ctx.portfolio.accounts.find((a) => a.id === order.account)?.positions[order.position];
    const inverse = p !== undefined && (p.kind === 'perp' || p.kind === 'future') && p.settle === 'inverse';
    const notional = order.notionalUsd ?? (inverse ? order.qty : oracle === undefined ? undefined : order.qty * oracle);
    if (notional === undefined) deny('MISSING_INPUT', `no oracle price for ${order.asset}: order notional unknown`);
    else if (notional > config.maxOrderNotionalUsd) deny('MAX_ORDER_NOTIONAL', `order notional ${fmtUsd(notional)} above the maximum ${fmtUsd(config.maxOrderNotionalUsd)}`);
  }
  if (market && kind !== 'buy-option' && config.priceBand !== undefined && order.price !== undefined) {
    if (oracle === undefined || !(oracle > 0)) deny('MISSING_INPUT', `no oracle price for ${order.asset}: cannot check the price band`);
    else if (!(ctx.market.dataAgeMs <= config.maxDataAgeMs)) deny('STALE_MARKET_DATA', `oracle older than ${fmtDuration(config.maxDataAgeMs)}: cannot check the price band`);
    else {
      const off = Math.abs(order.price - oracle) / oracle;
      if (off > config.priceBand) deny('PRICE_BAND', `price ${fmtNum(order.price, 8)} is ${fmtPct(off)} from the oracle ${fmtNum(oracle, 8)}, band ${fmtPct(config.priceBand)}`);
    }
  }
  return denials.length === 0 ? { allowed: true } : { allowed: false, ...denials[0]!, denials };
}
