import { describe, expect, it } from 'vitest';
import { cppi, tipp } from './cppi.ts';
import { at, codes, run } from './testkit.ts';
import type { Vote } from './types.ts';

/** Equity = collateral exactly (BTC at its entry), gross = qty x 100. */
const book = (equity: number, gross: number, t = 0, highWaterMark?: number) =>
  at({ collateral: equity, prices: { BTC: 100 }, positions: [{ asset: 'BTC', qty: gross / 100, entry: 100 }], ...(highWaterMark ? { highWaterMark } : {}) }, t);

const summary = (v: Vote) => ({ state: v.state, codes: codes(v), intents: v.intents.map((i) => (i.kind === 'target-gross' ? `max ${i.maxGrossUsd}` : i.kind === 'increase-gross' ? `up ${i.targetGrossUsd}` : i.kind)) });

describe('cppi: multiplier 4, floor 80,000, band 25 % (equity 100,000: target 80,000)', () => {
  const p = cppi({ multiplier: 4, floor: 80000, band: 0.25 });
  it.each([
    [80000, 'ACTIVE', [], []],
    [100000, 'ACTIVE', [], []], // 25 % above the target: at the band, no action
    [100100, 'ACTIVE', ['CPPI_REBALANCE_DOWN'], ['max 80000']],
    [60000, 'ACTIVE', [], []], // 25 % below: at the band
    [59900, 'ACTIVE', ['CPPI_REBALANCE_UP'], ['up 80000']],
  ] as const)('gross %d -> %s %j %j', (gross, state, c, intents) => {
    expect(summary(run(p, [book(100000, gross)]).votes[0]!)).toEqual({ state, codes: c, intents });
  });

  it.each([
    [80001, 'ACTIVE', []],
    [80000, 'REDUCING', ['max 0']], // at the floor
    [79999, 'REDUCING', ['max 0']],
  ] as const)('equity %d -> %s', (equity, state, intents) => {
    const v = run(p, [book(equity, 0)]).votes[0]!;
    expect(v.state).toBe(state);
    if (state === 'REDUCING') expect(codes(v)).toEqual(['CPPI_FLOOR_BREACHED']);
    if (intents.length > 0) expect(summary(v).intents).toEqual(intents);
  });

  it('maxLeverage caps the target', () => {
    const q = cppi({ multiplier: 10, floor: 50000, band: 0 , maxLeverage: 2 });
    expect(summary(run(q, [book(100000, 300000)]).votes[0]!).intents).toEqual(['max 200000']);
  });

  it('floorFraction: of the start equity, fixed afterwards', () => {
    const q = cppi({ multiplier: 4, floorFraction: 0.75, band: 0.25 });
    const { votes, state } = run(q, [book(100000, 100000), book(200000, 100000, 1), book(75000, 0, 2)]);
    expect(state.reference).toBe(100000);
    expect(summary(votes[1]!).intents).toEqual(['up 500000']); // floor stays 75,000: 4 x 125,000
    expect(votes[2]!.state).toBe('REDUCING');
  });

  it('config: exactly one floor', () => {
    expect(() => cppi({ multiplier: 4 })).toThrow(/floor: give exactly one of floor/);
    expect(() => cppi({ multiplier: 4, floor: 1, floorFraction: 0.5 })).toThrow(/floor: give exactly one/);
    expect(() => cppi({ multiplier: 4, floor: 1, startEquity: 5 })).toThrow(/startEquity: only used with floorFraction/);
  });
});

describe('tipp: floor 75 % of the high-water mark, ratcheting', () => {
  const p = tipp({ multiplier: 4, floorFraction: 0.75, band: 0.25 });
  it('the floor rises with new highs and never falls', () => {
    // HWM 120,000 -> floor 90,000; a new high of 140,000 -> floor 105,000; back to 104,000: below the floor
    const { votes, state } = run(p, [book(100000, 40000, 0, 120000), book(140000, 140000, 1), book(104000, 0, 2)]);
    expect(summary(votes[0]!)).toEqual({ state: 'ACTIVE', codes: [], intents: [] }); // target 4 x 10,000
    expect(summary(votes[1]!)).toEqual({ state: 'ACTIVE', codes: [], intents: [] }); // target 4 x 35,000
    expect(summary(votes[2]!)).toEqual({ state: 'REDUCING', codes: ['TIPP_FLOOR_BREACHED'], intents: ['max 0'] });
    expect(state.reference).toBe(140000);
    // the same path under cppi with a fixed floor of 90,000 keeps trading
    expect(run(cppi({ multiplier: 4, floor: 90000, band: 0.25 }), [book(104000, 56000)]).votes[0]!.state).toBe('ACTIVE');
  });

  it.each([
    [105001, 'ACTIVE'],
    [105000, 'REDUCING'],
  ] as const)('after the ratchet, equity %d -> %s', (equity, state) => {
    const { votes } = run(p, [book(140000, 140000, 0), book(equity, 4 * (equity - 105000), 1)]);
    expect(votes[1]!.state).toBe(state);
  });

  it('stale data: STALE_MARKET_DATA and the high-water mark is not moved', () => {
    const r = run(p, [book(100000, 40000, 0, 120000)]);
    const out = p.evaluate(at({ collateral: 500000, prices: { BTC: 100 } }, 1, { dataAgeMs: 1e7 }), r.state);
    expect(codes(out.vote)).toEqual(['STALE_MARKET_DATA']);
    expect(out.state).toEqual(r.state);
  });
});
