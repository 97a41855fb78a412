/**
 * Planner output: orders with their reasons and predicted effect. Conventions: qty in the position's own unit
 * (coins linear/options, USD face for inverse contracts); side from the venue's point of view of the account.
 */
export type OrderKind = 'reduce' | 'close' | 'hedge' | 'buy-option' | 'transfer' | 'repay';

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
}
