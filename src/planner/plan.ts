/**
 * The planner: from intents to the cheapest orders that restore safety (issue 4). Pure: a portfolio, the
 * intents, the trading state and options in; a Plan out. Deterministic: no randomness, stable orders everywhere.
 *
 * 1. context.ts: the book's key builds, deltas, cash assets, costs data.
 * 2. levers.ts: intents -> levers (candidate actions on a grid of 10 % steps) and targets; the state's rules.
 * 3. search.ts: greedy + local improvement, exact branch and bound when the grid is small.
 * 3b. boost.ts (increase-gross in ACTIVE): on top of the search's point, the largest pro-rata growth of the book's
 *    directional positions up to the target gross that keeps every target met, every account's health >=
 *    minHealthAfterIncrease and each slice within maxImpact. What limited it is a note (a boost is optional: a
 *    capped one leaves the plan feasible).
 * 4. orders.ts: the orders in execution order, sliced when impact is too high, with predicted health.
 * 5. Snapshots (AccountSnapshot): before = the book now; after = the planned book at the marks moved by its own
 *    trades (evaluate.ts; equal to applyScenario of the move on the planned book, plan.test.ts). healthFactor:
 *    lowest bucket health, null when nothing is required; equity as the risk report; grossExposure: sum over
 *    positions and non-stable collateral of |delta x mark| (USD, the risk report's gross-leverage numerator per
 *    account, deltas at the snapshot's marks).
 * feasible: every target met, nothing unmet; otherwise `unmet` says what is left and the plan is the least bad.
 */
import type { Portfolio } from '../model/types.ts';
import type { Reason, TradingState, Vote } from '../policy/types.ts';
import { marketPrices } from '../risk/prices.ts';
import { valuePosition } from '../risk/valuation.ts';
import { applyScenario } from '../stress/apply.ts';
import { resolveOptions, type PlannerOptions } from './config.ts';
import { sizeBoost } from './boost.ts';
import { buildContext, type BookContext } from './context.ts';
import { Evaluator, type Evaluation } from './evaluate.ts';
import { buildSearchSpace, type SearchSpace } from './levers.ts';
import { materialize } from './orders.ts';
import { search } from './search.ts';
import type { AccountSnapshot, Order, Plan } from './types.ts';
import type { Intent } from '../policy/types.ts';

export interface PlanBookOptions extends PlannerOptions {
  /** The vote's reasons: copied into the plan; their codes label the orders of the same policy. */
  readonly reasons?: readonly Reason[];
}

/** Everything the planner builds, for tests and diagnostics. */
export interface Problem {
  readonly ctx: BookContext;
  readonly space: SearchSpace;
  /** The search's evaluator (space.levers). */
  readonly evaluator: Evaluator;
  /** With a plannable increase-gross: the evaluator of space.levers followed by space.increases (boost.ts). */
  readonly boost: Evaluator | null;
}

export function buildProblem(portfolio: Portfolio, intents: readonly Intent[], state: TradingState, options: PlanBookOptions = {}): Problem {
  const ctx = buildContext(portfolio, resolveOptions(options));
  const codes = new Map<string, string>();
  for (const r of options.reasons ?? []) if (!codes.has(r.policy)) codes.set(r.policy, r.code);
  const space = buildSearchSpace(ctx, intents, state, codes);
  const evaluator = new Evaluator(ctx, space.levers, space.targets, state);
  const boost = space.increase && space.increases.length > 0 ? new Evaluator(ctx, [...space.levers, ...space.increases], space.targets, state) : null;
  return { ctx, space, evaluator, boost };
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Gross exposure (USD) per account: positions and non-stable collateral, |delta x mark| at the book's marks. */
export function grossExposures(p: Portfolio): number[] {
  const prices = marketPrices(p.market, 'planner');
  const stable = (a: string): boolean => a === 'USD' || p.market.stables.has(a);
  return p.accounts.map((a) => {
    let g = 0;
    for (const pos of a.positions) {
      if (stable(pos.asset)) continue;
      const mark = prices(pos.asset);
      g += Math.abs(valuePosition(pos, mark, p.market).delta * mark);
    }
    for (const [asset, amount] of Object.entries(a.collateral)) if (!stable(asset)) g += Math.abs(amount * prices(asset));
    return g;
  });
}

/** Gross exposure of an account now, from the context's deltas (same as grossExposures of the portfolio). */
function grossOf(ctx: BookContext, i: number): number {
  const a = ctx.accounts[i]!;
  let g = 0;
  a.account.positions.forEach((p, j) => {
    if (!ctx.isStable(p.asset)) g += Math.abs(a.delta[j]! * ctx.prices(p.asset));
  });
  for (const [asset, amount] of Object.entries(a.account.collateral)) if (!ctx.isStable(asset)) g += Math.abs(amount * ctx.prices(asset));
  return g;
}

/** The planned book at the marks its own trades move to (stress/apply.ts: sticky-strike vols). */
export function plannedBook(e: Evaluation): Portfolio {
  if (!e.portfolio) throw new Error('plannedBook: evaluate with { portfolio: true }');
  if (e.moves.size === 0) return e.portfolio;
  const prices = Object.fromEntries([...e.moves].map(([u, m]) => [u, 1 + m]));
  return applyScenario(e.portfolio, { name: 'plan impact', prices });
}

function describeTarget(p: Problem, e: Evaluation, i: number): string {
  const t = p.space.targets[i]!;
  const why = `(${t.reasons.map((r) => `${r.policy} ${r.code}`).join(', ')})`;
  const f = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(4)).toString());
  switch (t.kind) {
    case 'health':
      return `health of ${p.ctx.accounts[t.account]!.account.id}: ${f(e.health[t.account]!)} after the plan, target ${f(t.min)} ${why}`;
    case 'gross':
      return `gross exposure above ${f(t.max)} USD after the plan ${why}`;
    case 'exposure':
      return `${t.asset} exposure ${f((e.net.get(t.asset) ?? 0) * p.ctx.prices(t.asset) * (1 + (e.moves.get(t.asset) ?? 0)))} USD outside [${f(t.min)}, ${f(t.max)}] ${why}`;
    case 'delta':
      return `${t.asset} net delta ${f(e.net.get(t.asset) ?? 0)}, target ${f(t.target)} ${why}`;
  }
}

