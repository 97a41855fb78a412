/**
 * Planner properties on random small books (fast-check): feasible plans meet their health targets on the real
 * margin models; in REDUCING no order adds risk; the plan's cost is the brute-force minimum of the same step
 * grid; the same input gives the same plan; the reflexive loop lowers a long book's health after.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAccountModel } from '../margin/index.ts';
import { evaluateBucket, healthFactor } from '../margin/terms.ts';
import { validatePortfolio } from '../model/parse.ts';
import type { Portfolio } from '../model/types.ts';
import type { Intent, TradingState } from '../policy/types.ts';
import { marketPrices } from '../risk/prices.ts';
import { valuePosition } from '../risk/valuation.ts';
import type { Evaluation, Evaluator } from './evaluate.ts';
import { preTradeCheck } from '../policy/pretrade.ts';
import { riskReport } from '../risk/report.ts';
import { buildProblem, explainPlan, gatePlan, planBook, plannedBook, type PlanBookOptions } from './plan.ts';

const PRICES = { BTC: 60000, ETH: 3000, USDT: 1, USDC: 1 };

interface PerpSpec {
  asset: 'BTC' | 'ETH';
  size: number;
  long: boolean;
  entry: number;
}
interface BookSpec {
  collateral: number;
  perps: PerpSpec[];
  lending: { eth: number; ltv: number } | null;
}

const perpArb = fc.record({
  asset: fc.constantFrom<'BTC' | 'ETH'>('BTC', 'ETH'),
  size: fc.double({ min: 0.05, max: 1, noNaN: true }),
  long: fc.boolean(),
  entry: fc.double({ min: 0.85, max: 1.15, noNaN: true }),
});

const bookArb = (maxPerps: number, lending: boolean): fc.Arbitrary<BookSpec> =>
  fc.record({
    collateral: fc.double({ min: 3000, max: 60000, noNaN: true }),
    perps: fc.array(perpArb, { minLength: 1, maxLength: maxPerps }),
    lending: lending ? fc.option(fc.record({ eth: fc.double({ min: 2, max: 40, noNaN: true }), ltv: fc.double({ min: 0.3, max: 0.78, noNaN: true }) }), { nil: null }) : fc.constant(null),
  });

/** Sizes in USD notional: BTC 0.05-1 x 200 k, ETH the same notional in ETH. */
function toPortfolio(b: BookSpec): Portfolio {
  const positions = b.perps.map((p) => {
    const px = PRICES[p.asset];
    const qty = ((p.long ? 1 : -1) * p.size * 200_000) / px;
    return { kind: 'perp', asset: p.asset, qty, entry: px * p.entry };
  });
  const accounts: unknown[] = [{ id: 'cex', venue: 'binance-usdm', mode: 'cross', collateral: { USDT: b.collateral }, positions }];
  if (b.lending) {
    accounts.push({
      id: 'aave',
      venue: 'aave-v3',
      positions: [
        { kind: 'supply', asset: 'ETH', qty: b.lending.eth },
        { kind: 'borrow', asset: 'USDC', qty: b.lending.eth * 3000 * b.lending.ltv },
      ],
    });
  }
  return validatePortfolio({ asOf: '2024-03-01T00:00:00Z', market: { prices: PRICES, vols: { BTC: 0.6 }, rate: 0 }, accounts }, 'random book');
}

const realHealth = (p: Portfolio): number[] =>
  p.accounts.map((a) => {
    const prices = marketPrices(p.market);
    return Math.min(Infinity, ...buildAccountModel(a, p.market).buckets.map((b) => healthFactor(evaluateBucket(b, prices))));
  });

/** Health targets above the current health of each account: factor x current. */
function healthIntents(p: Portfolio, factors: readonly number[]): Intent[] {
  const now = realHealth(p);
  return p.accounts.flatMap((a, i): Intent[] => (Number.isFinite(now[i]!) ? [{ kind: 'target-health', policy: 'health-guard', account: a.id, minHealth: now[i]! * factors[i % factors.length]! }] : []));
}

