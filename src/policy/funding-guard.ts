/**
 * funding-guard: reduce perp positions that pay extreme funding.
 *
 * - Funding: ctx.market.funding[asset], fraction per 8h, positive when longs pay shorts. The rate a position pays
 *   is funding x side (+1 long, -1 short): a short pays when funding is negative.
 * - Breach: rate paid > threshold (at the threshold: fine). REDUCING with reduce-position (reduceFraction of the
 *   position at the trigger, once per breach episode, exits.ts); code FUNDING_TOO_HIGH.
 * - Perps only (futures and spot pay no funding); filters `assets`, `accounts`.
 * - Fail safe: stale data; no funding rate for a watched perp's underlying -> MISSING_INPUT (never assumed 0).
 */
import { accountList, assetList, definePolicy, fmtPct, missingInput, positionsOf, positiveNumber, reason, reduceFraction, staleVote, vote, type PositionView } from './common.ts';
import { exitIntents, type FiredPositions } from './exits.ts';
import type { Reason } from './types.ts';

export interface FundingGuardState {
  readonly fired: FiredPositions;
}

export const fundingGuardShape = {
  /** Funding paid per 8h (fraction) above which a position is reduced; 0.001 = 0.1 % per 8h. */
  threshold: positiveNumber(),
  reduceFraction: reduceFraction().default(0.5),
  assets: assetList().optional(),
  accounts: accountList().optional(),
};

export const fundingGuardDefinition = definePolicy<typeof fundingGuardShape, FundingGuardState>('funding-guard', fundingGuardShape, undefined, (c, { name, maxDataAgeMs }) => ({
  type: 'funding-guard',
  name,
  initialState: () => ({ fired: {} }),
  evaluate(ctx, s) {
    const stale = staleVote(name, ctx, maxDataAgeMs);
    if (stale) return { vote: stale, state: s };
    const triggered: PositionView[] = [];
    const reasons: Reason[] = [];
    const missing = new Set<string>();
    for (const v of positionsOf(ctx, c)) {
      if (v.position.kind !== 'perp' || v.position.qty === 0) continue;
      const funding = ctx.market.funding[v.risk.asset];
      if (funding === undefined || !Number.isFinite(funding)) {
        missing.add(v.risk.asset);
        continue;
      }
      const paid = funding * Math.sign(v.position.qty);
      if (!(paid > c.threshold)) continue;
      triggered.push(v);
      reasons.push(reason(name, 'FUNDING_TOO_HIGH', `${v.account.id} position ${v.index} (${v.risk.asset} ${v.position.qty > 0 ? 'long' : 'short'}) pays ${fmtPct(paid)} per 8h, above ${fmtPct(c.threshold)}`));
    }
    const { intents, fired } = exitIntents(name, triggered, s.fired, c.reduceFraction);
    const result = vote(triggered.length > 0 ? 'REDUCING' : 'ACTIVE', reasons, intents);
    return { vote: missing.size > 0 ? missingInput(name, `no funding rate for ${[...missing].sort().join(', ')}`, result) : result, state: { fired } };
  },
  reset: () => ({ fired: {} }),
}));

export const fundingGuard = fundingGuardDefinition.create;
export type FundingGuardConfig = Parameters<typeof fundingGuard>[0];
