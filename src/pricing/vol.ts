/**
 * Which implied vol prices an option: the position's own `vol`, else the underlying's SVI slice for that expiry
 * (an exact expiry match), else the flat `market.vols[asset]`. Missing vol is an error, never a guess.
 */
import { MissingMarketDataError } from '../errors/index.ts';
import type { Market, OptionPosition } from '../model/types.ts';
import { yearFraction } from '../model/types.ts';
import { sviVol } from './svi.ts';

export function optionVol(p: OptionPosition, market: Market, spot: number): number {
  if (p.vol !== undefined) return p.vol;
  const slices = market.smiles[p.asset];
  if (slices) {
    const slice = slices.find((s) => s.expiry === p.expiry);
    if (slice) {
      const T = yearFraction(market.asOf, p.expiry);
      if (T > 0) return sviVol(slice, spot * Math.exp(market.rate * T), p.strike, T);
    }
  }
  const v = market.vols[p.asset];
  if (v === undefined) throw new MissingMarketDataError('vol', p.asset, `option ${p.right} ${p.strike} position #${p.index}`);
  return v;
}
