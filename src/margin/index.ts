/**
 * Margin model dispatch: turns an account into its buckets according to its venue's model.
 * Each model lives in its own module; all speak the additive terms of ./terms.ts.
 */
import type { Account, Market } from '../model/types.ts';
import { buildDeribitBuckets } from './deribit.ts';
import { buildLendingBuckets } from './lending.ts';
import type { AccountModel } from './terms.ts';
import { buildTieredBuckets } from './tiered.ts';
import { buildWeightedBuckets } from './weighted.ts';

export function buildAccountModel(account: Account, market: Market): AccountModel {
  switch (account.venue.model) {
    case 'tiered':
      return { buckets: buildTieredBuckets(account, market) };
    case 'deribit':
      return { buckets: buildDeribitBuckets(account, market) };
    case 'lending':
      return { buckets: buildLendingBuckets(account, market) };
    case 'weighted':
      return { buckets: buildWeightedBuckets(account, market) };
  }
}
