/**
 * Which implied vol prices an option, in this order:
 * 1. the position's own `vol`;
 * 2. the underlying's SVI smile (market.smiles[asset]), at k = ln(K/F) with F = spot e^{rT} the option's forward:
 *    - a slice with exactly the option's expiry: that slice's vol;
 *    - expiry strictly between two slices T1 < T < T2 (the nearest on each side): total variance interpolated
 *      linearly in T at the same k, w(k, T) = w1(k) + (T - T1)/(T2 - T1) (w2(k) - w1(k)), vol = sqrt(w/T).
 *      This is free of calendar arbitrage whenever w2(k) >= w1(k), the slices' own condition;
 *    - before the first or after the last slice: no extrapolation, fall through to 3;
 * 3. the flat `market.vols[asset]`.
 * Missing vol is an error (MissingMarketDataError), never a guess. Times are years ACT/365 from market.asOf; slices
 * already expired are ignored; negative interpolated variance is floored at 0.
 */
import { MissingMarketDataError } from '../errors/index.ts';
import type { Market, OptionPosition, SviSlice } from '../model/types.ts';
import { yearFraction } from '../model/types.ts';
import { sviTotalVariance, sviVol } from './svi.ts';

export function optionVol(p: OptionPosition, market: Market, spot: number): number {
  if (p.vol !== undefined) return p.vol;
  const slices = market.smiles[p.asset];
  const T = yearFraction(market.asOf, p.expiry);
  if (slices && T > 0) {
    const F = spot * Math.exp(market.rate * T);
    const exact = slices.find((s) => s.expiry === p.expiry);
    if (exact) return sviVol(exact, F, p.strike, T);
    let before: SviSlice | undefined;
    let after: SviSlice | undefined;
    for (const s of slices) {
      if (s.expiry <= market.asOf) continue;
      if (s.expiry < p.expiry && (!before || s.expiry > before.expiry)) before = s;
      if (s.expiry > p.expiry && (!after || s.expiry < after.expiry)) after = s;
    }
    if (before && after) {
      const k = Math.log(p.strike / F);
      const T1 = yearFraction(market.asOf, before.expiry);
      const T2 = yearFraction(market.asOf, after.expiry);
      const w1 = sviTotalVariance(before, k);
      const w2 = sviTotalVariance(after, k);
      const w = w1 + ((T - T1) / (T2 - T1)) * (w2 - w1);
      return Math.sqrt(Math.max(w, 0) / T);
    }
  }
  const v = market.vols[p.asset];
  if (v === undefined) throw new MissingMarketDataError('vol', p.asset, `option ${p.right} ${p.strike} position #${p.index}`);
  return v;
}
