/**
 * The backtest event loop, pure (no I/O): for each bar of the feed,
 *   market update (marks walk the intrabar path inside the venue; vols: DVOL where available, else the EWMA
 *   forecast; funding at funding times) -> venue step (pending fills, funding, the venue's liquidations)
 *   -> risk report at the close -> policies (composed, state carried from bar to bar) -> planner (only when the
 *   vote has intents: the no-op fast path plans nothing) -> pre-trade gate -> execution adapter.
 * The same loop runs paper and live mode later with another feed and execution adapter.
 *
 * Decisions are made at the bar's close (asOf = open + interval, data age 0) and reach the venue at the next
 * intrabar point (venue latency). A sliced plan is submitted whole: the venue holds each slice until its
 * `slice.afterMs`. While orders of a plan are still pending (later slices, or in flight with a latency of more
 * than one bar), the pipeline does not plan on top of them unless the trading state became stricter than when the
 * plan was made (then what is left is cancelled and the book re-planned); when no intent needs action any more,
 * what is left is cancelled. Decisions record `cancelled` and `working` counts.
 *
 * Quiet bars: after each evaluation the composed policies may give a quiet band (Policy.quiet: an equity range and
 * a time within which their state and vote cannot change). A later bar with no fill, no liquidation, no order
 * pending, nothing left to plan (no intents, or only target-gross caps the book still meets), its close equity in
 * the band and its close time before the band's end is closed without a risk report and without evaluating the
 * policies: the trading state carries over and equity, gross and health come from ./summary.ts (equal to the bit
 * to the report's). Without policies every bar is quiet. Results are the same as evaluating every bar
 * (`skipQuiet: false`; a test compares both on every bundled backtest config); `onBar` observers get every bar.
 */
import { gatePlan, planFromVote, type PlannerOptions } from '../planner/index.ts';
import type { Order } from '../planner/types.ts';
import { STATE_RANK } from '../policy/types.ts';
import { policyContext, preTradeCheck, type ComposedPolicy, type ComposedState, type PreTradeConfig, type TradingState } from '../policy/index.ts';
import type { AccountModel } from '../margin/terms.ts';
import type { Portfolio } from '../model/types.ts';
import type { Intent, QuietBand } from '../policy/types.ts';
import type { RiskReport } from '../risk/report.ts';
import { accountHealth, riskReport } from '../risk/report.ts';
import { zeroTerms } from '../margin/terms.ts';
import { Book } from './book.ts';
import { Summarizer, type CloseSummary } from './summary.ts';
import type { BarEvent, Decision, ExecutionAdapter, Feed, Fill, Liquidation } from './types.ts';

export interface PipelineOptions {
  /** The composed policies; null: no guard (the book is only marked, liquidated and funded). */
  readonly policy: ComposedPolicy | null;
  readonly preTrade?: PreTradeConfig;
  readonly planner?: PlannerOptions;
  /** Called every `progressEvery` bars with (done, total or null). */
  readonly onProgress?: (done: number, total: number | null) => void;
  readonly progressEvery?: number;
  /** Called at every close with the book's snapshot and its risk report, before the policies (observers: a
   * dashboard, a daemon's store, tests). The snapshot and report are valid after the call (immutable). */
  readonly onBar?: (bar: number, snapshot: Portfolio, report: RiskReport) => void;
  /** Default true: skip the report and the policy evaluation on quiet bars (results are the same; false builds a
   * report and evaluates the policies at every close, for comparison). */
  readonly skipQuiet?: boolean;
}

export interface PipelineResult {
  /** Bar open times; equity[0] is the equity at the first open, equity[k + 1] at the close of bar k. */
  readonly times: Float64Array;
  readonly equity: Float64Array;
  /** Gross exposure (USD) at each close. */
  readonly gross: Float64Array;
  /** Lowest account health factor at each close (Infinity when nothing is required). */
  readonly health: Float64Array;
  readonly states: TradingState[];
  readonly decisions: Decision[];
  readonly fills: Fill[];
  readonly liquidations: Liquidation[];
  readonly fundingPaid: number;
  readonly bars: number;
  /** Bars closed on the quiet path (no report, no policy evaluation; see the module doc). */
  readonly quietBars: number;
  readonly intervalMs: number;
  readonly final: Portfolio;
}

const STATES: readonly TradingState[] = ['ACTIVE', 'REDUCING', 'HALTED'];

