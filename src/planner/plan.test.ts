import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildAccountModel } from '../margin/index.ts';
import { evaluateBucket, healthFactor } from '../margin/terms.ts';
import { parsePortfolio } from '../model/parse.ts';
import type { Portfolio } from '../model/types.ts';
import type { Intent } from '../policy/types.ts';
import { blackScholes } from '../pricing/black.ts';
import { marketPrices } from '../risk/prices.ts';
import { riskReport } from '../risk/report.ts';
import { parsePlannerConfig } from './config.ts';
import { buildProblem, explainPlan, gatePlan, planBook, planFromVote, plannedBook, type PlanBookOptions } from './plan.ts';
import type { Plan } from './types.ts';

const example = (f: string): Portfolio => parsePortfolio(readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8'), f);

const book = (accounts: string, prices = '{ BTC: 60000, ETH: 3000, USDT: 1, USDC: 1 }'): Portfolio =>
  parsePortfolio(`asOf: 2024-03-01T00:00:00Z\nmarket: { prices: ${prices}, vols: { BTC: 0.6, ETH: 0.7 }, rate: 0 }\naccounts:\n${accounts}`, 'test.yaml');

const health = (id: string, minHealth: number, policy = 'health-guard'): Intent => ({ kind: 'target-health', policy, account: id, minHealth });

/** Health of every account of a portfolio on the whole-account margin models. */
const realHealth = (p: Portfolio): (number | null)[] =>
  p.accounts.map((a) => {
    const prices = marketPrices(p.market);
    const h = Math.min(Infinity, ...buildAccountModel(a, p.market).buckets.map((b) => healthFactor(evaluateBucket(b, prices))));
    return Number.isFinite(h) ? h : null;
  });

/** The plan's predicted `after` against the planned book re-derived through stress/apply and the margin models. */
function checkAfter(p: Portfolio, intents: readonly Intent[], state: 'ACTIVE' | 'REDUCING' | 'HALTED', options: PlanBookOptions = {}): Plan {
  const { plan, evaluation } = explainPlan(p, intents, state, options);
  const planned = plannedBook(evaluation);
  const after = realHealth(planned);
  plan.after.accounts.forEach((s, i) => {
    const want = after[i]!;
    if (want === null) expect(s.healthFactor, s.id).toBeNull();
    else expect(s.healthFactor!, s.id).toBeCloseTo(want, 9);
  });
  const report = riskReport(planned);
  plan.after.accounts.forEach((s, i) => expect(s.equity, s.id).toBeCloseTo(report.accounts[i]!.equity, 6));
  return plan;
}

const plannedBookOf = (p: Portfolio, intents: readonly Intent[], state: 'ACTIVE' | 'REDUCING' | 'HALTED', options: PlanBookOptions): Portfolio =>
  plannedBook(explainPlan(p, intents, state, options).evaluation);

const CROSS = `
  - id: cex
    venue: binance-usdm
    collateral: { USDT: 20000 }
    positions:
      - { kind: perp, asset: BTC, qty: 4, entry: 58000 }
      - { kind: perp, asset: ETH, qty: 40, entry: 3100 }
`;

describe('planBook: target health', () => {
  it('does nothing when every target is met', () => {
    const p = book(CROSS);
    const plan = planBook(p, [health('cex', 1.1)], 'ACTIVE');
    expect(plan.orders).toEqual([]);
    expect(plan.feasible).toBe(true);
    expect(plan.after).toEqual(plan.before);
    expect(plan.cost).toBe(0);
  });

  it('reduces the cheapest positions of a cross account to its target, health predicted after each order', () => {
    const p = book(CROSS);
    const before = planBook(p, [], 'ACTIVE').before.accounts[0]!.healthFactor!;
    const plan = checkAfter(p, [health('cex', before * 3)], 'REDUCING');
    expect(plan.feasible).toBe(true);
    expect(plan.after.accounts[0]!.healthFactor!).toBeGreaterThanOrEqual(before * 3);
    expect(plan.orders.length).toBeGreaterThan(0);
    for (const o of plan.orders) {
      expect(o.kind === 'reduce' || o.kind === 'close').toBe(true);
      expect(o.side).toBe('sell');
      expect(o.reason).toContain('health of cex');
      expect(o.policy).toBe('health-guard');
      expect(o.code).toBe('TARGET_HEALTH');
      expect(o.expectedCost).toBeGreaterThan(0);
    }
    expect(plan.orders.at(-1)!.expectedHealthAfter).toBeCloseTo(plan.after.accounts[0]!.healthFactor!, 12);
    const total = plan.orders.reduce((s, o) => s + o.expectedCost, 0);
    expect(total).toBeCloseTo(plan.cost!, 6);
  });

  it('the predicted after equals the planned book through stress/apply on every example', () => {
    const cases: [string, Intent[], 'ACTIVE' | 'REDUCING'][] = [
      ['multi-venue.yaml', [health('deribit', 3), health('aave', 2), health('binance-cross', 300)], 'REDUCING'],
      ['multi-venue.yaml', [health('deribit', 3), health('binance-iso', 40)], 'ACTIVE'],
      ['aave-loop.yaml', [health('aave-loop', 1.6)], 'REDUCING'],
      ['perp-cross.yaml', [health('binance-main', 8)], 'REDUCING'],
      ['deribit-options.yaml', [health('deribit-pm', 15)], 'ACTIVE'],
      ['hyperliquid-iso.yaml', [health('hl-iso', 25)], 'ACTIVE'],
    ];
    for (const [f, intents, state] of cases) checkAfter(example(f), intents, state);
  });

  it('a lending loop repays debt with its own collateral, and its ETH sale moves the ETH mark down', () => {
    const p = example('aave-loop.yaml');
    const plan = planBook(p, [health('aave-loop', 1.5)], 'REDUCING');
    expect(plan.feasible).toBe(true);
    expect(plan.orders).toHaveLength(1);
    const o = plan.orders[0]!;
    expect(o).toMatchObject({ kind: 'repay', asset: 'USDC', side: 'buy', account: 'aave-loop', position: 1 });
    expect(o.source?.asset).toBe('ETH');
    expect(plan.moves?.ETH).toBeLessThan(0);
    expect(plan.after.accounts[0]!.healthFactor!).toBeGreaterThanOrEqual(1.5);
  });

  it('tops up from a configured reserve before cutting positions when it is cheaper', () => {
    const p = book(CROSS);
    const before = planBook(p, [], 'ACTIVE').before.accounts[0]!.healthFactor!;
    const plan = checkAfter(p, [health('cex', before * 1.5)], 'REDUCING', { reserve: { account: 'treasury', asset: 'USDT', amount: 50000 } });
    expect(plan.orders.map((o) => o.kind)).toEqual(['transfer']);
    expect(plan.orders[0]).toMatchObject({ account: 'treasury', to: 'cex', asset: 'USDT', expectedCost: 0 });
    expect(plan.orders[0]!.toHealthAfter!).toBeGreaterThanOrEqual(before * 1.5);
    expect(plan.orders[0]!.qty % 5000).toBeCloseTo(0, 6);
  });

  it('tops up isolated positions from the account free collateral, then cuts them when it runs out', () => {
    const p = example('hyperliquid-iso.yaml');
    const small = checkAfter(p, [health('hl-iso', 8)], 'REDUCING');
    expect(small.feasible).toBe(true);
    expect(small.orders.length).toBeGreaterThan(0);
    for (const o of small.orders) expect(o).toMatchObject({ kind: 'transfer', account: 'hl-iso', to: 'hl-iso', asset: 'USDC', expectedCost: 0 });
    const big = checkAfter(p, [health('hl-iso', 20)], 'REDUCING');
    expect(big.feasible).toBe(true);
    const kinds = big.orders.map((o) => o.kind);
    expect(kinds.lastIndexOf('transfer')).toBeLessThan(kinds.indexOf('reduce'));
    expect(big.orders.filter((o) => o.kind === 'transfer').reduce((s, o) => s + o.qty, 0)).toBeCloseTo(25000, 6);
  });

  it('infeasible: says so, lists what is left and returns the least bad plan', () => {
    // REDUCING: the short leg cannot be cut, the long one only down to the short's size (no crossing zero)
    const p = book(`
  - id: cex
    venue: binance-usdm
    collateral: { USDT: 15000 }
    positions:
      - { kind: perp, asset: BTC, qty: 5, entry: 60000 }
      - { kind: perp, asset: BTC, qty: -3, entry: 60000 }
`);
    const plan = planBook(p, [health('cex', 1000)], 'REDUCING');
    expect(plan.feasible).toBe(false);
    expect(plan.unmet.some((u) => u.startsWith('health of cex'))).toBe(true);
    expect(plan.orders.map((o) => [o.kind, o.position, o.qty])).toEqual([['reduce', 0, 2]]);
    expect(plan.after.accounts[0]!.healthFactor!).toBeGreaterThan(plan.before.accounts[0]!.healthFactor!);
  });

  it('an unknown account is unmet, not an error', () => {
    const plan = planBook(book(CROSS), [health('nope', 2)], 'ACTIVE');
    expect(plan.feasible).toBe(false);
    expect(plan.unmet[0]).toMatch(/no account "nope"/);
  });
});

describe('planBook: states', () => {
  const HEDGED = `
  - id: cex
    venue: binance-usdm
    collateral: { USDT: 15000 }
    positions:
      - { kind: perp, asset: BTC, qty: 5, entry: 60000 }
      - { kind: perp, asset: BTC, qty: -3, entry: 60000 }
`;
  it('REDUCING never cuts the hedge leg (it would add exposure); ACTIVE may', () => {
    const p = book(HEDGED);
    const before = planBook(p, [], 'ACTIVE').before.accounts[0]!.healthFactor!;
    const reducing = planBook(p, [health('cex', before * 2)], 'REDUCING');
    for (const o of reducing.orders) expect(o.position).toBe(0);
    const forced = planBook(p, [{ kind: 'reduce-position', policy: 'stop-loss', account: 'cex', position: 1, fraction: 1 }], 'REDUCING');
    expect(forced.orders).toEqual([]);
    expect(forced.unmet[0]).toMatch(/would add BTC exposure/);
    const active = planBook(p, [{ kind: 'reduce-position', policy: 'stop-loss', account: 'cex', position: 1, fraction: 1 }], 'ACTIVE');
    expect(active.orders).toHaveLength(1);
    expect(active.orders[0]).toMatchObject({ kind: 'close', side: 'buy', qty: 3, position: 1, policy: 'stop-loss', code: 'REDUCE_POSITION' });
  });

  it('HALTED: nothing but the configured protective exits', () => {
    const p = book(CROSS);
    const before = planBook(p, [], 'ACTIVE').before.accounts[0]!.healthFactor!;
    const none = planBook(p, [health('cex', before * 2)], 'HALTED');
    expect(none.orders).toEqual([]);
    expect(none.feasible).toBe(false);
    const exits = planBook(p, [health('cex', before * 2)], 'HALTED', { protectiveExits: [{ kind: 'close', asset: 'ETH' }] });
    expect(exits.orders.length).toBeGreaterThan(0);
    for (const o of exits.orders) expect(o.asset).toBe('ETH');
  });

  it('a forced reduce-position keeps its exact fraction (not rounded to the grid)', () => {
    const plan = planBook(book(CROSS), [{ kind: 'reduce-position', policy: 'trailing-stop', account: 'cex', position: 1, fraction: 0.37 }], 'ACTIVE');
    expect(plan.orders).toHaveLength(1);
    expect(plan.orders[0]!.qty).toBeCloseTo(40 * 0.37, 12);
  });
});

describe('planBook: exposure, hedges, protection', () => {
  it('hedge-delta: a derived perp hedge brings the net delta exactly to the target', () => {
    const p = book(CROSS);
    const plan = checkAfter(p, [{ kind: 'hedge-delta', policy: 'delta-hedge', asset: 'BTC', targetDelta: 1 }], 'REDUCING');
    expect(plan.feasible).toBe(true);
    expect(plan.orders).toHaveLength(1);
    expect(plan.orders[0]).toMatchObject({ kind: 'hedge', asset: 'BTC', side: 'sell', account: 'cex', code: 'HEDGE_DELTA' });
    expect(plan.orders[0]!.qty).toBeCloseTo(3, 12);
  });

  it('hedge-delta on a coin-margined Deribit account: an inverse perp, qty in USD face', () => {
    const p = example('multi-venue.yaml');
    const intents: Intent[] = [{ kind: 'hedge-delta', policy: 'delta-hedge', asset: 'BTC', targetDelta: 0 }];
    const plan = checkAfter(p, intents, 'REDUCING', { hedgeAccounts: { BTC: 'deribit' } });
    expect(plan.feasible).toBe(true);
    const net = riskReport(p).portfolio.underlyings.BTC!.netDelta;
    expect(plan.orders).toHaveLength(1);
    expect(plan.orders[0]).toMatchObject({ account: 'deribit', kind: 'hedge', side: net > 0 ? 'sell' : 'buy' });
    // about |net delta| x mark of face; less by the costs it pays in BTC (they cut the BTC exposure too)
    expect(Math.abs(plan.orders[0]!.qty / (Math.abs(net) * 62000) - 1)).toBeLessThan(1e-3);
    expect(plan.orders[0]!.qty).toBeLessThan(Math.abs(net) * 62000);
    // the hedge's delta is face / entry, its costs are paid in BTC: the planned book is flat at the current marks
    // (the planner's convention for exposures; at the moved marks the options' gamma shifts it slightly)
    const planned = explainPlan(p, intents, 'REDUCING', { hedgeAccounts: { BTC: 'deribit' } }).evaluation.portfolio!;
    expect(riskReport(planned).portfolio.underlyings.BTC!.netDelta).toBeCloseTo(0, 9);
  });

  it('hedge-delta away from zero is refused in REDUCING', () => {
    const plan = planBook(book(CROSS), [{ kind: 'hedge-delta', policy: 'delta-hedge', asset: 'BTC', targetDelta: 6 }], 'REDUCING');
    expect(plan.orders).toEqual([]);
    expect(plan.feasible).toBe(false);
  });

  it('target-gross: cuts or hedges until sum |net exposure| is under the cap', () => {
    const p = book(CROSS);
    const plan = planBook(p, [{ kind: 'target-gross', policy: 'drawdown-breaker', maxGrossUsd: 200_000 }], 'REDUCING');
    expect(plan.feasible).toBe(true);
    const pr = buildProblem(p, [], 'ACTIVE');
    expect(pr.ctx.net.get('BTC')).toBe(4);
    const after = riskReport(plannedBookOf(p, [{ kind: 'target-gross', policy: 'drawdown-breaker', maxGrossUsd: 200_000 }], 'REDUCING', {}));
    const gross = Object.values(after.portfolio.underlyings).reduce((s, u) => s + Math.abs(u.netDeltaUsd), 0);
    expect(gross).toBeLessThanOrEqual(200_000 * (1 + 1e-9));
  });

  it('target-exposure: brings one underlying into its range', () => {
    const p = book(CROSS);
    const plan = planBook(p, [{ kind: 'target-exposure', policy: 'exposure-caps', asset: 'ETH', minUsd: -10_000, maxUsd: 50_000 }], 'REDUCING');
    expect(plan.feasible).toBe(true);
    for (const o of plan.orders) expect(o.asset).toBe('ETH');
  });

  it('buy-protection: puts at the strike fraction, priced at the market vol plus half-spread, within budget', () => {
    const p = example('multi-venue.yaml');
    const intent: Intent = { kind: 'buy-protection', policy: 'protective-put', asset: 'BTC', strikeFraction: 0.9, expiryDays: 30, budgetUsd: 50_000, notionalUsd: 620_000 };
    const plan = checkAfter(p, [intent], 'REDUCING');
    expect(plan.orders).toHaveLength(1);
    expect(plan.orders[0]).toMatchObject({ kind: 'buy-option', side: 'buy', account: 'deribit', asset: 'BTC', code: 'BUY_PROTECTION' });
    expect(plan.orders[0]!.qty).toBeCloseTo(10, 9);
    expect(plan.feasible).toBe(true);
    // mid: Black-Scholes at the flat 55 % vol, 30 days, strike 55 800; cost: half-spread (1 vol point x vega) + fee
    const g = blackScholes('put', 62000, 55800, 30 / 365, 0.55, 0);
    const ask = g.price + 0.01 * g.vega;
    expect(plan.orders[0]!.expectedCost).toBeCloseTo(10 * (0.01 * g.vega + Math.min(0.0003 * 62000, 0.125 * ask)), 6);
    // the order carries the option the venue executes: strike USD, expiry ISO (asOf + 30 days), premium = the ask
    const opt = plan.orders[0]!.option!;
    expect(opt).toMatchObject({ right: 'put', expiry: new Date(p.market.asOf + 30 * 86_400_000).toISOString() });
    expect(opt.strike).toBeCloseTo(55_800, 9);
    expect(opt.premiumUsd).toBeCloseTo(ask, 9);
    const small = planBook(p, [{ ...intent, budgetUsd: 5_000 }], 'REDUCING');
    expect(small.orders[0]!.qty).toBeLessThan(10);
    expect(small.feasible).toBe(false);
    expect(small.unmet[0]).toMatch(/budget buys/);
  });
});

describe('planBook: impact, slices, reflexive loop', () => {
  const BIG = `
  - id: whale
    venue: binance-usdm
    collateral: { USDT: 3000000 }
    positions:
      - { kind: perp, asset: BTC, qty: 400, entry: 60000 }
`;
  const thin = { liquidity: { BTC: { advUsd: 50e6, sigmaDaily: 0.03 } } };

  it('cuts a trade whose impact is above maxImpact into slices a day apart', () => {
    const p = book(BIG);
    const plan = planBook(p, [{ kind: 'reduce-position', policy: 'stop-loss', account: 'whale', position: 0, fraction: 1 }], 'ACTIVE', { ...thin, maxImpact: 0.01 });
    // 24 M USD against 50 M ADV at 3 % sigma: Q* = 50 M (0.01 / 0.03)^2 = 5.56 M -> 5 slices
    expect(plan.orders).toHaveLength(5);
    plan.orders.forEach((o, k) => {
      expect(o.slice).toEqual({ index: k, of: 5, afterMs: k * 86_400_000 });
      expect(o.qty).toBeCloseTo(80, 9);
    });
    const perSlice = 0.03 * Math.sqrt(4.8e6 / 50e6);
    expect(perSlice).toBeLessThanOrEqual(0.01);
    expect(plan.moves?.BTC).toBeCloseTo(-perSlice, 12);
  });

  it('the reflexive loop: a long book selling to restore health ends with lower health than without impact', () => {
    const p = book(`
  - id: cex
    venue: binance-usdm
    collateral: { USDT: 200000 }
    positions:
      - { kind: perp, asset: BTC, qty: 100, entry: 60000 }
`);
    const intents = [health('cex', 5)];
    const on = buildProblem(p, intents, 'REDUCING', thin);
    const off = buildProblem(p, intents, 'REDUCING', { ...thin, reflexive: false });
    for (let k = 1; k < 10; k++) {
      const a = on.evaluator.evaluate([k]);
      const b = off.evaluator.evaluate([k]);
      expect(a.moves.get('BTC')!).toBeLessThan(0);
      expect(a.health[0]!).toBeLessThan(b.health[0]!);
      expect(a.cost).toBe(b.cost);
    }
  });

  it('an order book replaces the square-root law when given', () => {
    const p = book(CROSS);
    const books = { BTC: { bids: [{ price: 59990, size: 1 }, { price: 59900, size: 10 }], asks: [{ price: 60010, size: 10 }] } };
    const plan = planBook(p, [{ kind: 'reduce-position', policy: 'stop-loss', account: 'cex', position: 0, fraction: 0.5 }], 'ACTIVE', { books });
    // 2 BTC sold: 1 at 59990, 1 at 59900 against a 60000 mid
    const fee = 2 * 60000 * (0.0005 + 0.0001);
    expect(plan.orders[0]!.expectedCost).toBeCloseTo(fee + 10 + 100, 6);
    expect(plan.moves?.BTC).toBeCloseTo(-100 / 60000, 12);
  });
});

describe('determinism and the vote', () => {
  it('the same input gives the same plan', () => {
    const p = example('multi-venue.yaml');
    const intents = [health('deribit', 3), health('aave', 2), { kind: 'target-gross', policy: 'cppi', maxGrossUsd: 500_000 } as Intent];
    const a = planBook(p, intents, 'REDUCING');
    const b = planBook(p, intents, 'REDUCING');
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('planFromVote: the vote state, its reasons, and their codes on the orders', () => {
    const p = book(CROSS);
    const plan = planFromVote(p, {
      state: 'REDUCING',
      reasons: [{ policy: 'dd', code: 'DRAWDOWN_BAND_1', message: 'drawdown 12 % >= 10 %' }],
      intents: [{ kind: 'target-gross', policy: 'dd', maxGrossUsd: 100_000 }],
    });
    expect(plan.state).toBe('REDUCING');
    expect(plan.reasons).toEqual([{ policy: 'dd', code: 'DRAWDOWN_BAND_1', message: 'drawdown 12 % >= 10 %' }]);
    expect(plan.orders.length).toBeGreaterThan(0);
    for (const o of plan.orders) expect(o.code).toBe('DRAWDOWN_BAND_1');
  });
});

describe('gatePlan', () => {
  it('lists the orders a pre-trade gate refuses and makes the plan infeasible', () => {
    const p = book(CROSS);
    const plan = planBook(p, [{ kind: 'target-gross', policy: 'dd', maxGrossUsd: 100_000 }], 'REDUCING');
    expect(gatePlan(plan, () => ({ allowed: true }))).toBe(plan);
    const gated = gatePlan(plan, (o) => (o.asset === 'BTC' ? { allowed: false, code: 'MAX_ORDER_NOTIONAL', message: 'too big' } : { allowed: true }));
    expect(gated.feasible).toBe(false);
    expect(gated.denials!.length).toBe(plan.orders.filter((o) => o.asset === 'BTC').length);
    expect(gated.unmet.at(-1)).toMatch(/denied: MAX_ORDER_NOTIONAL: too big/);
  });

  it('market orders carry notional, delta and a limit price for the gate', () => {
    const plan = planBook(book(CROSS), [{ kind: 'reduce-position', policy: 'stop-loss', account: 'cex', position: 0, fraction: 0.5 }], 'ACTIVE');
    const o = plan.orders[0]!;
    expect(o.notionalUsd).toBeCloseTo(2 * 60000, 6);
    expect(o.deltaUsd).toBeCloseTo(-2 * 60000, 6);
    expect(o.price!).toBeLessThan(60000);
    expect(o.price!).toBeGreaterThan(60000 * 0.999);
  });

  it('HALTED protective exits may be bare order kinds, as the policy file names them', () => {
    const p = book(CROSS);
    const before = planBook(p, [], 'ACTIVE').before.accounts[0]!.healthFactor!;
    const plan = planBook(p, [health('cex', before * 2)], 'HALTED', { protectiveExits: ['close', 'open'] });
    expect(plan.orders.length).toBeGreaterThan(0);
    for (const o of plan.orders) expect(['close', 'reduce']).toContain(o.kind);
  });
});

describe('parsePlannerConfig', () => {
  it('accepts a full section', () => {
    const cfg = parsePlannerConfig({ reserve: { account: 'treasury', asset: 'USDC', amount: 1e6 }, maxImpact: 0.005, stepFraction: 0.25, protectiveExits: [{ kind: 'close' }, 'buy-option'] });
    expect(cfg.maxImpact).toBe(0.005);
  });
  it('lists every bad field with its path', () => {
    try {
      parsePlannerConfig({ maxImpact: 2, stepFraction: 0.3, reserve: { account: 'x', asset: 'USDC' }, nope: 1 }, 'policies.yaml');
      expect.unreachable();
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toMatch(/planner\.maxImpact/);
      expect(msg).toMatch(/planner\.stepFraction/);
      expect(msg).toMatch(/planner\.reserve/);
      expect(msg).toMatch(/nope/);
    }
  });
});
