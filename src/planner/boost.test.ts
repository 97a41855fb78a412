/**
 * increase-gross (./boost.ts): the planner grows the book's directional positions pro rata, in their own direction,
 * up to the target gross when liquidity and health allow, cut at the health floor (minHealthAfterIncrease), at
 * other intents' targets and caps, and at maxImpact; never in REDUCING / HALTED; costs as the simulated venue
 * charges them; deterministic. Table-driven cases, then fast-check properties on random books.
 */
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Book } from '../backtest/book.ts';
import { loadPolicySetup, prepareBacktest, runPrepared } from '../backtest/run.ts';
import type { BarEvent } from '../backtest/types.ts';
import { SimulatedVenue } from '../backtest/venue.ts';
import { ValidationError } from '../errors/index.ts';
import { buildAccountModel } from '../margin/index.ts';
import { evaluateBucket, healthFactor } from '../margin/terms.ts';
import { parsePortfolio, validatePortfolio } from '../model/parse.ts';
import type { Portfolio } from '../model/types.ts';
import { composePolicies, policyContext, preTradeCheck, volTarget, exposureCaps, mergeVotes } from '../policy/index.ts';
import type { Intent, TradingState } from '../policy/types.ts';
import { marketPrices } from '../risk/prices.ts';
import { riskReport } from '../risk/report.ts';
import { DEFAULT_MIN_HEALTH_AFTER_INCREASE, parsePlannerConfig, resolveOptions } from './config.ts';
import { DEFAULT_IMPACT_Y, linearTradeCost } from './cost.ts';
import { halfSpreadBps, liquidityOf, takerFee } from './liquidity.ts';
import { explainPlan, gatePlan, planBook, planFromVote, plannedBook, type PlanBookOptions } from './plan.ts';
import type { Order, Plan } from './types.ts';

const book = (accounts: string, prices = '{ BTC: 60000, ETH: 3000, USDT: 1, USDC: 1 }'): Portfolio =>
  parsePortfolio(`asOf: 2024-03-01T00:00:00Z\nmarket: { prices: ${prices}, vols: { BTC: 0.6, ETH: 0.7 }, rate: 0 }\naccounts:\n${accounts}`, 'test.yaml');

const up = (targetGrossUsd: number, policy = 'vol-target'): Intent => ({ kind: 'increase-gross', policy, targetGrossUsd });

/** Gross exposure as the policies count it: sum over underlyings of |net delta x mark| (USD). */
const grossOf = (p: Portfolio): number => Object.values(riskReport(p).portfolio.underlyings).reduce((s, u) => s + Math.abs(u.netDeltaUsd), 0);

const realHealth = (p: Portfolio): number[] =>
  p.accounts.map((a) => {
    const prices = marketPrices(p.market);
    return Math.min(Infinity, ...buildAccountModel(a, p.market).buckets.map((b) => healthFactor(evaluateBucket(b, prices))));
  });

/** The plan and its planned book (at the moved marks); checks the predicted after against the margin models. */
function planned(p: Portfolio, intents: readonly Intent[], state: TradingState = 'ACTIVE', options: PlanBookOptions = {}): { plan: Plan; after: Portfolio } {
  const { plan, evaluation } = explainPlan(p, intents, state, options);
  const after = plannedBook(evaluation);
  const h = realHealth(after);
  plan.after.accounts.forEach((s, i) => {
    if (Number.isFinite(h[i]!)) expect(s.healthFactor!, s.id).toBeCloseTo(h[i]!, 9);
    else expect(s.healthFactor, s.id).toBeNull();
  });
  const report = riskReport(after);
  plan.after.accounts.forEach((s, i) => expect(s.equity, s.id).toBeCloseTo(report.accounts[i]!.equity, 6));
  return { plan, after };
}

