/**
 * exposure-caps: caps on gross exposure, leverage, per-underlying exposure and per-venue exposure.
 *
 * - Gross and leverage as in common.ts. maxGrossUsd: gross > cap -> target-gross cap (GROSS_CAP_EXCEEDED).
 *   maxLeverage: gross > maxLeverage x equity -> target-gross maxLeverage x equity (LEVERAGE_CAP_EXCEEDED; 0 when
 *   equity <= 0).
 * - perAsset[asset] (or perAsset["*"]): the underlying's netDeltaUsd must lie in [-min(maxShortUsd, maxAbsUsd),
 *   min(maxLongUsd, maxAbsUsd)]; outside -> target-exposure with that range (ASSET_CAP_EXCEEDED). An unbounded
 *   side is +-UNBOUNDED_USD (Number.MAX_VALUE: finite, so intents stay valid JSON).
 * - perVenue[venue] (preset name as in the report, 'inline' for inline venues): the venue's gross = sum over
 *   underlyings of |net delta USD of its positions| (collateral excluded: it is not reducible by an order);
 *   above maxGrossUsd -> reduce-position on every non-stable position of the venue's accounts by 1 - cap / gross
 *   (proportional, which lands the venue's gross on the cap) (VENUE_CAP_EXCEEDED).
 * - Every breach is at "strictly above" the cap; at the cap is fine. Any breach votes REDUCING.
 * - Fail safe: stale data; equity not a number with maxLeverage -> MISSING_INPUT.
 */
import { z } from 'zod';
import { strict } from '../model/schema.ts';
import { definePolicy, fmtNum, fmtUsd, grossExposureUsd, missingInput, positionsOf, positiveNumber, pushIssue, reason, staleVote, underlyingNames, vote } from './common.ts';
import type { Intent, Reason } from './types.ts';

/** "No bound" in a target-exposure range. */
export const UNBOUNDED_USD = Number.MAX_VALUE;

const nonNeg = () => z.number().min(0);

export const exposureCapsShape = {
  maxGrossUsd: positiveNumber().optional(),
  maxLeverage: positiveNumber().optional(),
  perAsset: z.record(z.string(), strict({ maxLongUsd: nonNeg().optional(), maxShortUsd: nonNeg().optional(), maxAbsUsd: nonNeg().optional() })).optional(),
  perVenue: z.record(z.string(), strict({ maxGrossUsd: nonNeg() })).optional(),
};

const fmtBound = (x: number): string => (Math.abs(x) === UNBOUNDED_USD ? 'unbounded' : fmtUsd(x));

export const exposureCapsDefinition = definePolicy<typeof exposureCapsShape, null>(
  'exposure-caps',
  exposureCapsShape,
  (f, raw, path, issues) => {
    if (['maxGrossUsd', 'maxLeverage', 'perAsset', 'perVenue'].every((k) => raw[k] === undefined))
      pushIssue(issues, path, ['maxGrossUsd'], undefined, 'give at least one cap: maxGrossUsd, maxLeverage, perAsset or perVenue');
    for (const [asset, cap] of Object.entries(f.perAsset ?? {}))
      if (cap.maxLongUsd === undefined && cap.maxShortUsd === undefined && cap.maxAbsUsd === undefined)
        pushIssue(issues, path, ['perAsset', asset], cap, 'give maxLongUsd, maxShortUsd and/or maxAbsUsd');
  },
  (c, { name, maxDataAgeMs }) => ({
    type: 'exposure-caps',
    name,
    initialState: () => null,
    evaluate(ctx, s) {
      const stale = staleVote(name, ctx, maxDataAgeMs);
      if (stale) return { vote: stale, state: s };
      const reasons: Reason[] = [];
      const intents: Intent[] = [];
      const gross = grossExposureUsd(ctx.report);
      const equity = ctx.report.portfolio.equity;
      if (c.maxGrossUsd !== undefined && gross > c.maxGrossUsd) {
        reasons.push(reason(name, 'GROSS_CAP_EXCEEDED', `gross exposure ${fmtUsd(gross)} above the cap ${fmtUsd(c.maxGrossUsd)}`));
        intents.push({ kind: 'target-gross', policy: name, maxGrossUsd: c.maxGrossUsd });
      }
      if (c.maxLeverage !== undefined) {
        if (!Number.isFinite(equity)) return { vote: missingInput(name, 'portfolio equity is not a number (needed for maxLeverage)'), state: s };
        const limit = Math.max(0, c.maxLeverage * equity);
        if (gross > limit) {
          reasons.push(reason(name, 'LEVERAGE_CAP_EXCEEDED', `gross ${fmtUsd(gross)} on equity ${fmtUsd(equity)} above ${fmtNum(c.maxLeverage)}x: gross to ${fmtUsd(limit)}`));
          intents.push({ kind: 'target-gross', policy: name, maxGrossUsd: limit });
        }
      }
      if (c.perAsset) {
        for (const asset of underlyingNames(ctx.report)) {
          const cap = c.perAsset[asset] ?? c.perAsset['*'];
          if (!cap) continue;
          const maxUsd = Math.min(cap.maxLongUsd ?? UNBOUNDED_USD, cap.maxAbsUsd ?? UNBOUNDED_USD);
          const minUsd = -Math.min(cap.maxShortUsd ?? UNBOUNDED_USD, cap.maxAbsUsd ?? UNBOUNDED_USD);
          const e = ctx.report.portfolio.underlyings[asset]!.netDeltaUsd;
          if (e >= minUsd && e <= maxUsd) continue;
          reasons.push(reason(name, 'ASSET_CAP_EXCEEDED', `${asset} exposure ${fmtUsd(e)} outside [${fmtBound(minUsd)}, ${fmtBound(maxUsd)}]`));
          intents.push({ kind: 'target-exposure', policy: name, asset, minUsd, maxUsd });
        }
      }
      for (const [venue, cap] of Object.entries(c.perVenue ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const accounts = ctx.report.accounts.filter((a) => a.venue === venue).map((a) => a.id);
        if (accounts.length === 0) continue;
        const views = positionsOf(ctx, { accounts }).filter((v) => !ctx.portfolio.market.stables.has(v.risk.asset));
        const net = new Map<string, number>();
        for (const v of views) net.set(v.risk.asset, (net.get(v.risk.asset) ?? 0) + v.risk.delta * v.risk.mark);
        let venueGross = 0;
        for (const x of net.values()) venueGross += Math.abs(x);
        if (!(venueGross > cap.maxGrossUsd)) continue;
        const fraction = 1 - cap.maxGrossUsd / venueGross;
        reasons.push(reason(name, 'VENUE_CAP_EXCEEDED', `${venue} gross ${fmtUsd(venueGross)} above the cap ${fmtUsd(cap.maxGrossUsd)}: every position cut by ${fmtNum(fraction * 100)}%`));
        for (const v of views) if (v.position.qty !== 0) intents.push({ kind: 'reduce-position', policy: name, account: v.account.id, position: v.index, fraction });
      }
      return { vote: vote(reasons.length > 0 ? 'REDUCING' : 'ACTIVE', reasons, intents), state: s };
    },
  }),
);

export const exposureCaps = exposureCapsDefinition.create;
export type ExposureCapsConfig = Parameters<typeof exposureCaps>[0];
