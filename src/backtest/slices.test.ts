/**
 * Sliced plans in the pipeline: every slice reaches the venue at its `afterMs`, the pipeline does not plan on top
 * of a working plan, and cancels what is left when no intent needs it any more (or the state becomes stricter).
 */
import { describe, expect, it } from 'vitest';
import { validatePortfolio } from '../model/parse.ts';
import type { MarketHistory } from './data.ts';
import { historyFeed } from './data.ts';
import { runPipeline } from './pipeline.ts';
import { policySetup } from './run.ts';
import { SimulatedVenue } from './venue.ts';
import { HOUR, T0, syntheticHistory } from '../testing/history.ts';


const history = (bars: readonly (readonly [number, number, number, number])[]): MarketHistory => syntheticHistory(bars);

/** 10 BTC long at 50 000 on 100 000 USDT: 5x. */
const book = () =>
  validatePortfolio(
    {
      asOf: new Date(T0).toISOString(),
      market: { prices: { BTC: 50_000, USDT: 1 } },
      accounts: [{ id: 'b', venue: 'binance-usdm', mode: 'cross', collateral: { USDT: 100_000 }, positions: [{ kind: 'perp', asset: 'BTC', qty: 10, entry: 50_000 }] }],
    },
    'test',
  );

// ADV 10 M USD, sigma 2 %/day, maxImpact 0.2 %: the largest slice is 10e6 x (0.002 / 0.02)^2 = 100 000 USD
const setup = (maxLeverage: number) =>
  policySetup(
    {
      preTrade: { protectiveExits: ['reduce', 'close'] },
      policies: [{ type: 'exposure-caps', maxLeverage }],
      planner: { maxImpact: 0.002, sliceIntervalMs: HOUR, liquidity: { BTC: { advUsd: 10_000_000, sigmaDaily: 0.02 } } },
    },
    'test',
    'caps',
  );

const flat = (n: number): [number, number, number, number][] => Array.from({ length: n }, () => [50_000, 50_000, 50_000, 50_000]);

describe('sliced plans', () => {
  it('every slice fills at its own bar, and the working plan is not re-planned', () => {
    // 5x -> at most 1x: 400 000 USD to sell in 4 slices of 100 000, one hour apart
    const s = setup(1);
    const venue = new SimulatedVenue();
    const r = runPipeline(book(), historyFeed(history(flat(8))), venue, { policy: s.policy, preTrade: s.preTrade!, planner: s.planner! });
    const planned = r.decisions.filter((d) => d.orders.length > 0);
    expect(planned[0]!.orders.map((o) => o.slice?.index)).toEqual([0, 1, 2, 3]);
    expect(planned[0]!.orders.map((o) => o.slice?.afterMs)).toEqual([0, HOUR, 2 * HOUR, 3 * HOUR]);
    // decided at the close of bar 0: slice k fills at the open of bar 1 + k, 2 BTC each
    expect(r.fills.slice(0, 4).map((f) => (f.time - T0) / HOUR)).toEqual([1, 2, 3, 4]);
    for (const f of r.fills.slice(0, 4)) expect(f.qty).toBeCloseTo(2, 9);
    // no decision while the plan works (closes of bars 1 to 3, times 2 to 4); after the last slice the costs paid
    // leave the book a little above 1x, and the next close plans the rest (one 10 % step of the position)
    expect(r.decisions.map((d) => (d.time - T0) / HOUR)).toEqual([1, 5, 6]);
    expect(planned[1]!.orders).toHaveLength(1);
    expect(planned[1]!.orders[0]!.qty).toBeCloseTo(0.2, 9);
    expect(venue.rejected).toEqual([]);
    expect(venue.pendingOrders()).toBe(0);
    expect(r.states.at(-1)).toBe('ACTIVE');
  });

  it('what is left of a plan is cancelled when no intent needs it any more', () => {
    // 5x -> at most 3x: 200 000 USD in 2 slices; after slice 0 fills (bar 1 open) BTC closes bar 1 at 60 000:
    // 8 x 60 000 / (100 000 + 8 x 10 000 - 400 000 / 5 ...) is under 3x, so slice 1 is cancelled at that close
    const bars = flat(4);
    bars[1] = [50_000, 60_000, 50_000, 60_000];
    bars[2] = [60_000, 60_000, 60_000, 60_000];
    bars[3] = [60_000, 60_000, 60_000, 60_000];
    const s = setup(3);
    const venue = new SimulatedVenue();
    const r = runPipeline(book(), historyFeed(history(bars)), venue, { policy: s.policy, preTrade: s.preTrade!, planner: s.planner! });
    expect(r.decisions[0]!.orders).toHaveLength(2);
    expect(r.fills).toHaveLength(1);
    const cancel = r.decisions.find((d) => d.cancelled !== undefined);
    expect(cancel).toBeDefined();
    expect(cancel!.cancelled).toBe(1);
    expect((cancel!.time - T0) / HOUR).toBe(2); // the close of bar 1
    expect(cancel!.state).toBe('ACTIVE');
    expect(r.final.accounts[0]!.positions[0]!.qty).toBeCloseTo(8, 9);
  });

  it('with a latency of two bars, orders in flight are not submitted twice', () => {
    const s = setup(3);
    const venue = new SimulatedVenue({ latencyBars: 2 });
    const r = runPipeline(book(), historyFeed(history(flat(8))), venue, { policy: s.policy, preTrade: s.preTrade!, planner: s.planner! });
    // 5x -> 3x: 4 BTC in 2 slices, decided at the close of bar 0, filling at the opens of bars 2 and 3; the closes
    // of bars 1 and 2 (times 2 and 3) see them pending and plan nothing on top
    expect(r.decisions[0]!.orders.map((o) => o.qty)).toEqual([2, 2]);
    expect(r.fills.slice(0, 2).map((f) => [(f.time - T0) / HOUR, f.qty])).toEqual([
      [2, 2],
      [3, 2],
    ]);
    expect(r.decisions.map((d) => (d.time - T0) / HOUR)).not.toContain(2);
    expect(r.decisions.map((d) => (d.time - T0) / HOUR)).not.toContain(3);
    // the next plan (costs left the book a little above 3x) is made after both filled, at the close of bar 3
    expect(r.decisions[1]!.time - T0).toBe(4 * HOUR);
    expect(r.fills.reduce((a, f) => a + f.qty, 0)).toBeLessThan(4.61);
  });
});