/** Every increase order adds to an existing position on its own side, all by the same fraction of their size. */
function expectProRata(p: Portfolio, orders: readonly Order[]): number {
  const fractions = new Map<string, number>();
  for (const o of orders) {
    expect(o.kind).toBe('increase');
    const pos = p.accounts.find((a) => a.id === o.account)!.positions[o.position!]!;
    expect(pos.qty).not.toBe(0);
    expect(o.side).toBe(pos.qty > 0 ? 'buy' : 'sell');
    const key = `${o.account}#${o.position}`;
    fractions.set(key, (fractions.get(key) ?? 0) + o.qty / Math.abs(pos.qty));
  }
  const ks = [...fractions.values()];
  for (const k of ks) expect(k / ks[0]!).toBeCloseTo(1, 9);
  return ks[0] ?? 0;
}

const CROSS = `
  - id: cex
    venue: binance-usdm
    mode: cross
    collateral: { USDT: 100000 }
    positions:
      - { kind: perp, asset: BTC, qty: 2, entry: 58000 }
      - { kind: perp, asset: ETH, qty: 10, entry: 3100 }
`;

describe('increase-gross: the target is reached when liquidity and health allow', () => {
  it.each([
    ['a long BTC + ETH perp book (cross)', CROSS, 400_000, 'buy'],
    ['a short BTC perp', `\n  - id: s\n    venue: binance-usdm\n    collateral: { USDT: 50000 }\n    positions:\n      - { kind: perp, asset: BTC, qty: -2, entry: 61000 }\n`, 300_000, 'sell'],
    ['a coin-margined inverse perp (its BTC collateral counts in the gross, only the perp grows)', `\n  - id: coin\n    venue: binance-coinm\n    collateral: { BTC: 2 }\n    positions:\n      - { kind: perp, asset: BTC, qty: 60000, entry: 58000 }\n`, 300_000, 'buy'],
    ['a long spot held on a cross account, paid from its USDT', `\n  - id: spot\n    venue: binance-usdm\n    collateral: { USDT: 100000 }\n    positions:\n      - { kind: spot, asset: BTC, qty: 1, entry: 50000 }\n`, 120_000, 'buy'],
    ['a book with a long and a short: only the side of the net exposure grows', `\n  - id: two\n    venue: binance-usdm\n    collateral: { USDT: 100000 }\n    positions:\n      - { kind: perp, asset: BTC, qty: 3, entry: 60000 }\n      - { kind: perp, asset: BTC, qty: -1, entry: 60000 }\n`, 200_000, 'buy'],
  ] as const)('%s', (_, accounts, target, side) => {
    const p = book(accounts);
    const { plan, after } = planned(p, [up(target)]);
    expect(plan.feasible).toBe(true);
    expect(plan.orders.length).toBeGreaterThan(0);
    for (const o of plan.orders) expect(o).toMatchObject({ kind: 'increase', side, policy: 'vol-target', code: 'INCREASE_GROSS' });
    expectProRata(p, plan.orders);
    expect(grossOf(after) / target).toBeCloseTo(1, 9);
    expect(plan.notes!.some((n) => n.includes('positions grown by') && !n.includes('short of the target'))).toBe(true);
    // no new instrument, no flip: same positions, same signs, larger sizes
    after.accounts.forEach((a, i) => {
      expect(a.positions).toHaveLength(p.accounts[i]!.positions.length);
      a.positions.forEach((q, j) => {
        const q0 = p.accounts[i]!.positions[j]!.qty;
        expect(Math.sign(q.qty)).toBe(Math.sign(q0));
        expect(Math.abs(q.qty)).toBeGreaterThanOrEqual(Math.abs(q0));
      });
    });
    expect(plan.orders.at(-1)!.expectedHealthAfter).toBeCloseTo(plan.after.accounts[0]!.healthFactor!, 12);
    expect(plan.orders.reduce((s, o) => s + o.expectedCost, 0)).toBeCloseTo(plan.cost!, 9);
  });

  it('a long book: the after snapshot shows the health and the gross exposure of the grown account', () => {
    const p = book(CROSS);
    const { plan } = planned(p, [up(400_000)]);
    const [before, after] = [plan.before.accounts[0]!, plan.after.accounts[0]!];
    expect(before.grossExposure).toBeCloseTo(150_000, 6);
    expect(after.grossExposure / 400_000).toBeCloseTo(1, 9);
    expect(after.healthFactor!).toBeLessThan(before.healthFactor!);
    expect(after.healthFactor!).toBeGreaterThan(DEFAULT_MIN_HEALTH_AFTER_INCREASE);
    // BTC and ETH grow by the same fraction: about 250k more on 150k (a little less: the buys lift the marks the
    // gross is valued at)
    const k = expectProRata(p, plan.orders);
    expect(k).toBeLessThan(250 / 150);
    expect(k).toBeGreaterThan((250 / 150) * 0.999);
  });

  it('the grown position enters at the mark: entry averaged as the venue books it (linear and inverse)', () => {
    const linear = planned(book(CROSS), [up(300_000)], 'ACTIVE', { reflexive: false }).after.accounts[0]!.positions[0]!;
    if (linear.kind !== 'perp') throw new Error('perp expected');
    expect(linear.entry).toBeCloseTo((2 * 58000 + (linear.qty - 2) * 60000) / linear.qty, 6);
    const coin = planned(book(`\n  - id: coin\n    venue: binance-coinm\n    collateral: { BTC: 2 }\n    positions:\n      - { kind: perp, asset: BTC, qty: 60000, entry: 58000 }\n`), [up(300_000)], 'ACTIVE', { reflexive: false }).after.accounts[0]!.positions[0]!;
    if (coin.kind !== 'perp') throw new Error('perp expected');
    expect(coin.entry).toBeCloseTo(coin.qty / (60000 / 58000 + (coin.qty - 60000) / 60000), 6);
  });
});