/** The plan with what it was derived from: the problem and the exact evaluation of the chosen point. */
export interface ExplainedPlan {
  readonly plan: Plan;
  readonly problem: Problem;
  /** The chosen point, evaluated exactly, with the planned book (plannedBook gives it at the moved marks). */
  readonly evaluation: Evaluation;
  /** The evaluator whose levers the evaluation's levels index (problem.boost when an increase was sized). */
  readonly evaluator: Evaluator;
}

export const planBook = (portfolio: Portfolio, intents: readonly Intent[], state: TradingState, options: PlanBookOptions = {}): Plan =>
  explainPlan(portfolio, intents, state, options).plan;

export function explainPlan(portfolio: Portfolio, intents: readonly Intent[], state: TradingState, options: PlanBookOptions = {}): ExplainedPlan {
  const problem = buildProblem(portfolio, intents, state, options);
  const { ctx, space } = problem;
  const result = search(problem.evaluator, ctx.options.search, ctx.options.exactLimit);
  let evaluator = problem.evaluator;
  let levels: ArrayLike<number> = result.best.levels;
  const notes = [...space.notes];
  if (problem.boost && space.increase) {
    const goal = space.increase;
    const b = sizeBoost(problem.boost, levels, space.levers.length, goal.target);
    evaluator = problem.boost;
    levels = b.levels;
    const f = (x: number): string => x.toFixed(0);
    const what = `${goal.reasons.map((r) => r.text).join('; ')} (${goal.reasons.map((r) => `${r.policy} ${r.code}`).join(', ')})`;
    if (b.k > 0) notes.push(`${what}: positions grown by ${Number((b.k * 100).toPrecision(4))} %, gross ${f(b.grossBefore)} -> ${f(b.grossAfter)} USD${b.limit ? `, short of the target: cut at ${b.limit}` : ''}`);
    else notes.push(`${what}: no increase, gross ${f(b.grossBefore)} USD${b.limit ? `: ${b.limit}` : ' is at or above the target'}`);
  }
  const best = evaluator.evaluate(levels, { portfolio: true });
  const orders = materialize(evaluator, best);

  const unmet = [...space.unmet];
  if (!best.valid) unmet.push(`no valid plan: ${best.invalid}`);
  best.targetViolation.forEach((v, i) => {
    if (v > 0) unmet.push(describeTarget(problem, best, i));
  });
  best.imViolation.forEach((v, i) => {
    if (v > 0) unmet.push(`${ctx.accounts[i]!.account.id}: below its initial margin after the plan (a venue refuses the withdrawal or the order)`);
  });

  const before: AccountSnapshot[] = ctx.accounts.map((a) => ({ id: a.account.id, healthFactor: finiteOrNull(a.terms.health), equity: a.equity, grossExposure: grossOf(ctx, a.idx) }));
  const after = plannedBook(best);
  const grossAfter = grossExposures(after);
  const afterSnaps: AccountSnapshot[] = ctx.accounts.map((a) => ({ id: a.account.id, healthFactor: finiteOrNull(best.health[a.idx]!), equity: best.equity[a.idx]!, grossExposure: grossAfter[a.idx]! }));

  const plan: Plan = {
    state,
    reasons: (options.reasons ?? []).map((r) => ({ policy: r.policy, code: r.code, message: r.message })),
    orders,
    before: { accounts: before },
    after: { accounts: afterSnaps },
    feasible: unmet.length === 0,
    unmet,
    cost: best.cost,
    moves: Object.fromEntries(best.moves),
    notes,
    search: { method: result.method, evaluations: result.evaluations, gridSize: result.gridSize },
  };
  return { plan, problem, evaluation: best, evaluator };
}

/** A pre-trade gate's answer for one order (policy/pretrade.ts preTradeCheck fits). */
export type GateResult = { readonly allowed: true } | { readonly allowed: false; readonly code: string; readonly message: string };

/**
 * Run a pre-trade gate over the orders: each refused order is listed in `denials` and in `unmet`, and the plan is
 * no longer feasible (its orders and predictions are kept: the plan without them is another plan).
 */
export function gatePlan(plan: Plan, gate: (order: Order) => GateResult): Plan {
  const denials: { order: number; code: string; message: string }[] = [];
  plan.orders.forEach((o, i) => {
    const r = gate(o);
    if (!r.allowed) denials.push({ order: i, code: r.code, message: r.message });
  });
  if (denials.length === 0) return plan;
  const unmet = [...plan.unmet, ...denials.map((d) => `order ${d.order} (${plan.orders[d.order]!.kind} ${plan.orders[d.order]!.asset} on ${plan.orders[d.order]!.account}) denied: ${d.code}: ${d.message}`)];
  return { ...plan, feasible: false, unmet, denials };
}

/** The composed vote of the policies, the portfolio and the planner options -> the plan (for `ballast plan`). */
export const planFromVote = (portfolio: Portfolio, vote: Vote, options: PlannerOptions = {}): Plan =>
  planBook(portfolio, vote.intents, vote.state, { ...options, reasons: vote.reasons });
