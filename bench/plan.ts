/**
 * Plan time of the seeded 1 000-position multi-venue book (bench/book.ts: 5 accounts on Binance cross, Bybit
 * isolated, Deribit portfolio and standard margin, Hyperliquid) with a health-guard target on every account.
 * - target 2.0, REDUCING (the figure of record): the Deribit standard-margin account (health 1.55) must act, the
 *   others are above target;
 * - target 4.0, ACTIVE: the portfolio-margin account (3.76) must act too; each of its points rebuilds a 300-position
 *   scenario grid (about 1.5 ms). (In REDUCING, 4.0 is out of reach: buying back the standard account's short
 *   calls would add BTC exposure to its BTC collateral.)
 * Best and median of `runs` after a warm-up; the whole planBook call (context, search, orders, snapshots).
 */
import type { Intent, TradingState } from '../src/policy/types.ts';
import { planBook } from '../src/planner/index.ts';
import type { Plan } from '../src/planner/types.ts';
import { benchBook } from './book.ts';

export interface PlanBench {
  readonly positions: number;
  readonly accounts: number;
  readonly target: number;
  readonly state: TradingState;
  readonly bestMs: number;
  readonly medianMs: number;
  readonly orders: number;
  readonly feasible: boolean;
  readonly method: string;
  readonly evaluations: number;
  readonly cost: number;
}

export function benchPlan(target = 2, state: TradingState = 'REDUCING', positions = 1000, runs = 21): PlanBench {
  const book = benchBook(positions);
  const intents: Intent[] = book.accounts.map((a) => ({ kind: 'target-health', policy: 'health-guard', account: a.id, minHealth: target }));
  const run = (): Plan => planBook(book, intents, state);
  let plan = run(); // warm-up (JIT)
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    plan = run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return {
    positions,
    accounts: book.accounts.length,
    target,
    state,
    bestMs: times[0]!,
    medianMs: times[Math.floor(times.length / 2)]!,
    orders: plan.orders.length,
    feasible: plan.feasible,
    method: plan.search?.method ?? 'unknown',
    evaluations: plan.search?.evaluations ?? 0,
    cost: plan.cost ?? 0,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [t, state] of [
    [2, 'REDUCING'],
    [4, 'ACTIVE'],
  ] as const) {
    const b = benchPlan(t, state);
    console.log(
      `plan: ${b.positions} positions in ${b.accounts} accounts, health target ${b.target} ${b.state} -> best ${b.bestMs.toFixed(1)} ms, median ${b.medianMs.toFixed(1)} ms (${b.orders} orders, feasible ${b.feasible}, ${b.method}, ${b.evaluations} points, cost ${b.cost.toFixed(0)} USD)`,
    );
  }
}
