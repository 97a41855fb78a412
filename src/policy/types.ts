/**
 * Risk policies: small pure units that read the risk picture and their own state and return a vote for the
 * trading state, reasons with stable codes, and intents for the planner. No I/O; the same policies run in a
 * one-shot `ballast plan`, in backtests and in the daemon.
 *
 * Conventions: money in USD; exposures are signed USD delta notional (netDelta x mark) per underlying, gross =
 * sum of |exposure|; fractions are decimals (0.1 = 10 %); time is epoch ms UTC.
 */
import type { Portfolio } from '../model/types.ts';
import type { RiskReport } from '../risk/report.ts';

/** Trading state, strictest wins: ACTIVE < REDUCING < HALTED. REDUCING lets only risk-reducing orders through;
 * HALTED stops everything but the protective exits the configuration names. */
export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED';
export const STATE_RANK: Readonly<Record<TradingState, number>> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

export interface Reason {
  /** Policy instance name (its `name` in the config, default its type). */
  readonly policy: string;
  /** Stable machine code, e.g. DRAWDOWN_BAND_2, LIQUIDATION_BUFFER_BREACHED, STALE_MARKET_DATA. */
  readonly code: string;
  readonly message: string;
}

/** What a policy wants; the planner turns intents into orders. */
export type Intent =
  /** Scale total gross exposure (all underlyings, all accounts) to at most this USD amount. */
  | { readonly kind: 'target-gross'; readonly policy: string; readonly maxGrossUsd: number }
  /** Bring one underlying's net exposure (USD, signed) into [min, max]. */
  | { readonly kind: 'target-exposure'; readonly policy: string; readonly asset: string; readonly minUsd: number; readonly maxUsd: number }
  /** Raise an account's health factor to at least `minHealth` (top up, repay, reduce: cheapest first). */
  | { readonly kind: 'target-health'; readonly policy: string; readonly account: string; readonly minHealth: number }
  /** Close (fraction 1) or reduce one position. */
  | { readonly kind: 'reduce-position'; readonly policy: string; readonly account: string; readonly position: number; readonly fraction: number }
  /** Hedge net delta of an underlying back to `targetDelta` (underlying units) with perps. */
  | { readonly kind: 'hedge-delta'; readonly policy: string; readonly asset: string; readonly targetDelta: number }
  /** Buy protection: puts on `asset` with strike as a fraction of spot, expiry in days, spend at most `budgetUsd`. */
  | { readonly kind: 'buy-protection'; readonly policy: string; readonly asset: string; readonly strikeFraction: number; readonly expiryDays: number; readonly budgetUsd: number; readonly notionalUsd: number }
  /** Add exposure back (boost) up to a target gross, when far above the health target. */
  | { readonly kind: 'increase-gross'; readonly policy: string; readonly targetGrossUsd: number };

export type IntentKind = Intent['kind'];

/** A policy's decision for one evaluation. */
export interface Vote {
  readonly state: TradingState;
  readonly reasons: readonly Reason[];
  readonly intents: readonly Intent[];
}

/** Market history a policy may read, prepared by the caller (no I/O inside policies). */
export interface PolicyMarketContext {
  /** Forecast annualised vol per underlying (EWMA or GARCH), if known. */
  readonly forecastVol: Readonly<Record<string, number>>;
  /** Implied vol index (DVOL, annualised decimal) per underlying, if known. */
  readonly impliedVolIndex: Readonly<Record<string, number>>;
  /** Current funding rate per underlying, fraction per 8h (positive: longs pay). */
  readonly funding: Readonly<Record<string, number>>;
  /** Age of the market data in ms (now - asOf); policies fail safe when it is too old. */
  readonly dataAgeMs: number;
}

export interface PolicyContext {
  readonly now: number;
  readonly portfolio: Portfolio;
  readonly report: RiskReport;
  readonly market: PolicyMarketContext;
}

/** A policy: pure. `evaluate` returns the vote and the policy's next state; state is plain JSON (persistable). */
export interface Policy<S = unknown> {
  readonly type: string;
  readonly name: string;
  initialState(ctx: PolicyContext): S;
  evaluate(ctx: PolicyContext, state: S): { vote: Vote; state: S };
  /**
   * Optional explicit reset (added by the policy implementations, issue 4): clears latches and once-only flags
   * (drawdown-breaker in manual mode, protective-put bands). Only an operator calls it, never a policy itself.
   */
  reset?(state: S, ctx: PolicyContext): S;
  /**
   * Optional: where this policy is known to be quiet after an evaluation that returned `state` in `ctx`. For every
   * later context that differs from `ctx` only in prices, collateral amounts (funding, fees) and market context
   * (vols, funding rates), with the same data age, `now` before `until` and portfolio equity in
   * [minEquity, maxEquity], `evaluate` returns `state` unchanged and a vote with the same trading state and intents
   * (reason texts may differ). Null: no such band. A band may be narrower than the truth (it only costs evaluations),
   * never wider. The backtest pipeline skips evaluations inside it (src/backtest/pipeline.ts).
   */
  quiet?(ctx: PolicyContext, state: S): QuietBand | null;
}

/** See Policy.quiet. Equity in USD, time epoch ms. */
export interface QuietBand {
  readonly minEquity: number;
  readonly maxEquity: number;
  readonly until: number;
}
