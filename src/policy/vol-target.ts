/**
 * vol-target: scale gross exposure so the book's forecast volatility is `targetVol`.
 *
 * - Book vol per unit of gross: sigma = sum_a |E_a| sigma_a / sum_a |E_a|, the exposure-weighted forecast vol of
 *   the underlyings (ctx.market.forecastVol, annualised: EWMA or GARCH from analytics/vol, prepared by the
 *   caller). Weighting assumes perfect correlation: conservative for a diversified book.
 * - Target leverage L* = min(maxLeverage, targetVol / sigma); target gross G* = L* x equity.
 * - Act only when |gross - G*| / G* > minChange (at minChange: no action). Above: ACTIVE with target-gross G*
 *   (VOL_TARGET_REDUCE); below: ACTIVE with increase-gross G* (VOL_TARGET_INCREASE). A flat book has nothing to
 *   scale: ACTIVE.
 * - Fail safe: stale data; no (or non-positive) forecast vol for an exposed underlying -> MISSING_INPUT (never a
 *   guessed vol); equity <= 0 -> REDUCING, target-gross 0 (VOL_TARGET_NO_EQUITY).
 */
import { z } from 'zod';
import { definePolicy, fmtNum, fmtPct, fmtUsd, grossExposureUsd, missingInput, positiveNumber, reason, staleVote, underlyingNames, vote, ACTIVE } from './common.ts';

export const volTargetShape = {
  /** Annualised target vol of the book, decimal (0.2 = 20 %). */
  targetVol: positiveNumber(),
  /** Cap of gross / equity. */
  maxLeverage: positiveNumber(),
  /** Minimum relative change of gross exposure worth acting on. */
  minChange: z.number().min(0).default(0.1),
};

export const volTargetDefinition = definePolicy<typeof volTargetShape, null>('vol-target', volTargetShape, undefined, (c, { name, maxDataAgeMs }) => ({
  type: 'vol-target',
  name,
  initialState: () => null,
  evaluate(ctx, s) {
    const stale = staleVote(name, ctx, maxDataAgeMs);
    if (stale) return { vote: stale, state: s };
    const equity = ctx.report.portfolio.equity;
    if (!Number.isFinite(equity)) return { vote: missingInput(name, 'portfolio equity is not a number'), state: s };
    const gross = grossExposureUsd(ctx.report);
    if (gross === 0) return { vote: ACTIVE, state: s };
    if (equity <= 0)
      return {
        vote: vote('REDUCING', [reason(name, 'VOL_TARGET_NO_EQUITY', `equity ${fmtUsd(equity)}: no leverage is affordable`)], [{ kind: 'target-gross', policy: name, maxGrossUsd: 0 }]),
        state: s,
      };
    let weighted = 0;
    const missing: string[] = [];
    for (const a of underlyingNames(ctx.report)) {
      const exposure = Math.abs(ctx.report.portfolio.underlyings[a]!.netDeltaUsd);
      if (exposure === 0) continue;
      const sigma = ctx.market.forecastVol[a];
      if (sigma === undefined || !(sigma > 0) || !Number.isFinite(sigma)) missing.push(a);
      else weighted += exposure * sigma;
    }
    if (missing.length > 0) return { vote: missingInput(name, `no forecast vol for ${missing.join(', ')}`), state: s };
    const sigma = weighted / gross;
    const leverage = Math.min(c.maxLeverage, c.targetVol / sigma);
    const target = leverage * equity;
    const change = Math.abs(gross - target) / target;
    if (!(change > c.minChange)) return { vote: ACTIVE, state: s };
    const msg =
      `forecast vol ${fmtPct(sigma)} per unit of gross, target ${fmtPct(c.targetVol)}: leverage ${fmtNum(leverage)}` +
      `${leverage === c.maxLeverage ? ' (the cap)' : ''} -> gross ${fmtUsd(target)} vs ${fmtUsd(gross)} now (${fmtPct(change)}, min change ${fmtPct(c.minChange)})`;
    return {
      vote:
        gross > target
          ? vote('ACTIVE', [reason(name, 'VOL_TARGET_REDUCE', msg)], [{ kind: 'target-gross', policy: name, maxGrossUsd: target }])
          : vote('ACTIVE', [reason(name, 'VOL_TARGET_INCREASE', msg)], [{ kind: 'increase-gross', policy: name, targetGrossUsd: target }]),
      state: s,
    };
  },
}));

export const volTarget = volTargetDefinition.create;
export type VolTargetConfig = Parameters<typeof volTarget>[0];
