import { describe, expect, it } from 'vitest';
import { cutFraction, greeksLimits } from './greeks-limits.ts';
import { codes, contextOf, run } from './testkit.ts';
import type { Intent, PolicyContext } from './types.ts';

/** Long BTC calls, short BTC puts (both long and short gamma), and short ETH calls, on Deribit. */
const book = (btcCalls = 10, btcPuts = -4, ethCalls = -50) =>
  contextOf(`
asOf: 2024-03-01T00:00:00Z
market: { prices: { BTC: 60000, ETH: 3000 }, vols: { BTC: 0.6, ETH: 0.7 } }
accounts:
  - id: deribit
    venue: deribit
    collateral: { BTC: 20, ETH: 200 }
    positions:
      - { kind: option, asset: BTC, right: call, strike: 65000, expiry: 2024-03-29T08:00:00Z, qty: ${btcCalls} }
      - { kind: option, asset: BTC, right: put, strike: 55000, expiry: 2024-04-26T08:00:00Z, qty: ${btcPuts} }
      - { kind: option, asset: ETH, right: call, strike: 3200, expiry: 2024-03-29T08:00:00Z, qty: ${ethCalls} }
      - { kind: future, asset: BTC, qty: 10000, entry: 60000, expiry: 2024-03-29T08:00:00Z }
`);
const cashGamma = (ctx: PolicyContext, asset: string) => (ctx.report.portfolio.underlyings[asset]!.gamma * ctx.portfolio.market.prices[asset]! ** 2) / 100;
const vega = (ctx: PolicyContext, asset: string) => ctx.report.portfolio.underlyings[asset]!.vega;
const cuts = (intents: readonly Intent[]) => Object.fromEntries(intents.map((i) => (i.kind === 'reduce-position' ? [i.position, i.fraction] : [-1, 0])));

const c = book();
const btcGamma = cashGamma(c, 'BTC');
const btcVega = vega(c, 'BTC');
const ethGamma = cashGamma(c, 'ETH');

describe('greeks-limits per underlying', () => {
  it('the book is long BTC gamma and vega net, short ETH gamma', () => {
    expect(btcGamma).toBeGreaterThan(0);
    expect(btcVega).toBeGreaterThan(0);
    expect(ethGamma).toBeLessThan(0);
  });

  it.each([
    ['gamma', Math.abs(btcGamma) * (1 + 1e-9), []],
    ['gamma', Math.abs(btcGamma), []], // at the limit
    ['gamma', Math.abs(btcGamma) * (1 - 1e-9), ['GAMMA_LIMIT_EXCEEDED']],
    ['vega', Math.abs(btcVega), []],
    ['vega', Math.abs(btcVega) * (1 - 1e-9), ['VEGA_LIMIT_EXCEEDED']],
  ] as const)('BTC %s limit %d -> %j', (greek, limit, expected) => {
    const v = run(greeksLimits({ perUnderlying: { BTC: { [greek]: limit } } }), [c]).votes[0]!;
    expect(v.state).toBe(expected.length ? 'REDUCING' : 'ACTIVE');
    expect(codes(v)).toEqual(expected);
  });

  it('cuts only the contributors, by the fraction that lands the net on the limit (exact: greeks are linear in qty)', () => {
    const limit = btcGamma / 2;
    const v = run(greeksLimits({ perUnderlying: { BTC: { gamma: limit } } }), [c]).votes[0]!;
    const f = cuts(v.intents);
    expect(Object.keys(f)).toEqual(['0']); // the long calls; the short puts offset, the future has no gamma
    const after = book(10 * (1 - f[0]!));
    expect(cashGamma(after, 'BTC')).toBeCloseTo(limit, 6);
  });

  it('"*" applies to underlyings without their own limits; a short-gamma breach cuts the shorts', () => {
    const v = run(greeksLimits({ perUnderlying: { '*': { gamma: Math.abs(ethGamma) / 4 }, BTC: { gamma: 1e12 } } }), [c]).votes[0]!;
    const f = cuts(v.intents);
    expect(Object.keys(f)).toEqual(['2']);
    expect(cashGamma(book(10, -4, -50 * (1 - f[2]!)), 'ETH')).toBeCloseTo(ethGamma / 4, 6);
  });
});

describe('greeks-limits total', () => {
  const total = Math.abs(btcGamma) + Math.abs(ethGamma);
  it.each([
    [total, []],
    [total * (1 - 1e-9), ['TOTAL_GAMMA_LIMIT_EXCEEDED']],
  ] as const)('total gamma limit %d -> %j', (limit, expected) => {
    expect(codes(run(greeksLimits({ total: { gamma: limit } }), [c]).votes[0]!)).toEqual(expected);
  });

  it('scales every underlying to land the total on the limit', () => {
    const v = run(greeksLimits({ total: { gamma: total / 2 } }), [c]).votes[0]!;
    const f = cuts(v.intents);
    const after = book(10 * (1 - f[0]!), -4, -50 * (1 - f[2]!));
    expect(Math.abs(cashGamma(after, 'BTC')) + Math.abs(cashGamma(after, 'ETH'))).toBeCloseTo(total / 2, 6);
  });

  it('the largest cut per position wins when several limits bind', () => {
    const v = run(greeksLimits({ perUnderlying: { BTC: { gamma: btcGamma / 2, vega: btcVega / 4 } } }), [c]).votes[0]!;
    expect(codes(v)).toEqual(['GAMMA_LIMIT_EXCEEDED', 'VEGA_LIMIT_EXCEEDED']);
    expect(v.intents).toHaveLength(1);
    const onlyVega = run(greeksLimits({ perUnderlying: { BTC: { vega: btcVega / 4 } } }), [c]).votes[0]!;
    expect(cuts(v.intents)[0]).toBe(Math.max(cuts(onlyVega.intents)[0]!, cuts(run(greeksLimits({ perUnderlying: { BTC: { gamma: btcGamma / 2 } } }), [c]).votes[0]!.intents)[0]!));
  });
});

describe('greeks-limits helpers, config, fail-safe', () => {
  it.each([
    [[120, -20], 100, 60, 1 / 3],
    [[50, 50], 100, 50, 0.5],
    [[-80, 10], -70, 35, 0.4375], // -80 x 0.5625 + 10 = -35
    [[100], 100, 100, 0],
    [[100], 100, 0, 1],
  ])('cutFraction(%j, net %d, limit %d) = %d', (xs, net, limit, f) => {
    expect(cutFraction(xs, net, limit)).toBeCloseTo(f, 12);
  });
  it('needs a limit', () => expect(() => greeksLimits({})).toThrow(/perUnderlying: give perUnderlying and\/or total/));
  it('stale data', () => {
    const stale = contextOf('asOf: 2024-03-01T00:00:00Z\nmarket: { prices: { BTC: 1 } }\naccounts: [{ id: a, venue: deribit }]', { now: Date.parse('2024-03-02T00:00:00Z') });
    expect(codes(run(greeksLimits({ total: { vega: 1 } }), [stale]).votes[0]!)).toEqual(['STALE_MARKET_DATA']);
  });
});
