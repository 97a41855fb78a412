import { describe, expect, it } from 'vitest';
import type { Market, OptionPosition } from '../model/types.ts';
import { MS_PER_YEAR } from '../model/types.ts';
import { blackScholes } from './black.ts';
import { inverseOption } from './inverse.ts';
import { inverseCoinDelta, valueOption } from './option.ts';

const asOf = Date.UTC(2025, 0, 1);
const market: Market = { asOf, prices: { BTC: 60000 }, vols: { BTC: 0.6 }, smiles: {}, rate: 0.03, stables: new Set() };
const option = (over: Partial<OptionPosition> = {}): OptionPosition => ({
  index: 3, asset: 'BTC', qty: -2, kind: 'option', settle: 'linear', right: 'put', strike: 55000, expiry: asOf + 30 * 86_400_000, ...over,
});

describe('valueOption', () => {
  it('per-unit USD value and spot Greeks: Black-Scholes with T ACT/365, market rate and flat vol', () => {
    const g = valueOption(option(), 60000, market);
    const T = (30 * 86_400_000) / MS_PER_YEAR;
    expect(T).toBeCloseTo(30 / 365, 15);
    expect(g).toEqual(blackScholes('put', 60000, 55000, T, 0.6, 0.03));
  });

  it('uses the position vol when given', () => {
    expect(valueOption(option({ vol: 0.8 }), 60000, market).price).toBe(blackScholes('put', 60000, 55000, 30 / 365, 0.8, 0.03).price);
  });

  it('expired options are worth intrinsic and need no vol', () => {
    const noVol: Market = { ...market, vols: {} };
    const g = valueOption(option({ expiry: asOf - 1 }), 50000, noVol);
    expect(g).toEqual({ price: 5000, delta: -1, gamma: 0, vega: 0, theta: 0, vanna: 0, volga: 0 });
    expect(valueOption(option({ expiry: asOf }), 60000, noVol).price).toBe(0);
  });

  it('inverse options: same USD value; inverseCoinDelta is Deribit net transaction delta', () => {
    const p = option({ settle: 'inverse', right: 'call', strike: 65000 });
    const g = valueOption(p, 60000, market);
    const T = 30 / 365;
    const ref = inverseOption('call', 60000, 60000 * Math.exp(0.03 * T), 65000, T, 0.6, Math.exp(-0.03 * T));
    expect(g.price).toBeCloseTo(ref.price, 9);
    expect(inverseCoinDelta(g, 60000)).toBeCloseTo(ref.coinDelta, 12);
    expect(inverseCoinDelta(g, 60000)).toBeCloseTo(g.delta - g.price / 60000, 15);
  });
});
