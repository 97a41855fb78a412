import { MissingMarketDataError } from '../errors/index.ts';
import type { Market } from '../model/types.ts';
import type { PriceFn } from '../margin/terms.ts';

/** USD price lookup over a market; an unknown asset is an error (fail safe: never a guessed price). */
export const marketPrices =
  (market: Market, where = 'risk'): PriceFn =>
  (asset) => {
    if (asset === 'USD') return 1;
    const p = market.prices[asset];
    if (p === undefined) throw new MissingMarketDataError('price', asset, where);
    return p;
  };