describe('increase-gross: cut back by safety', () => {
  it('at the health floor minHealthAfterIncrease', () => {
    const p = book(CROSS);
    for (const floor of [5, 10, 40]) {
      const { plan } = planned(p, [up(50_000_000)], 'ACTIVE', { minHealthAfterIncrease: floor });
      expect(plan.feasible).toBe(true);
      expect(plan.after.accounts[0]!.healthFactor! / floor).toBeCloseTo(1, 6);
      expect(plan.notes!.join('\n')).toContain(`short of the target: cut at the health floor ${floor} (minHealthAfterIncrease) of cex`);
    }
  });

  it('at the initial margin of the grown account when the floor is below it (the venue would refuse the order)', () => {
    const { plan } = planned(book(CROSS), [up(1e9)], 'ACTIVE', { minHealthAfterIncrease: 1.01 });
    expect(plan.feasible).toBe(true);
    expect(plan.notes!.join('\n')).toContain('cut at the initial margin of cex');
  });

  it("at the floor of another account that the increase's own impact hurts, and not at all when that account is already under it", () => {
    // a short BTC near the floor in a second account: buying BTC for the long moves the mark up against it
    const accounts = (collateral: number): string =>
      `${CROSS.replace('USDT: 100000', 'USDT: 1000000')}  - id: short\n    venue: binance-usdm\n    collateral: { USDT: ${collateral} }\n    positions:\n      - { kind: perp, asset: BTC, qty: -0.5, entry: 60000 }\n`;
    const thin = { liquidity: { BTC: { advUsd: 1e8, sigmaDaily: 0.03 }, ETH: { advUsd: 1e8, sigmaDaily: 0.03 } } };
    const near = book(accounts(400));
    const h0 = realHealth(near)[1]!;
    expect(h0).toBeGreaterThan(2);
    const { plan } = planned(near, [up(5_000_000)], 'ACTIVE', thin);
    expect(plan.orders.every((o) => o.account === 'cex')).toBe(true);
    expect(plan.after.accounts[1]!.healthFactor! / 2).toBeCloseTo(1, 6);
    expect(plan.notes!.join('\n')).toContain('cut at the health floor 2 (minHealthAfterIncrease) of short');
    const under = book(accounts(150));
    expect(realHealth(under)[1]!).toBeLessThan(2);
    const none = planBook(under, [up(5_000_000)], 'ACTIVE', thin);
    expect(none.orders).toEqual([]);
    expect(none.notes!.join('\n')).toContain('no increase');
  });

  it.each([
    ['a target-health of another intent', [{ kind: 'target-health', policy: 'health-guard', account: 'cex', minHealth: 30 }], (pl: Plan, after: Portfolio) => expect(realHealth(after)[0]! / 30).toBeCloseTo(1, 6), 'the health target 30 of cex'],
    ['a target-gross maximum of another intent', [{ kind: 'target-gross', policy: 'exposure-caps', maxGrossUsd: 250_000 }], (_: Plan, after: Portfolio) => expect(grossOf(after) / 250_000).toBeCloseTo(1, 6), 'the gross cap 250000 USD'],
    [
      'a target-exposure range of another intent',
      [{ kind: 'target-exposure', policy: 'exposure-caps', asset: 'BTC', minUsd: 0, maxUsd: 150_000 }],
      (_: Plan, after: Portfolio) => expect(riskReport(after).portfolio.underlyings.BTC!.netDeltaUsd / 150_000).toBeCloseTo(1, 6),
      'the BTC exposure range',
    ],
  ] as const)('at %s', (_, others, check, why) => {
    const p = book(CROSS);
    const { plan, after } = planned(p, [...(others as readonly Intent[]), up(5_000_000)]);
    expect(plan.feasible).toBe(true);
    expectProRata(p, plan.orders);
    check(plan, after);
    expect(plan.notes!.join('\n')).toContain(`cut at ${why}`);
  });

  it('at maxImpact: a grown underlying pays at most maxImpact a slice (liquidity), and slices like any trade', () => {
    const thin = { liquidity: { BTC: { advUsd: 1e8, sigmaDaily: 0.03 } }, maxImpact: 0.001 };
    const p = book(`\n  - id: cex\n    venue: binance-usdm\n    collateral: { USDT: 1000000 }\n    positions:\n      - { kind: perp, asset: BTC, qty: 2, entry: 60000 }\n`);
    // one slice only: at most 1e8 x (0.001 / 0.03)^2 = 111 111 USD
    const one = planned(p, [up(1_000_000)], 'ACTIVE', { ...thin, maxSlices: 1 }).plan;
    expect(one.orders).toHaveLength(1);
    expect(one.orders[0]!.notionalUsd!).toBeCloseTo(1e8 / 900, 0);
    expect(one.notes!.join('\n')).toContain('cut at liquidity: BTC slices would pay more than maxImpact 0.001');
    // thirty slices a day apart: the whole increase, cut into slices of at most that size
    const many = planned(p, [up(1_000_000)], 'ACTIVE', thin).plan;
    expect(many.orders.length).toBeGreaterThan(1);
    many.orders.forEach((o, i) => {
      expect(o.slice).toMatchObject({ index: i, of: many.orders.length, afterMs: i * 86_400_000 });
      expect(o.notionalUsd!).toBeLessThanOrEqual((1e8 / 900) * (1 + 1e-9));
    });
    expect(many.notes!.join('\n')).not.toContain('short of the target');
  });

  it('a spot buy never draws its account below zero cash', () => {
    const p = book(`\n  - id: spot\n    venue: binance-usdm\n    collateral: { USDT: 30000 }\n    positions:\n      - { kind: spot, asset: BTC, qty: 1, entry: 50000 }\n`);
    const { plan, after } = planned(p, [up(200_000)]);
    expect(plan.feasible).toBe(true);
    expect(after.accounts[0]!.collateral.USDT!).toBeGreaterThanOrEqual(0);
    expect(after.accounts[0]!.collateral.USDT!).toBeLessThan(1);
    expect(plan.notes!.join('\n')).toContain('not enough USDT to buy spot');
  });
});