export function runPipeline(portfolio: Portfolio, feed: Feed, venue: ExecutionAdapter, options: PipelineOptions): PipelineResult {
  const book = new Book(portfolio, feed.assets);
  const cap = feed.length ?? 1024;
  let times = new Float64Array(cap);
  let equity = new Float64Array(cap + 1);
  let gross = new Float64Array(cap);
  let health = new Float64Array(cap);
  const states: TradingState[] = [];
  const decisions: Decision[] = [];
  const fills: Fill[] = [];
  const liquidations: Liquidation[] = [];
  let fundingPaid = 0;
  let state: ComposedState | undefined;
  let previous: TradingState | null = null;
  /** Trading state when the orders still pending at the venue were planned. */
  let plannedState: TradingState = 'ACTIVE';
  const policy = options.policy;
  const preTrade: PreTradeConfig = options.preTrade ?? { protectiveExits: [], maxDataAgeMs: Infinity };
  const every = options.progressEvery ?? 1000;
  const forecastVol: Record<string, number> = {};
  const impliedVolIndex: Record<string, number> = {};
  const funding: Record<string, number> = {};
  let n = 0;
  let intervalMs = 0;
  // the book's cached margin models (rebuilt only when an account changes, or each bar with options)
  const bookModel = (i: number): AccountModel => book.model(i);
  const scratch = zeroTerms();
  const summarizer = new Summarizer();
  const close: CloseSummary = { equity: 0, gross: 0, health: Infinity };
  /** The composed policies' quiet band after the last evaluation (null: evaluate every bar). */
  let quiet: QuietBand | null = null;
  /** Whether the last evaluation's intents needed planning, and the intents. */
  let lastNeeded = true;
  let lastIntents: readonly Intent[] = [];
  let skipped = 0;

  for (let bar = feed.next(); bar !== null; bar = feed.next()) {
    if (n + 1 >= times.length) {
      times = grow(times);
      equity = grow(equity);
      gross = grow(gross);
      health = grow(health);
    }
    intervalMs = bar.intervalMs;
    updateMarket(book, bar, forecastVol, impliedVolIndex, funding);
    if (n === 0) equity[0] = riskReport(book.snapshot(), { model: bookModel }).portfolio.equity;
    const step = venue.step(bar, book);
    if (step.fills.length > 0) fills.push(...step.fills);
    if (step.liquidations.length > 0) liquidations.push(...step.liquidations);
    fundingPaid += step.fundingPaid;

    book.asOf = bar.time + bar.intervalMs;
    book.marketChanged();
    times[n] = bar.time;

    // Quiet bar: no report and no policy evaluation when nothing can change the vote (see the module doc).
    if (!options.onBar && options.skipQuiet !== false && (policy === null || (quiet !== null && !lastNeeded && step.fills.length === 0 && step.liquidations.length === 0 && venue.pendingOrders() === 0 && book.asOf < quiet.until))) {
      summarizer.compute(book, close);
      if (policy === null || (close.equity >= quiet!.minEquity && close.equity <= quiet!.maxEquity && grossSatisfied(lastIntents, close.gross))) {
        equity[n + 1] = close.equity;
        gross[n] = close.gross;
        health[n] = close.health;
        const current: TradingState = previous ?? 'ACTIVE';
        states.push(current);
        previous = current;
        n++;
        skipped++;
        if (options.onProgress && n % every === 0) options.onProgress(n, feed.length);
        continue;
      }
    }

    const snapshot = book.snapshot();
    const report = riskReport(snapshot, { model: bookModel });
    equity[n + 1] = report.portfolio.equity;
    gross[n] = grossOf(report);
    // lowest account health at the close, from the cached models (the report's accounts are built only if read)
    let h = Infinity;
    for (let i = 0; i < book.accounts.length; i++) {
      const hf = accountHealth(book.model(i), book.price, scratch);
      if (hf < h) h = hf;
    }
    health[n] = h;
    if (options.onBar) options.onBar(n, snapshot, report);

    let current: TradingState = 'ACTIVE';
    if (policy) {
      const ctx = policyContext(snapshot, { now: book.asOf, report, forecastVol, impliedVolIndex, funding, dataAgeMs: 0 });
      state ??= policy.initialState(ctx);
      const r = policy.evaluate(ctx, state);
      state = r.state;
      const vote = r.vote;
      current = vote.state;
      let submitted: readonly Order[] = [];
      let decision: Decision | null = null;
      const working = venue.pendingOrders();
      const needed = vote.intents.length > 0 && !allSatisfied(vote.intents, report);
      lastNeeded = needed;
      lastIntents = vote.intents;
      quiet = options.skipQuiet === false || !policy.quiet ? null : policy.quiet(ctx, state);
      if (needed && working > 0 && STATE_RANK[current] <= STATE_RANK[plannedState]) {
        // the last plan is still working (later slices, or orders in flight): let it fill, do not plan on top of it
        if (current !== previous) decision = { time: book.asOf, state: current, previous, reasons: vote.reasons, orders: [], working };
      } else if (needed) {
        // re-plan from the actual book; what is left of an earlier plan is cancelled first
        const cancelled = working > 0 ? venue.cancelPending(book.asOf).length : 0;
        const plan = planFromVote(snapshot, vote, { protectiveExits: preTrade.protectiveExits, ...options.planner });
        const gated = gatePlan(plan, (o) => preTradeCheck(o, ctx, preTrade, vote.state));
        const denied = new Set((gated.denials ?? []).map((d) => d.order));
        submitted = gated.orders.filter((_, i) => !denied.has(i));
        if (submitted.length > 0) {
          venue.submit(submitted, book.asOf);
          plannedState = current;
        }
        if (submitted.length > 0 || denied.size > 0 || cancelled > 0 || current !== previous) {
          decision = {
            time: book.asOf,
            state: current,
            previous,
            reasons: vote.reasons,
            orders: submitted,
            ...(gated.denials && gated.denials.length > 0 ? { denials: gated.denials } : {}),
            ...(gated.unmet.length > 0 ? { unmet: gated.unmet } : {}),
            ...(cancelled > 0 ? { cancelled } : {}),
          };
        }
      } else {
        // nothing to do: what is left of an earlier plan is no longer wanted
        const cancelled = working > 0 ? venue.cancelPending(book.asOf).length : 0;
        if (cancelled > 0 || current !== previous) decision = { time: book.asOf, state: current, previous, reasons: vote.reasons, orders: [], ...(cancelled > 0 ? { cancelled } : {}) };
      }
      if (decision) decisions.push(decision);
    }
    states.push(current);
    previous = current;
    n++;
    if (options.onProgress && n % every === 0) options.onProgress(n, feed.length);
  }
  if (options.onProgress) options.onProgress(n, feed.length);
  return {
    times: times.slice(0, n),
    equity: equity.slice(0, n + 1),
    gross: gross.slice(0, n),
    health: health.slice(0, n),
    states,
    decisions,
    fills,
    liquidations,
    fundingPaid,
    bars: n,
    quietBars: skipped,
    intervalMs,
    final: book.snapshot(),
  };
}

