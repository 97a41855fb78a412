/**
 * health-guard: keep each account's health factor at or above a target (top up, repay, reduce: the planner picks
 * the cheapest), and optionally add exposure back when every account is far above it (DeFi automation's
 * repay / boost pair).
 *
 * - Health: report healthFactor (> 1 safe, <= 1 liquidatable); an account with nothing required (null) is safe.
 * - Target per account: targets[id], else `target`. Breach: health < target (at the target: fine) -> REDUCING with
 *   target-health { account, minHealth: target } (HEALTH_BELOW_TARGET).
 * - Boost (boostAbove set): when no account is below target and every guarded account with a health factor is
 *   above boostAbove (strictly), ACTIVE with increase-gross to gross x min(health / boostTo) over those accounts
 *   (HEALTH_BOOST): for margin accounts health = equity / maintenance with maintenance about proportional to
 *   exposure, so scaling exposure by s takes health to about health / s; the planner re-checks with the margin
 *   models. boostTo defaults to the midpoint of target and boostAbove. The composition drops it unless the merged
 *   state is ACTIVE and nothing asks to reduce.
 * - Fail safe: stale data; a guarded account (accounts / targets) missing from the book -> MISSING_INPUT.
 */
import { z } from 'zod';
import { accountList, definePolicy, fmtNum, fmtUsd, grossExposureUsd, missingInput, pushIssue, reason, staleVote, vote } from './common.ts';
import type { Intent, Reason } from './types.ts';

export const healthGuardShape = {
  /** Minimum health factor (> 1). */
  target: z.number().gt(1),
  /** Per-account targets (> 1), overriding `target`. */
  targets: z.record(z.string(), z.number().gt(1)).optional(),
  /** Accounts guarded (default: all). */
  accounts: accountList().optional(),
  /** Boost when every guarded account's health is above this. */
  boostAbove: z.number().gt(1).optional(),
  /** Health the boost aims at (between target and boostAbove). */
  boostTo: z.number().gt(1).optional(),
};

export const healthGuardDefinition = definePolicy<typeof healthGuardShape, null>(
  'health-guard',
  healthGuardShape,
  (f, raw, path, issues) => {
    if (f.target === undefined) return;
    const targets = Object.values(f.targets ?? {});
    const highest = Math.max(f.target, ...targets);
    if (f.boostAbove !== undefined && f.boostAbove <= highest) pushIssue(issues, path, ['boostAbove'], f.boostAbove, `must be above every target (${highest})`);
    if (raw.boostTo !== undefined && raw.boostAbove === undefined) pushIssue(issues, path, ['boostTo'], raw.boostTo, 'only used with boostAbove');
    if (f.boostTo !== undefined && f.boostAbove !== undefined && !(f.boostTo >= highest && f.boostTo < f.boostAbove))
      pushIssue(issues, path, ['boostTo'], f.boostTo, `must be at least the target (${highest}) and below boostAbove (${f.boostAbove})`);
  },
  (c, { name, maxDataAgeMs }) => {
    const targetOf = (id: string): number => c.targets?.[id] ?? c.target;
    const boostTo = c.boostAbove === undefined ? undefined : (c.boostTo ?? (c.target + c.boostAbove) / 2);
    return {
      type: 'health-guard',
      name,
      initialState: () => null,
      evaluate(ctx, s) {
        const stale = staleVote(name, ctx, maxDataAgeMs);
        if (stale) return { vote: stale, state: s };
        const ids = new Set(ctx.report.accounts.map((a) => a.id));
        const wanted = [...(c.accounts ?? []), ...Object.keys(c.targets ?? {})];
        const absent = [...new Set(wanted.filter((id) => !ids.has(id)))];
        const guarded = ctx.report.accounts.filter((a) => !c.accounts || c.accounts.includes(a.id));
        const reasons: Reason[] = [];
        const intents: Intent[] = [];
        let lowestRatio = Infinity;
        let allAbove = true;
        for (const a of guarded) {
          const h = a.healthFactor;
          if (h === null) continue;
          const target = targetOf(a.id);
          if (h < target) {
            reasons.push(reason(name, 'HEALTH_BELOW_TARGET', `${a.id} health ${fmtNum(h)} below the target ${fmtNum(target)}${a.liquidatable ? ' (liquidatable)' : ''}`));
            intents.push({ kind: 'target-health', policy: name, account: a.id, minHealth: target });
          }
          if (c.boostAbove === undefined || !(h > c.boostAbove)) allAbove = false;
          else lowestRatio = Math.min(lowestRatio, h / boostTo!);
        }
        let result = vote(reasons.length > 0 ? 'REDUCING' : 'ACTIVE', reasons, intents);
        const gross = grossExposureUsd(ctx.report);
        if (reasons.length === 0 && absent.length === 0 && allAbove && Number.isFinite(lowestRatio) && gross > 0) {
          const target = gross * lowestRatio;
          result = vote(
            'ACTIVE',
            [reason(name, 'HEALTH_BOOST', `every guarded account above health ${fmtNum(c.boostAbove!)}: gross ${fmtUsd(gross)} up to ${fmtUsd(target)} (health to about ${fmtNum(boostTo!)})`)],
            [{ kind: 'increase-gross', policy: name, targetGrossUsd: target }],
          );
        }
        return { vote: absent.length > 0 ? missingInput(name, `guarded account ${absent.join(', ')} not in the portfolio`, result) : result, state: s };
      },
    };
  },
);

export const healthGuard = healthGuardDefinition.create;
export type HealthGuardConfig = Parameters<typeof healthGuard>[0];
