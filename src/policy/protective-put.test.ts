import { describe, expect, it } from 'vitest';
import { protectivePut } from './protective-put.ts';
import { at, codes, run } from './testkit.ts';

/** Equity = gross = BTC exposure = the mark (1 BTC long from 100,000 on 100,000 USDT). */
const ctx = (equity: number, t = 0) => at({ collateral: 100000, prices: { BTC: equity }, positions: [{ asset: 'BTC', qty: 1, entry: 100000 }], highWaterMark: 100000 }, t);

describe('protective-put: bands 12.5 % and 25 %, 90 % strike, 30 days, 1 % budget', () => {
  const p = protectivePut({ asset: 'BTC', bands: [{ drawdown: 0.25, strikeFraction: 0.8, budgetFraction: 0.02 }, { drawdown: 0.125 }] });
  it.each([
    [87501, []],
    [87500, ['PROTECTIVE_PUT_BAND_1']], // at the band
    [80000, ['PROTECTIVE_PUT_BAND_1']],
    [75000, ['PROTECTIVE_PUT_BAND_1', 'PROTECTIVE_PUT_BAND_2']], // crossed together: both fire
  ] as const)('equity %d -> %j', (equity, expected) => {
    const v = run(p, [ctx(equity)]).votes[0]!;
    expect(v.state).toBe('ACTIVE');
    expect(codes(v)).toEqual(expected);
  });

  it('the intent carries strike, expiry, budget (of equity) and notional (of the long exposure); bands override', () => {
    const v = run(p, [ctx(75000)]).votes[0]!;
    expect(v.intents).toEqual([
      { kind: 'buy-protection', policy: 'protective-put', asset: 'BTC', strikeFraction: 0.9, expiryDays: 30, budgetUsd: 750, notionalUsd: 75000 },
      { kind: 'buy-protection', policy: 'protective-put', asset: 'BTC', strikeFraction: 0.8, expiryDays: 30, budgetUsd: 1500, notionalUsd: 75000 },
    ]);
  });

  it('once per band until reset', () => {
    const r = run(p, [ctx(87500, 0), ctx(80000, 1), ctx(100000, 2), ctx(87500, 3), ctx(75000, 4)]);
    expect(r.votes.map(codes)).toEqual([['PROTECTIVE_PUT_BAND_1'], [], [], [], ['PROTECTIVE_PUT_BAND_2']]);
    const after = p.reset!(r.state, ctx(75000, 5));
    expect(after.fired).toEqual([]);
    expect(codes(run(p, [ctx(75000, 5)], after).votes[0]!)).toEqual(['PROTECTIVE_PUT_BAND_1', 'PROTECTIVE_PUT_BAND_2']);
  });

  it('no long exposure: nothing bought, the band stays armed', () => {
    const short = at({ collateral: 300000, prices: { BTC: 100000 }, positions: [{ asset: 'BTC', qty: -1, entry: 50000 }], highWaterMark: 400000 });
    const r = run(p, [short]);
    expect(r.votes[0]!.intents).toEqual([]);
    expect(r.state.fired).toEqual([]);
  });

  it('stale data: nothing fires, state unchanged', () => {
    const s = p.initialState(ctx(50000));
    const out = p.evaluate(at({ collateral: 100000, prices: { BTC: 50000 }, positions: [{ asset: 'BTC', qty: 1, entry: 100000 }] }, 0, { dataAgeMs: 1e9 }), s);
    expect(out.vote.state).toBe('REDUCING');
    expect(codes(out.vote)).toEqual(['STALE_MARKET_DATA']);
    expect(out.state).toEqual(s);
  });

  it('config: duplicate bands', () => {
    expect(() => protectivePut({ asset: 'BTC', bands: [{ drawdown: 0.1 }, { drawdown: 0.1 }] })).toThrow(/bands\[1\]\.drawdown: duplicate band/);
  });
});
