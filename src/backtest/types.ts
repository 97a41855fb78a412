/**
 * Backtest pipeline contracts (issue 5): the ports the event loop drives. The same loop (./pipeline.ts) runs a
 * backtest now and paper / live mode later: only the feed (market events), the clock (the feed's own time in a
 * backtest) and the execution adapter change.
 *
 * Conventions: time epoch ms UTC; prices USD per unit (the bar's quote, USDT, taken at 1 USD); vols annualised
 * decimals; funding a fraction per the dataset's interval (positive: longs pay); quantities as src/model/types.ts
 * and Order quantities as src/planner/types.ts.
 */
import type { Order } from '../planner/types.ts';
import type { TradingState } from '../policy/types.ts';
import type { Book } from './book.ts';

/**
 * One bar of every asset, same open time. Arrays are indexed like `assets`. A feed may reuse one event object:
 * it is valid until the next `next()` call.
 */
export interface BarEvent {
  /** Bar index from 0. */
  readonly index: number;
  /** Open time of the bar; the bar covers [time, time + intervalMs). */
  readonly time: number;
  readonly intervalMs: number;
  readonly assets: readonly string[];
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** Volume in the base asset. */
  readonly volume: Float64Array;
  /** Funding rate paid at this bar's open (a funding time), NaN when none; positive: longs pay. */
  readonly funding: Float64Array;
  /** Latest known funding per 8h (policy context), NaN when unknown. */
  readonly fundingPer8h: Float64Array;
  /** Implied vol index (DVOL, decimal) of the previous UTC day, NaN when none. */
  readonly impliedVol: Float64Array;
  /** EWMA forecast vol (annualised) from returns up to the previous close, NaN before any return. */
  readonly forecastVol: Float64Array;
}

/** Market data port: bars in time order. The clock of a backtest is the feed's own time. */
export interface Feed {
  readonly assets: readonly string[];
  /** Total number of bars when known (progress), else null (live). */
  readonly length: number | null;
  next(): BarEvent | null;
}

/** One execution of (part of) an order, or a venue action (liquidation, funding, an option's cash settlement at
 * expiry: kind 'expiry', time the settlement point's, price the underlying's settlement price, no fee). */
export interface Fill {
  readonly time: number;
  readonly account: string;
  readonly asset: string;
  readonly kind: Order['kind'] | 'liquidation' | 'open' | 'expiry';
  readonly side: 'buy' | 'sell';
  /** Quantity filled, instrument units (> 0). */
  readonly qty: number;
  /** Execution price of the underlying, USD (transfers / repays: the asset's mark). */
  readonly price: number;
  /** USD notional filled. */
  readonly notionalUsd: number;
  /** Fee paid, USD. */
  readonly fee: number;
  /** Half-spread + impact paid, USD (included in the price). */
  readonly slippage: number;
  readonly position?: number;
  /** Quantity asked (partial fills: qty < requested). */
  readonly requested?: number;
  readonly note?: string;
}

export interface Liquidation {
  readonly time: number;
  readonly account: string;
  readonly bucket: string;
  /** Margin model of the venue: what the engine did (close the bucket, or an Aave liquidationCall). */
  readonly model: string;
  /** The intrabar point (0 open, 1 and 2 low/high in path order, 3 close) and the price of each asset there. */
  readonly point: number;
  readonly prices: Readonly<Record<string, number>>;
  readonly balanceBefore: number;
  readonly maintenanceBefore: number;
  /** Liquidation fee (tiered) or bonus paid to the liquidator (lending), USD. */
  readonly fee: number;
  /** Negative balance written off by the venue (insurance fund), USD. */
  readonly badDebt: number;
  /** Loss of the account to the liquidation: fee + bonus, USD (the price move itself is mark-to-market P&L). */
  readonly loss: number;
  /**
   * Partial liquidation (a venue whose preset has partialLiquidation): the share of each position above the
   * preset's notional threshold this event closed (positions at or below it: closed whole); the bucket stays open.
   * Absent: the event closed the whole bucket (or was an Aave liquidationCall).
   */
  readonly fraction?: number;
  /**
   * Backstop liquidation (partialLiquidation venues, balance below backstopBelow x maintenance): the bucket was
   * closed whole and the margin left after the fees taken by the venue's liquidator (included in fee and loss).
   */
  readonly backstop?: true;
}

/** What the venue did during one bar. */
export interface VenueStep {
  readonly fills: readonly Fill[];
  readonly liquidations: readonly Liquidation[];
  /** Funding paid (+) or received (-) by the book in this bar, USD. */
  readonly fundingPaid: number;
}

/** Execution port. The simulated venue (./venue.ts) queues orders and fills them as the bars go; a live adapter
 * would send them and report fills as they come. */
export interface ExecutionAdapter {
  /** Submit orders decided at `now`; returns what filled immediately (the simulated venue: nothing, see latency). */
  submit(orders: readonly Order[], now: number): readonly Fill[];
  /** Move through one bar: pending fills, funding, the venue's own liquidations, applied to `book`. */
  step(bar: BarEvent, book: Book): VenueStep;
  /** Orders submitted and not yet filled or cancelled (in flight, or later slices of a sliced plan). */
  pendingOrders(): number;
  /** Cancel every order not yet filled; returns them. */
  cancelPending(now: number): readonly Order[];
}

export interface Decision {
  readonly time: number;
  readonly state: TradingState;
  readonly previous: TradingState | null;
  readonly reasons: readonly { readonly policy: string; readonly code: string; readonly message: string }[];
  readonly orders: readonly Order[];
  readonly denials?: readonly { readonly order: number; readonly code: string; readonly message: string }[];
  readonly unmet?: readonly string[];
  /** Orders of an earlier plan (later slices, or still in flight) cancelled because this decision re-planned. */
  readonly cancelled?: number;
  /** Orders of an earlier plan still working (not re-planned: the state is no stricter than when it was made). */
  readonly working?: number;
}
