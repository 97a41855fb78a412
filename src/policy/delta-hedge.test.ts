import { describe, expect, it } from 'vitest';
import { deltaHedge, whalleyWilmottBand } from './delta-hedge.ts';
import { at, codes, contextOf, run } from './testkit.ts';
import type { Vote } from './types.ts';

const book = (btc: number, eth = 0) =>
  at({ prices: { BTC: 100, ETH: 100 }, positions: [{ asset: 'BTC', qty: btc, entry: 100 }, ...(eth ? [{ asset: 'ETH', qty: eth, entry: 100 }] : [])] });
const hedges = (v: Vote) => v.intents.map((i) => (i.kind === 'hedge-delta' ? `${i.asset}->${i.targetDelta}` : i.kind));

describe('delta-hedge: fixed band 0.5 BTC around 0', () => {
  const p = deltaHedge({ band: 0.5 });
  it.each([
    [0.5, []], // at the band edge
    [0.5001, ['BTC->0']],
    [-0.5, []],
    [-0.5001, ['BTC->0']],
  ] as const)('net delta %d -> %j', (qty, expected) => {
    const v = run(p, [book(qty)]).votes[0]!;
    expect(v.state).toBe('ACTIVE');
    expect(hedges(v)).toEqual(expected);
    expect(codes(v)).toEqual(expected.length ? ['DELTA_OUTSIDE_BAND'] : []);
  });

  it('bandUsd is converted at the mark; hedgeTo edge stops at the band; targets per underlying', () => {
    expect(hedges(run(deltaHedge({ bandUsd: 50 }), [book(0.5001)]).votes[0]!)).toEqual(['BTC->0']);
    expect(hedges(run(deltaHedge({ bandUsd: 50 }), [book(0.5)]).votes[0]!)).toEqual([]);
    expect(hedges(run(deltaHedge({ band: 0.5, hedgeTo: 'edge' }), [book(2)]).votes[0]!)).toEqual(['BTC->0.5']);
    expect(hedges(run(deltaHedge({ band: 0.5, hedgeTo: 'edge' }), [book(-2)]).votes[0]!)).toEqual(['BTC->-0.5']);
    expect(hedges(run(deltaHedge({ band: 0.5, targets: { BTC: 2 } }), [book(2, 3)]).votes[0]!)).toEqual(['ETH->0']);
    expect(hedges(run(deltaHedge({ band: 0.5, assets: ['BTC'] }), [book(0, 3)]).votes[0]!)).toEqual([]);
    // a configured underlying absent from the book has delta 0 and is hedged to its target
    expect(hedges(run(deltaHedge({ band: 0.5, assets: ['SOL'], targetDelta: 1 }), [book(0)]).votes[0]!)).toEqual(['SOL->1']);
  });
});

describe('delta-hedge: Whalley-Wilmott band from gamma and costs', () => {
  // Short 10 BTC puts and BTC collateral on Deribit: net delta includes the coin collateral.
  const c = contextOf(`
asOf: 2024-03-01T00:00:00Z
market: { prices: { BTC: 60000 }, vols: { BTC: 0.6 } }
accounts:
  - id: deribit
    venue: deribit
    collateral: { BTC: 2 }
    positions:
      - { kind: option, asset: BTC, right: put, strike: 60000, expiry: 2024-03-29T08:00:00Z, qty: -10 }
`);
  const u = c.report.portfolio.underlyings.BTC!;
  const off = Math.abs(u.netDelta);
  const riskAversion = 1e-4;
  // cost that puts the band edge exactly at |net delta|: H^3 = 3 cost S G^2 / (2 ra)
  const costAt = (2 * riskAversion * off ** 3) / (3 * 60000 * u.gamma ** 2);
  it('the formula: units^3 = USD x (units/USD)^2 / (1/USD)', () => {
    expect(whalleyWilmottBand(costAt, 60000, u.gamma, riskAversion)).toBeCloseTo(off, 12);
    expect(whalleyWilmottBand(0.001, 60000, 0, 1)).toBe(0);
    expect(whalleyWilmottBand(8 * 0.001, 60000, 1e-4, 1e-4)).toBeCloseTo(2 * whalleyWilmottBand(0.001, 60000, 1e-4, 1e-4), 12);
  });
  it.each([
    [costAt * (1 - 1e-6), true], // a narrower band: hedge
    [costAt * (1 + 1e-6), false],
  ])('cost %d -> hedge %s', (cost, hedge) => {
    expect(hedges(run(deltaHedge({ wilmott: { cost, riskAversion } }), [c]).votes[0]!)).toEqual(hedge ? ['BTC->0'] : []);
  });
  it('minBand is a floor (a gamma-free book would otherwise be hedged on any deviation)', () => {
    expect(hedges(run(deltaHedge({ wilmott: { cost: 0.001, riskAversion: 1 } }), [book(0.001)]).votes[0]!)).toEqual(['BTC->0']);
    expect(hedges(run(deltaHedge({ wilmott: { cost: 0.001, riskAversion: 1, minBand: 0.01 } }), [book(0.001)]).votes[0]!)).toEqual([]);
  });
});

describe('delta-hedge config and fail-safe', () => {
  it('exactly one band', () => {
    expect(() => deltaHedge({})).toThrow(/band: give exactly one of band/);
    expect(() => deltaHedge({ band: 1, bandUsd: 5 })).toThrow(/bandUsd: give exactly one/);
  });
  it('stale data', () => {
    const v = run(deltaHedge({ band: 0 }), [at({ prices: { BTC: 100 }, positions: [{ asset: 'BTC', qty: 1, entry: 100 }] }, 0, { dataAgeMs: 1e9 })]).votes[0]!;
    expect(v.state).toBe('REDUCING');
    expect(codes(v)).toEqual(['STALE_MARKET_DATA']);
  });
  it('no mark for a configured underlying with a USD band: MISSING_INPUT', () => {
    const v = run(deltaHedge({ bandUsd: 10, assets: ['SOL'] }), [book(0)]).votes[0]!;
    expect(codes(v)).toEqual(['MISSING_INPUT']);
  });
});