describe('increase-gross: only in ACTIVE, never on top of a cut', () => {
  it.each(['REDUCING', 'HALTED'] as const)('%s: ignored (a note), even with every protective exit named', (state) => {
    const plan = planBook(book(CROSS), [up(400_000)], state, { protectiveExits: ['reduce', 'close', 'hedge', 'buy-option', 'transfer', 'repay', { kind: 'increase' }] });
    expect(plan.orders).toEqual([]);
    expect(plan.notes).toContain(`gross exposure up to 400000 USD (vol-target): ignored in ${state}, exposure is added in ACTIVE only`);
  });

  it('a composed vote with a reducing intent carries no increase-gross (compose drops it), so no increase order', () => {
    const p = book(CROSS);
    const ctx = policyContext(p, { forecastVol: { BTC: 0.2, ETH: 0.2 }, dataAgeMs: 0 });
    const wants = composePolicies([volTarget({ targetVol: 0.5, maxLeverage: 3 })]);
    const alone = wants.evaluate(ctx, wants.initialState(ctx)).vote;
    expect(alone.intents.map((i) => i.kind)).toEqual(['increase-gross']);
    expect(planFromVote(p, alone).orders.map((o) => o.kind)).toContain('increase');
    const capped = composePolicies([volTarget({ targetVol: 0.5, maxLeverage: 3 }), exposureCaps({ maxGrossUsd: 100_000 })]);
    const vote = capped.evaluate(ctx, capped.initialState(ctx)).vote;
    expect(vote.intents.map((i) => i.kind)).toEqual(['target-gross']);
    const plan = planFromVote(p, vote);
    expect(plan.orders.length).toBeGreaterThan(0);
    expect(plan.orders.some((o) => o.kind === 'increase')).toBe(false);
  });

  it('the pre-trade gate passes increase orders in ACTIVE and denies them in REDUCING and HALTED (they add to a position)', () => {
    const p = book(CROSS);
    const plan = planBook(p, [up(400_000)], 'ACTIVE');
    expect(plan.orders.length).toBe(2);
    const ctx = policyContext(p, { dataAgeMs: 0 });
    const config = { protectiveExits: ['reduce', 'close', 'hedge', 'buy-option', 'transfer', 'repay'] as const, maxDataAgeMs: 60_000, priceBand: 0.05 };
    expect(gatePlan(plan, (o) => preTradeCheck(o, ctx, config, 'ACTIVE'))).toBe(plan);
    for (const [state, code, why] of [
      ['REDUCING', 'REDUCE_ONLY', 'reduce-only: a buy adds to position 0 (long)'],
      ['HALTED', 'HALTED', 'trading halted: increase is not a protective exit'],
    ] as const) {
      const gated = gatePlan(plan, (o) => preTradeCheck(o, ctx, config, state));
      expect(gated.denials!.map((d) => d.code)).toEqual([code, code]);
      expect(gated.denials![0]!.message).toContain(why);
    }
  });

  it('a raw vote in REDUCING with both: the cut only', () => {
    const p = book(CROSS);
    const vote = mergeVotes([]); // ACTIVE, nothing: then hand-made intents in REDUCING
    expect(vote.state).toBe('ACTIVE');
    const h = planBook(p, [], 'ACTIVE').before.accounts[0]!.healthFactor!;
    const plan = planBook(p, [{ kind: 'target-health', policy: 'health-guard', account: 'cex', minHealth: h * 2 }, up(1_000_000)], 'REDUCING');
    expect(plan.orders.length).toBeGreaterThan(0);
    expect(plan.orders.every((o) => o.kind === 'reduce' || o.kind === 'close')).toBe(true);
  });

  it('ACTIVE with a breached health target: the plan never grows an underlying it cuts', () => {
    const p = book(CROSS);
    const h = planBook(p, [], 'ACTIVE').before.accounts[0]!.healthFactor!;
    const { plan } = planned(p, [{ kind: 'target-health', policy: 'health-guard', account: 'cex', minHealth: h * 2 }, up(1_000_000)]);
    expect(plan.feasible).toBe(true);
    const cut = new Set(plan.orders.filter((o) => o.kind !== 'increase').map((o) => o.asset));
    expect(cut.size).toBeGreaterThan(0);
    for (const o of plan.orders) if (o.kind === 'increase') expect(cut.has(o.asset)).toBe(false);
    expect(plan.after.accounts[0]!.healthFactor!).toBeGreaterThanOrEqual(h * 2 * (1 - 1e-12));
  });

  it('a hedge-delta underlying is not grown (its hedge would undo it); options are never grown', () => {
    const p = book(`${CROSS}  - id: deribit\n    venue: deribit\n    mode: standard\n    collateral: { BTC: 3 }\n    positions:\n      - { kind: option, asset: BTC, right: put, strike: 55000, expiry: 2024-03-29T08:00:00Z, qty: -2 }\n`);
    const plan = planBook(p, [{ kind: 'hedge-delta', policy: 'delta-hedge', asset: 'BTC', targetDelta: 0 }, up(1_000_000)], 'ACTIVE');
    const increases = plan.orders.filter((o) => o.kind === 'increase');
    expect(increases.length).toBeGreaterThan(0);
    for (const o of increases) expect(o).toMatchObject({ asset: 'ETH', account: 'cex' });
  });
});

