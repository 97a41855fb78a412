/**
 * liquidation-buffer: keep every position's distance to liquidation above a buffer.
 *
 * - Buffer of a position on underlying a: max(minDistance, sigmas x sigma_a x sqrt(reactionTimeMs / year)), with
 *   sigma_a = ctx.market.forecastVol[a] (annualised, ACT/365 year): the k-sigma move over the time it takes to react.
 *   Either part may be configured alone.
 * - Breach: distanceToLiquidation < buffer (strictly: at the buffer is fine), or the bucket is already
 *   liquidatable (negative distance). Positions without a liquidation price are never breached.
 * - Vote: REDUCING with one target-health intent per breached account (code LIQUIDATION_BUFFER_BREACHED, one
 *   reason per position). minHealth = max(targetHealth, estimate), the estimate being the health that puts the
 *   worst breached position at its buffer, to first order:
 *   - cross margin (health = balance / maintenance): distance is proportional to the margin excess, so at fixed
 *     maintenance h* = 1 + (h - 1) x buffer / distance (exact for one linear perp topped up with stablecoins while
 *     its tier does not change down to the liquidation price);
 *   - isolated margin, or no usable distance: h* = 1 + buffer x sum|delta x mark| / maintenance (the account's
 *     average maintenance rate stands for the bucket's);
 *   - lending and weighted health (collateral x threshold / debt): also at least 1 / (1 - buffer), the health
 *     that survives a fall of `buffer` in the whole collateral against stable debt (an upper bound otherwise).
 *   The planner checks the real effect with the margin models.
 * - Fail safe: stale data -> STALE_MARKET_DATA; sigmas configured and no forecast vol for a watched position's
 *   underlying -> MISSING_INPUT (minDistance alone still applies to it). Stable assets (market.stables: a borrowed
 *   USDC, say) are the unit of account, not risk underlyings: without a forecast for them only minDistance applies.
 */
import { z } from 'zod';
import { MS_PER_YEAR } from '../model/types.ts';
import { accountList, assetList, definePolicy, fmtNum, fmtPct, missingInput, openFraction, positionsOf, positiveNumber, pushIssue, reason, staleVote, vote } from './common.ts';
import type { AccountRisk } from '../risk/report.ts';
import type { Intent, Reason } from './types.ts';

export const liquidationBufferShape = {
  /** Minimum distance to liquidation, fraction of the mark. */
  minDistance: openFraction().optional(),
  /** k in k x sigma x sqrt(reaction time). */
  sigmas: positiveNumber().optional(),
  /** Time to react, ms (with sigmas). */
  reactionTimeMs: z.number().int().positive().optional(),
  /** Floor of the target health asked for (> 1). */
  targetHealth: z.number().gt(1).optional(),
  assets: assetList().optional(),
  accounts: accountList().optional(),
};

/** The health that puts a position of `account` at distance `buffer`, to first order (see the module doc). */
export function healthForBuffer(account: AccountRisk, distance: number, buffer: number, isStable: (asset: string) => boolean = () => false): number {
  const h = account.healthFactor;
  let est = Number.NaN;
  if (account.mode !== 'isolated' && h !== null && h > 1 && distance > 0) est = 1 + ((h - 1) * buffer) / distance;
  if (!Number.isFinite(est) && account.maintenanceMargin > 0) {
    let gross = 0;
    for (const p of account.positions) if (!isStable(p.asset)) gross += Math.abs(p.delta * p.mark);
    est = 1 + (buffer * gross) / account.maintenanceMargin;
  }
  if (account.model === 'lending' || account.model === 'weighted') est = Math.max(Number.isFinite(est) ? est : 0, 1 / (1 - buffer));
  return est;
}