/**
 * The no-op fast path: intents the book already meets (gross at or under a target-gross, net exposure inside a
 * target-exposure range, health at or above a target-health) give the planner nothing to do, so a bar whose intents
 * are all met is not planned (a latched breaker keeps voting target-gross 0 on a flat book every bar). Other
 * intents are always planned.
 */
export function allSatisfied(intents: readonly Intent[], report: RiskReport): boolean {
  const tol = 1e-9;
  for (const i of intents) {
    if (i.kind === 'target-gross') {
      if (!grossMeets(i.maxGrossUsd, grossOf(report))) return false;
    } else if (i.kind === 'target-exposure') {
      const e = report.portfolio.underlyings[i.asset]?.netDeltaUsd ?? 0;
      if (e < i.minUsd - tol * Math.abs(i.minUsd) - tol || e > i.maxUsd + tol * Math.abs(i.maxUsd) + tol) return false;
    } else if (i.kind === 'target-health') {
      const a = report.accounts.find((x) => x.id === i.account);
      if (!a || (a.healthFactor !== null && a.healthFactor < i.minHealth)) return false;
    } else return false;
  }
  return true;
}

/** Sum of |net delta x mark| over the report's underlyings, in their order (the recorded gross exposure). */
function grossOf(report: RiskReport): number {
  let g = 0;
  const underlyings = report.portfolio.underlyings;
  for (const u in underlyings) g += Math.abs(underlyings[u]!.netDeltaUsd);
  return g;
}

/** A target-gross is met at or under its cap (relative and absolute tolerance 1e-9). */
const grossMeets = (maxGrossUsd: number, gross: number): boolean => !(gross > maxGrossUsd * (1 + 1e-9) + 1e-9);

/** On a quiet bar the last intents must still need nothing: none, or only target-gross caps the gross still meets. */
function grossSatisfied(intents: readonly Intent[], gross: number): boolean {
  for (const i of intents) if (i.kind !== 'target-gross' || !grossMeets(i.maxGrossUsd, gross)) return false;
  return true;
}

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2 + 2);
  b.set(a);
  return b;
}

/** The bar's market inputs: option vols (DVOL, else the EWMA forecast), and the policy context's vol and funding. */
function updateMarket(book: Book, bar: BarEvent, forecastVol: Record<string, number>, impliedVolIndex: Record<string, number>, funding: Record<string, number>): void {
  book.asOf = bar.time;
  for (let a = 0; a < bar.assets.length; a++) {
    const asset = bar.assets[a]!;
    const j = book.assetIndex.get(asset);
    const iv = bar.impliedVol[a]!;
    const fv = bar.forecastVol[a]!;
    if (Number.isFinite(fv)) forecastVol[asset] = fv;
    if (Number.isFinite(iv)) impliedVolIndex[asset] = iv;
    else delete impliedVolIndex[asset];
    const f = bar.fundingPer8h[a]!;
    if (Number.isFinite(f)) funding[asset] = f;
    if (j !== undefined) book.vols[j] = Number.isFinite(iv) ? iv : fv;
  }
  book.marketChanged();
}

export const TRADING_STATES = STATES;