describe('increase-gross: costs as the simulated venue charges them', () => {
  const HOUR = 3_600_000;
  const single = (collateral = 100_000): Portfolio =>
    book(`\n  - id: cex\n    venue: binance-usdm\n    collateral: { USDT: ${collateral} }\n    positions:\n      - { kind: perp, asset: BTC, qty: 2, entry: 58000 }\n`);

  /** Fill the plan's orders on the simulated venue at the plan's marks (one flat bar, ample volume). */
  function fill(p: Portfolio, orders: readonly Order[]) {
    const b = new Book(p, ['BTC']);
    const venue = new SimulatedVenue();
    venue.submit(orders, p.market.asOf);
    const px = new Float64Array([p.market.prices.BTC!]);
    const nan = new Float64Array([NaN]);
    const bar: BarEvent = { index: 0, time: p.market.asOf, intervalMs: HOUR, assets: ['BTC'], open: px, high: px, low: px, close: px, volume: new Float64Array([1e9]), funding: nan, fundingPer8h: nan, impliedVol: nan, forecastVol: new Float64Array([0.5]) };
    const step = venue.step(bar, b);
    expect(venue.rejected).toEqual([]);
    return { fills: step.fills, book: b.snapshot() };
  }

  it('expected cost = linearTradeCost of the order = the fill fee + slippage; the fill price is the order price', () => {
    const p = single();
    const plan = planBook(p, [up(400_000)], 'ACTIVE');
    expect(plan.orders).toHaveLength(1);
    const o = plan.orders[0]!;
    const c = linearTradeCost(o.notionalUsd!, takerFee('binance-usdm'), halfSpreadBps('BTC', false), liquidityOf('BTC', false), DEFAULT_IMPACT_Y);
    expect(o.expectedCost / c.total).toBeCloseTo(1, 12);
    expect(o.price! / (60000 * (1 + c.move + halfSpreadBps('BTC', false) / 1e4))).toBeCloseTo(1, 12);
    const { fills } = fill(p, plan.orders);
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ kind: 'increase', side: 'buy', position: 0 });
    expect(fills[0]!.qty).toBeCloseTo(o.qty, 12);
    expect((fills[0]!.fee + fills[0]!.slippage) / o.expectedCost).toBeCloseTo(1, 12);
    expect(fills[0]!.price / o.price!).toBeCloseTo(1, 12);
  });

  it('the venue books what the planner predicted (marks not moved: reflexive off): size, equity, health', () => {
    const p = single();
    const { plan, after } = planned(p, [up(400_000)], 'ACTIVE', { reflexive: false });
    const { book: filled } = fill(p, plan.orders);
    expect(filled.accounts[0]!.positions[0]!.qty).toBeCloseTo(after.accounts[0]!.positions[0]!.qty, 12);
    const report = riskReport(filled);
    expect(report.accounts[0]!.equity).toBeCloseTo(plan.after.accounts[0]!.equity, 6);
    expect(report.accounts[0]!.healthFactor!).toBeCloseTo(plan.after.accounts[0]!.healthFactor!, 9);
  });

  it('sliced: each slice costs linearTradeCost of its own size', () => {
    const opts = { liquidity: { BTC: { advUsd: 1e8, sigmaDaily: 0.03 } }, maxImpact: 0.001 };
    const plan = planBook(single(1_000_000), [up(1_000_000)], 'ACTIVE', opts);
    expect(plan.orders.length).toBeGreaterThan(1);
    for (const o of plan.orders) {
      const c = linearTradeCost(o.notionalUsd!, takerFee('binance-usdm'), halfSpreadBps('BTC', false), opts.liquidity.BTC, DEFAULT_IMPACT_Y);
      expect(o.expectedCost / c.total).toBeCloseTo(1, 12);
    }
  });
});