export const liquidationBufferDefinition = definePolicy<typeof liquidationBufferShape, null>(
  'liquidation-buffer',
  liquidationBufferShape,
  (_f, raw, path, issues) => {
    if (raw.minDistance === undefined && raw.sigmas === undefined) pushIssue(issues, path, ['minDistance'], undefined, 'give minDistance, sigmas (with reactionTimeMs), or both');
    if (raw.sigmas !== undefined && raw.reactionTimeMs === undefined) pushIssue(issues, path, ['reactionTimeMs'], undefined, 'required with sigmas: the time to react, in ms');
    if (raw.reactionTimeMs !== undefined && raw.sigmas === undefined) pushIssue(issues, path, ['sigmas'], undefined, 'required with reactionTimeMs: how many forecast standard deviations to keep');
  },
  (c, { name, maxDataAgeMs }) => ({
    type: 'liquidation-buffer',
    name,
    initialState: () => null,
    evaluate(ctx, s) {
      const stale = staleVote(name, ctx, maxDataAgeMs);
      if (stale) return { vote: stale, state: s };
      const reasons: Reason[] = [];
      const missing = new Set<string>();
      const noEstimate = new Set<string>();
      const need = new Map<string, { account: AccountRisk; health: number }>();
      for (const v of positionsOf(ctx, c)) {
        const d = v.risk.distanceToLiquidation;
        if (d === null) continue;
        let buffer = c.minDistance ?? 0;
        let how = c.minDistance !== undefined ? `min ${fmtPct(c.minDistance)}` : '';
        if (c.sigmas !== undefined) {
          const sigma = ctx.market.forecastVol[v.risk.asset];
          // a stablecoin without a forecast is the unit of account, not a risk underlying: minDistance only
          const skip = sigma === undefined && ctx.portfolio.market.stables.has(v.risk.asset);
          if (skip) how ||= 'stable asset: no sigma buffer';
          else if (sigma === undefined || !(sigma > 0)) missing.add(v.risk.asset);
          else {
            const move = c.sigmas * sigma * Math.sqrt(c.reactionTimeMs! / MS_PER_YEAR);
            how += `${how ? ', ' : ''}${fmtNum(c.sigmas)} x vol ${fmtPct(sigma)} x sqrt(${fmtNum(c.reactionTimeMs! / 3_600_000)}h) = ${fmtPct(move)}`;
            buffer = Math.max(buffer, move);
          }
        }
        if (!(d < buffer)) continue;
        const where = v.risk.liquidationPrice === null ? '' : ` at ${fmtNum(v.risk.liquidationPrice, 8)}`;
        reasons.push(
          reason(
            name,
            'LIQUIDATION_BUFFER_BREACHED',
            `${v.account.id} position ${v.index} (${v.risk.kind} ${v.risk.asset}) is ${d < 0 ? 'liquidatable' : `${fmtPct(d)} from liquidation${where}`}, buffer ${fmtPct(buffer)} (${how})`,
          ),
        );
        const estimate = healthForBuffer(v.account, d, buffer, (a) => ctx.portfolio.market.stables.has(a));
        const h = Number.isFinite(estimate) ? Math.max(c.targetHealth ?? 1, estimate) : c.targetHealth;
        if (h === undefined) {
          noEstimate.add(v.account.id);
          continue;
        }
        const prev = need.get(v.account.id);
        if (!prev || h > prev.health) need.set(v.account.id, { account: v.account, health: h });
      }
      const intents: Intent[] = [...need.values()].map(({ account, health }) => ({ kind: 'target-health', policy: name, account: account.id, minHealth: health }));
      const result = vote(reasons.length > 0 ? 'REDUCING' : 'ACTIVE', reasons, intents);
      let out = result;
      if (noEstimate.size > 0) out = missingInput(name, `no health estimate for ${[...noEstimate].join(', ')}: set targetHealth`, out);
      if (missing.size > 0) out = missingInput(name, `no forecast vol for ${[...missing].sort().join(', ')} (needed for the ${fmtNum(c.sigmas ?? 0)}-sigma buffer)`, out);
      return { vote: out, state: s };
    },
  }),
);

export const liquidationBuffer = liquidationBufferDefinition.create;
export type LiquidationBufferConfig = Parameters<typeof liquidationBuffer>[0];
