/**
 * Planner output: orders with their reasons and predicted effect. Conventions: qty in the position's own unit
 * (coins linear/options, USD face for inverse contracts); side from the venue's point of view of the account.
 * Transfers: `account` is the source (an account id, or the name of a reserve outside the book), `to` the
 * destination, side 'sell' (the asset leaves the source), `position` the isolated position topped up if any.
 * Repays: side 'buy' (the debt is bought back), `source` what pays for it.
 * Increases (increase-gross intents, ACTIVE only): add to an existing perp, future or long spot position on the side
 * of its own direction (a buy for a long, a sell for a short), so it never flips or opens an instrument.
 */
export type OrderKind = 'reduce' | 'close' | 'hedge' | 'buy-option' | 'transfer' | 'repay' | 'increase';

export interface Order {
  readonly account: string;
  readonly asset: string;
  readonly kind: OrderKind;
  readonly side: 'buy' | 'sell';
  /** Quantity in the instrument's unit; for transfer/repay: amount of `asset`. */
  readonly qty: number;
  /** Index of the position it acts on (file order), when it acts on one. */
  readonly position?: number;
  /** Destination account for a transfer. */
  readonly to?: string;
  /** Which policy intent this serves, human readable, with the policy and code. */
  readonly reason: string;
  /** Expected cost in USD: fees + half-spread + impact. */
  readonly expectedCost: number;
  /** Predicted health factor of the account after this order (and those before it). */
  readonly expectedHealthAfter: number | null;
  /** For sliced execution: slice index and delay from now in ms. */
  readonly slice?: { readonly index: number; readonly of: number; readonly afterMs: number };
  /** The intent's policy and reason code (the first one when the order serves several). */
  readonly policy?: string;
  readonly code?: string;
  /** Transfers: predicted health of the destination (`to`) after this order. */
  readonly toHealthAfter?: number | null;
  /** Repays: what pays the debt (the account's own supplied asset, or a reserve), in units of that asset. */
  readonly source?: { readonly account?: string; readonly asset: string; readonly qty: number };
  /** Market orders: USD notional (coins x mark; USD face for inverse contracts; options: of the underlying). */
  readonly notionalUsd?: number;
  /** Signed change of the underlying's net delta, USD at the mark (reduces, increases, hedges, puts). */
  readonly deltaUsd?: number;
  /** Linear market orders: limit price of the underlying, the mark moved against the order by the expected
   * half-spread and impact of its slice. */
  readonly price?: number;
  /**
   * buy-option orders: the option to buy (qty: contracts of one coin of `asset`). strike: USD per coin; expiry: ISO
   * 8601 date-time, UTC (as the portfolio document writes an option's expiry; the model holds it as epoch ms);
   * premiumUsd: expected premium per contract at the decision, USD per coin (the planner's ask: Black-Scholes mid at
   * the market vol + half-spread, fee excluded). Settlement (inverse or linear) is the account's venue's.
   */
  readonly option?: OptionSpec;
}

/** The option of a buy-option order (see Order.option for units). */
export interface OptionSpec {
  readonly right: 'put' | 'call';
  readonly strike: number;
  readonly expiry: string;
  readonly premiumUsd?: number;
}

export interface AccountSnapshot {
  readonly id: string;
  readonly healthFactor: number | null;
  readonly equity: number;
  readonly grossExposure: number;
}

export interface Plan {
  readonly state: 'ACTIVE' | 'REDUCING' | 'HALTED';
  readonly reasons: readonly { readonly policy: string; readonly code: string; readonly message: string }[];
  readonly orders: readonly Order[];
  readonly before: { readonly accounts: readonly AccountSnapshot[] };
  readonly after: { readonly accounts: readonly AccountSnapshot[] };
  /** True when the orders meet every target; false: the least bad plan, with `unmet` saying what is left. */
  readonly feasible: boolean;
  readonly unmet: readonly string[];
  /** Total expected cost of the orders, USD. */
  readonly cost?: number;
  /** Predicted marks after the plan's own trades (the reflexive loop): fraction move per underlying. */
  readonly moves?: Readonly<Record<string, number>>;
  /** What the planner noticed without it making the plan infeasible (ignored intents, defaults used). */
  readonly notes?: readonly string[];
  /** How the plan was searched: exact (whole grid) or greedy, points evaluated, grid size. */
  readonly search?: { readonly method: 'exact' | 'greedy'; readonly evaluations: number; readonly gridSize: number };
  /** Orders a pre-trade gate refused (gatePlan), by index in `orders`. */
  readonly denials?: readonly { readonly order: number; readonly code: string; readonly message: string }[];
}