describe('increase-gross through the backtest pipeline and the simulated venue', () => {
  it('CPPI on 2020-03-12 re-levers with increase orders on the long, which the venue fills (none rejected)', async () => {
    const example = fileURLToPath(new URL('../../examples/backtests/2020-03-12.yaml', import.meta.url));
    const prepared = await prepareBacktest(example);
    const { result, rejected } = runPrepared(prepared, await loadPolicySetup('policies-cppi.yaml', prepared.base, 'cppi'));
    expect(rejected).toEqual([]);
    const ups = result.decisions.filter((d) => d.reasons.some((r) => r.code === 'CPPI_REBALANCE_UP'));
    expect(ups.length).toBeGreaterThan(0);
    for (const d of ups) {
      expect(d.orders.length).toBeGreaterThan(0);
      for (const o of d.orders) expect(o).toMatchObject({ kind: 'increase', side: 'buy', account: 'binance', asset: 'BTC', position: 0 });
    }
    const fills = result.fills.filter((f) => f.kind === 'increase');
    expect(fills.length).toBe(ups.reduce((n, d) => n + d.orders.length, 0));
    for (const f of fills) expect(f.qty).toBeCloseTo(f.requested!, 12);
  });
});

describe('minHealthAfterIncrease: config', () => {
  it('default 2; validated > 1', () => {
    expect(resolveOptions().minHealthAfterIncrease).toBe(2);
    expect(parsePlannerConfig({ minHealthAfterIncrease: 3 })).toEqual({ minHealthAfterIncrease: 3 });
    for (const bad of [1, 0.5, -2, 'x', Infinity]) {
      try {
        parsePlannerConfig({ minHealthAfterIncrease: bad });
        expect.unreachable(String(bad));
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        expect((e as ValidationError).issues.map((i) => i.path)).toEqual(['planner.minHealthAfterIncrease']);
      }
    }
    // 'increase' is no protective exit kind
    expect(() => parsePlannerConfig({ protectiveExits: ['increase'] })).toThrow(ValidationError);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// properties on random books

const PRICES = { BTC: 60000, ETH: 3000, USDT: 1 } as const;
interface Spec {
  collateral: number;
  perps: { asset: 'BTC' | 'ETH'; size: number; long: boolean; entry: number }[];
}
const specArb: fc.Arbitrary<Spec> = fc.record({
  collateral: fc.double({ min: 3000, max: 200_000, noNaN: true }),
  perps: fc.array(
    fc.record({ asset: fc.constantFrom<'BTC' | 'ETH'>('BTC', 'ETH'), size: fc.double({ min: 0.05, max: 1, noNaN: true }), long: fc.boolean(), entry: fc.double({ min: 0.85, max: 1.15, noNaN: true }) }),
    { minLength: 1, maxLength: 3 },
  ),
});
const toBook = (s: Spec): Portfolio =>
  validatePortfolio(
    {
      asOf: '2024-03-01T00:00:00Z',
      market: { prices: PRICES, rate: 0 },
      accounts: [
        {
          id: 'cex',
          venue: 'binance-usdm',
          mode: 'cross',
          collateral: { USDT: s.collateral },
          positions: s.perps.map((p) => ({ kind: 'perp', asset: p.asset, qty: ((p.long ? 1 : -1) * p.size * 200_000) / PRICES[p.asset], entry: PRICES[p.asset] * p.entry })),
        },
      ],
    },
    'random book',
  );

describe('increase-gross properties (fast-check)', () => {
  it('never flips or opens, stays under the target and above the floor, predicts the margin models, costs add up', () => {
    fc.assert(
      fc.property(specArb, fc.double({ min: 0.2, max: 30, noNaN: true }), fc.double({ min: 1.2, max: 20, noNaN: true }), fc.constantFrom(0.01, 0.002), (spec, multiple, floor, maxImpact) => {
        const p = toBook(spec);
        const g0 = grossOf(p);
        const target = g0 * multiple;
        const options = { minHealthAfterIncrease: floor, maxImpact };
        const { plan, after } = planned(p, [up(target)], 'ACTIVE', options);
        expect(plan.feasible).toBe(true);
        for (const o of plan.orders) {
          const pos = p.accounts[0]!.positions[o.position!]!;
          expect(o.kind).toBe('increase');
          expect(o.side).toBe(pos.qty > 0 ? 'buy' : 'sell');
          // only positions on the side of the book's net exposure in their underlying
          expect(Math.sign(riskReport(p).portfolio.underlyings[o.asset]!.netDelta)).toBe(Math.sign(pos.qty));
        }
        expectProRata(p, plan.orders);
        expect(after.accounts[0]!.positions).toHaveLength(p.accounts[0]!.positions.length);
        after.accounts[0]!.positions.forEach((q, j) => {
          const q0 = p.accounts[0]!.positions[j]!.qty;
          expect(Math.sign(q.qty)).toBe(Math.sign(q0));
          expect(Math.abs(q.qty)).toBeGreaterThanOrEqual(Math.abs(q0) * (1 - 1e-12));
        });
        const g = grossOf(after);
        expect(g).toBeLessThanOrEqual(Math.max(target, g0) * (1 + 1e-9));
        const h0 = plan.before.accounts[0]!.healthFactor ?? Infinity;
        const h = plan.after.accounts[0]!.healthFactor ?? Infinity;
        if (plan.orders.length > 0) expect(h).toBeGreaterThanOrEqual(Math.min(floor, h0) * (1 - 1e-9));
        // the target is reached unless a named limit cut it
        if (g0 < target && !(g >= target * (1 - 1e-6))) expect(plan.notes!.join('\n')).toMatch(/cut at|no increase/);
        expect(plan.orders.reduce((s, o) => s + o.expectedCost, 0)).toBeCloseTo(plan.cost!, 6);
      }),
      { numRuns: 60, seed: 20240301 },
    );
  });

  it('outside ACTIVE: no increase order, whatever else the intents ask', () => {
    fc.assert(
      fc.property(specArb, fc.constantFrom<TradingState>('REDUCING', 'HALTED'), fc.double({ min: 1.1, max: 10, noNaN: true }), fc.boolean(), (spec, state, multiple, withHealth) => {
        const p = toBook(spec);
        const h = realHealth(p)[0]!;
        const intents: Intent[] = [up(grossOf(p) * multiple), ...(withHealth && Number.isFinite(h) ? [{ kind: 'target-health' as const, policy: 'health-guard', account: 'cex', minHealth: h * 1.5 }] : [])];
        const plan = planBook(p, intents, state, { protectiveExits: ['reduce', 'close'] });
        expect(plan.orders.some((o) => o.kind === 'increase')).toBe(false);
      }),
      { numRuns: 40, seed: 7 },
    );
  });

  it('deterministic: the same input gives the same plan, bit for bit', () => {
    fc.assert(
      fc.property(specArb, fc.double({ min: 1, max: 30, noNaN: true }), (spec, multiple) => {
        const p = toBook(spec);
        const target = grossOf(p) * multiple;
        expect(JSON.stringify(planBook(p, [up(target)], 'ACTIVE'))).toBe(JSON.stringify(planBook(toBook(spec), [up(target)], 'ACTIVE')));
      }),
      { numRuns: 20, seed: 11 },
    );
  });
});