/** Brute force over the same step grid: valid first, smallest violation, then cheapest. */
function bruteForce(ev: Evaluator): Evaluation {
  const grids = ev.levers.map((l) => {
    const g = [l.min];
    for (let k = Math.floor(l.min) + 1; k <= l.steps; k++) g.push(k);
    return g;
  });
  const idx = new Array<number>(grids.length).fill(0);
  let best: Evaluation | undefined;
  for (;;) {
    const e = ev.evaluate(idx.map((k, i) => grids[i]![k]!));
    if (
      best === undefined ||
      (e.valid && !best.valid) ||
      (e.valid === best.valid && (e.violation < best.violation - 1e-12 || (Math.abs(e.violation - best.violation) <= 1e-12 && e.cost < best.cost)))
    ) {
      best = e;
    }
    let i = 0;
    while (i < idx.length && ++idx[i]! === grids[i]!.length) idx[i++] = 0;
    if (i === idx.length) return best;
  }
}

const stateArb = fc.constantFrom<TradingState>('ACTIVE', 'REDUCING');
const factorArb = fc.array(fc.double({ min: 1.02, max: 4, noNaN: true }), { minLength: 2, maxLength: 2 });

describe('planner properties', () => {
  it('when feasible, the health after (real margin models, moved marks) is at least the target for every account', () => {
    fc.assert(
      fc.property(bookArb(3, true), factorArb, stateArb, (spec, factors, state) => {
        const p = toPortfolio(spec);
        const intents = healthIntents(p, factors);
        const { plan, evaluation } = explainPlan(p, intents, state);
        if (!plan.feasible) return;
        const after = realHealth(plannedBook(evaluation));
        for (const it of intents) {
          if (it.kind !== 'target-health') continue;
          const i = p.accounts.findIndex((a) => a.id === it.account);
          expect(after[i]!).toBeGreaterThanOrEqual(it.minHealth * (1 - 1e-9));
          expect(plan.after.accounts[i]!.healthFactor ?? Infinity).toBeGreaterThanOrEqual(it.minHealth);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('in REDUCING no order adds risk: each order cuts |exposure| of its account and underlying without crossing zero; hedges cut the book net', () => {
    const intentArb = fc.oneof(
      fc.constant<Intent | null>(null),
      fc.double({ min: 0, max: 300_000, noNaN: true }).map((g): Intent => ({ kind: 'target-gross', policy: 'dd', maxGrossUsd: g })),
      fc.double({ min: -2, max: 2, noNaN: true }).map((d): Intent => ({ kind: 'hedge-delta', policy: 'dh', asset: 'BTC', targetDelta: d })),
      fc.tuple(fc.double({ min: -100_000, max: 0, noNaN: true }), fc.double({ min: 0, max: 100_000, noNaN: true })).map(([lo, hi]): Intent => ({ kind: 'target-exposure', policy: 'caps', asset: 'ETH', minUsd: lo, maxUsd: hi })),
    );
    fc.assert(
      fc.property(bookArb(3, true), factorArb, intentArb, (spec, factors, extra) => {
        const p = toPortfolio(spec);
        const intents = [...healthIntents(p, factors), ...(extra ? [extra] : [])];
        const plan = planBook(p, intents, 'REDUCING');
        // exposures in coins, re-derived here from the positions' deltas
        const exposure = new Map<string, number>();
        const net = new Map<string, number>();
        const left = new Map<string, number>();
        for (const a of p.accounts) {
          for (const pos of a.positions) {
            if (pos.asset === 'USDC' || pos.asset === 'USDT') continue;
            const d = valuePosition(pos, p.market.prices[pos.asset]!, p.market).delta;
            exposure.set(`${a.id}:${pos.asset}`, (exposure.get(`${a.id}:${pos.asset}`) ?? 0) + d);
            net.set(pos.asset, (net.get(pos.asset) ?? 0) + d);
            left.set(`${a.id}#${pos.index}`, Math.abs(pos.qty));
          }
        }
        // rounding allowance: 1e-9 of the exposure the key started with (closing everything leaves ~1e-13 coins)
        const scale = new Map([...exposure, ...net].map(([k, v]) => [k, 1e-9 * Math.max(1, Math.abs(v))]));
        const move = (key: string, d: number, map: Map<string, number>): void => {
          const e0 = map.get(key) ?? 0;
          const e1 = e0 + d;
          const tol = scale.get(key) ?? 1e-9;
          expect(Math.abs(e1), `${key}: ${e0} -> ${e1}`).toBeLessThanOrEqual(Math.abs(e0) + tol);
          expect(e1 * Math.sign(e0), `${key} crosses zero: ${e0} -> ${e1}`).toBeGreaterThanOrEqual(-tol);
          map.set(key, e1);
        };
        for (const o of plan.orders) {
          if (o.kind === 'reduce' || o.kind === 'close') {
            const a = p.accounts.find((x) => x.id === o.account)!;
            const pos = a.positions.find((x) => x.index === o.position)!;
            const key = `${a.id}#${pos.index}`;
            expect(o.qty).toBeLessThanOrEqual(left.get(key)! * (1 + 1e-9));
            left.set(key, left.get(key)! - o.qty);
            expect(o.side).toBe(pos.qty > 0 ? 'sell' : 'buy');
            const d = -Math.sign(pos.qty) * o.qty;
            move(`${a.id}:${pos.asset}`, d, exposure);
            net.set(pos.asset, (net.get(pos.asset) ?? 0) + d);
          } else if (o.kind === 'hedge') {
            move(o.asset, (o.side === 'buy' ? 1 : -1) * o.qty, net);
          } else if (o.kind === 'repay') {
            // repaying USDC debt with ETH collateral sells ETH: the lending account's ETH exposure falls
            if (o.source && o.source.asset === 'ETH') {
              move(`${o.account}:ETH`, -o.source.qty, exposure);
              net.set('ETH', (net.get('ETH') ?? 0) - o.source.qty);
            }
          } else {
            expect(o.kind).toBe('transfer');
            expect(['USDT', 'USDC']).toContain(o.asset);
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it("every order of a REDUCING plan passes the policies' pre-trade gate (policy/pretrade.ts) in REDUCING", () => {
    fc.assert(
      fc.property(bookArb(3, true), factorArb, fc.double({ min: -2, max: 2, noNaN: true }), (spec, factors, target) => {
        const p = toPortfolio(spec);
        const intents = [...healthIntents(p, factors), { kind: 'hedge-delta', policy: 'dh', asset: 'BTC', targetDelta: target } as Intent];
        const plan = planBook(p, intents, 'REDUCING');
        const ctx = { now: p.market.asOf, portfolio: p, report: riskReport(p), market: { forecastVol: {}, impliedVolIndex: {}, funding: {}, dataAgeMs: 0 } };
        const gated = gatePlan(plan, (o) => preTradeCheck(o, ctx, { protectiveExits: [], maxDataAgeMs: 60_000, priceBand: 0.05 }, 'REDUCING'));
        expect(gated.denials ?? []).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it("on small books the plan's cost equals the brute-force minimum over the same step grid", () => {
    fc.assert(
      fc.property(
        bookArb(3, false),
        fc.double({ min: 1.05, max: 5, noNaN: true }),
        stateArb,
        fc.option(fc.double({ min: 2000, max: 40000, noNaN: true }), { nil: null }),
        (spec, factor, state, reserve) => {
          const p = toPortfolio(spec);
          const intents = healthIntents(p, [factor]);
          const options: PlanBookOptions = reserve !== null && spec.perps.length <= 2 ? { reserve: { account: 'treasury', asset: 'USDT', amount: reserve }, transferFeeUsd: 25 } : {};
          const { plan, problem } = explainPlan(p, intents, state, options);
          expect(plan.search?.method).toBe('exact');
          const bf = bruteForce(problem.evaluator);
          const v = plan.unmet.length === 0 ? 0 : bf.violation;
          expect(bf.violation).toBeCloseTo(v, 12);
          expect(plan.feasible).toBe(bf.valid && bf.violation === 0);
          expect(plan.cost!).toBeCloseTo(bf.cost, 9 - Math.max(0, Math.ceil(Math.log10(Math.max(bf.cost, 1)))));
          expect(Math.abs(plan.cost! - bf.cost)).toBeLessThanOrEqual(1e-9 * Math.max(1, bf.cost));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('brute force, continued: repays and reserves of a lending account; gross caps with hedges', () => {
    fc.assert(
      fc.property(
        fc.record({ eth: fc.double({ min: 2, max: 40, noNaN: true }), ltv: fc.double({ min: 0.5, max: 0.8, noNaN: true }) }),
        fc.double({ min: 1.05, max: 3, noNaN: true }),
        fc.option(fc.double({ min: 1000, max: 50000, noNaN: true }), { nil: null }),
        stateArb,
        (lending, factor, reserve, state) => {
          const p = validatePortfolio(
            {
              asOf: '2024-03-01T00:00:00Z',
              market: { prices: PRICES, rate: 0 },
              accounts: [{ id: 'aave', venue: 'aave-v3', positions: [{ kind: 'supply', asset: 'ETH', qty: lending.eth }, { kind: 'borrow', asset: 'USDC', qty: lending.eth * 3000 * lending.ltv }] }],
            },
            'lending book',
          );
          const options: PlanBookOptions = reserve === null ? {} : { reserve: { account: 'treasury', asset: 'USDC', amount: reserve } };
          const { plan, problem } = explainPlan(p, healthIntents(p, [factor]), state, options);
          expect(plan.search?.method).toBe('exact');
          const bf = bruteForce(problem.evaluator);
          expect(plan.feasible).toBe(bf.valid && bf.violation === 0);
          expect(Math.abs(plan.cost! - bf.cost)).toBeLessThanOrEqual(1e-9 * Math.max(1, bf.cost));
        },
      ),
      { numRuns: 40 },
    );
    fc.assert(
      fc.property(bookArb(2, false), fc.double({ min: 0, max: 250_000, noNaN: true }), stateArb, (spec, cap, state) => {
        const p = toPortfolio(spec);
        const { plan, problem } = explainPlan(p, [{ kind: 'target-gross', policy: 'dd', maxGrossUsd: cap }], state);
        expect(plan.search?.method).toBe('exact');
        const bf = bruteForce(problem.evaluator);
        expect(plan.feasible).toBe(bf.valid && bf.violation === 0);
        expect(Math.abs(plan.cost! - bf.cost)).toBeLessThanOrEqual(1e-9 * Math.max(1, bf.cost));
      }),
      { numRuns: 30 },
    );
  });

  it('the same input gives the same plan', () => {
    fc.assert(
      fc.property(bookArb(3, true), factorArb, stateArb, fc.constantFrom<'auto' | 'greedy'>('auto', 'greedy'), (spec, factors, state, mode) => {
        const intents = healthIntents(toPortfolio(spec), factors);
        const a = planBook(toPortfolio(spec), intents, state, { search: mode });
        const b = planBook(toPortfolio(spec), intents, state, { search: mode });
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      }),
      { numRuns: 30 },
    );
  });

  it("the reflexive loop: a leveraged long book's health after selling is lower than without impact", () => {
    // Leveraged: equity below the notional still held (cash net of the entry cost < 0). Then the health of a
    // mark-valued margin model falls with the price; a long held at less than 1x gains health when its price
    // falls (maintenance shrinks faster than equity), so the property is about leveraged books.
    const longArb = fc.record({
      collateral: fc.double({ min: 1000, max: 15000, noNaN: true }),
      perps: fc.array(perpArb.map((x) => ({ ...x, long: true, size: Math.max(x.size, 0.3) })), { minLength: 1, maxLength: 3 }),
      lending: fc.constant(null),
    });
    fc.assert(
      fc.property(longArb, fc.integer({ min: 1, max: 8 }), (spec, k) => {
        const p = toPortfolio(spec);
        const intents: Intent[] = [{ kind: 'target-health', policy: 'health-guard', account: 'cex', minHealth: 1000 }];
        const thin = { liquidity: { BTC: { advUsd: 2e8, sigmaDaily: 0.03 }, ETH: { advUsd: 1e8, sigmaDaily: 0.04 } } };
        const on = buildProblem(p, intents, 'REDUCING', thin).evaluator;
        const off = buildProblem(p, intents, 'REDUCING', { ...thin, reflexive: false }).evaluator;
        expect(on.levers.length).toBe(spec.perps.length);
        const levels = on.levers.map(() => k);
        const b = off.evaluate(levels, { portfolio: true });
        const held = b.portfolio!.accounts[0]!.positions.reduce((s, x) => s + x.qty * p.market.prices[x.asset]!, 0);
        fc.pre(b.equity[0]! < held);
        const a = on.evaluate(levels);
        expect(a.moves.size).toBeGreaterThan(0);
        for (const m of a.moves.values()) expect(m).toBeLessThan(0);
        expect(a.health[0]!).toBeLessThan(b.health[0]!);
        expect(a.cost).toBe(b.cost);
      }),
      { numRuns: 60 },
    );
  });

  it('the greedy search never beats the exact one (consistency), and finds a feasible plan on these small books', () => {
    fc.assert(
      fc.property(bookArb(3, false), fc.double({ min: 1.05, max: 5, noNaN: true }), stateArb, (spec, factor, state) => {
        const p = toPortfolio(spec);
        const intents = healthIntents(p, [factor]);
        const exact = planBook(p, intents, state, { search: 'exact' });
        const greedy = planBook(p, intents, state, { search: 'greedy' });
        if (exact.feasible && greedy.feasible) expect(greedy.cost!).toBeGreaterThanOrEqual(exact.cost! * (1 - 1e-9));
        if (greedy.feasible) expect(exact.feasible).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
