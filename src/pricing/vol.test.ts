import { describe, expect, it } from 'vitest';
import { MissingMarketDataError } from '../errors/index.ts';
import type { Market, OptionPosition, SviSlice } from '../model/types.ts';
import { MS_PER_YEAR } from '../model/types.ts';
import { sviTotalVariance, sviVol } from './svi.ts';
import { optionVol } from './vol.ts';

const asOf = Date.UTC(2025, 0, 1);
const day = 24 * 3600 * 1000;
const s1: SviSlice = { expiry: asOf + 7 * day, a: 0.004, b: 0.04, rho: -0.3, m: 0.01, sigma: 0.1 };
const s2: SviSlice = { expiry: asOf + 35 * day, a: 0.02, b: 0.08, rho: -0.25, m: 0.02, sigma: 0.15 };
const market = (over: Partial<Market> = {}): Market => ({
  asOf, prices: { BTC: 60000 }, vols: { BTC: 0.55 }, smiles: { BTC: [s2, s1] }, rate: 0.05, stables: new Set(), ...over,
});
const option = (over: Partial<OptionPosition> = {}): OptionPosition => ({
  index: 0, asset: 'BTC', qty: 1, kind: 'option', settle: 'inverse', right: 'call', strike: 65000, expiry: s1.expiry, ...over,
});
const years = (t: number): number => (t - asOf) / MS_PER_YEAR;

describe('optionVol', () => {
  it('position vol first', () => expect(optionVol(option({ vol: 0.9 }), market(), 60000)).toBe(0.9));

  it('exact slice match: that slice at k = ln(K/F), F = spot e^{rT}', () => {
    const T = years(s1.expiry);
    const F = 60000 * Math.exp(0.05 * T);
    expect(optionVol(option(), market(), 60000)).toBe(sviVol(s1, F, 65000, T));
  });

  it('between two slices: total variance linear in T at the same k', () => {
    const expiry = asOf + 14 * day;
    const T = years(expiry);
    const F = 60000 * Math.exp(0.05 * T);
    const k = Math.log(65000 / F);
    const [T1, T2] = [years(s1.expiry), years(s2.expiry)];
    const w = sviTotalVariance(s1, k) + ((T - T1) / (T2 - T1)) * (sviTotalVariance(s2, k) - sviTotalVariance(s1, k));
    const v = optionVol(option({ expiry }), market(), 60000);
    expect(v).toBeCloseTo(Math.sqrt(w / T), 14);
    // continuity: at the slice expiries the interpolation meets the exact slices
    const near1 = optionVol(option({ expiry: s1.expiry + 1 }), market(), 60000);
    expect(near1).toBeCloseTo(sviVol(s1, 60000 * Math.exp(0.05 * years(s1.expiry + 1)), 65000, years(s1.expiry + 1)), 6);
  });

  it('picks the nearest slices on each side, ignores expired ones, and does not extrapolate', () => {
    const far: SviSlice = { ...s2, expiry: asOf + 90 * day, a: 0.5 };
    const old: SviSlice = { ...s1, expiry: asOf - day, a: 0.5 };
    const expiry = asOf + 14 * day;
    expect(optionVol(option({ expiry }), market({ smiles: { BTC: [far, s1, old, s2] } }), 60000)).toBe(optionVol(option({ expiry }), market(), 60000));
    expect(optionVol(option({ expiry: asOf + 3 * day }), market(), 60000)).toBe(0.55); // before the first slice: flat
    expect(optionVol(option({ expiry: asOf + 60 * day }), market(), 60000)).toBe(0.55); // after the last: flat
  });

  it('flat vol when there is no smile; MissingMarketDataError when there is no vol at all', () => {
    expect(optionVol(option(), market({ smiles: {} }), 60000)).toBe(0.55);
    expect(() => optionVol(option({ expiry: asOf + 60 * day }), market({ vols: {} }), 60000)).toThrow(MissingMarketDataError);
    expect(() => optionVol(option({ asset: 'ETH' }), market(), 3000)).toThrow(/no vol for ETH/);
  });
});
