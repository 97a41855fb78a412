/**
 * greeks-limits: cap gamma and vega per underlying and in total.
 *
 * - Units: gamma as cash gamma, the USD change of the delta notional for a 1 % move, |Gamma| x S^2 / 100 (Gamma
 *   from the report, d(delta)/dS); vega in USD per vol point (report vega). Per underlying the net figure of the
 *   book; in total the sum over underlyings of |net| (no netting across underlyings).
 * - Limits: perUnderlying[asset] (or perUnderlying["*"]) and total, each { gamma?, vega? }. Breach: |greek| >
 *   limit (at the limit: fine). Codes GAMMA_LIMIT_EXCEEDED, VEGA_LIMIT_EXCEEDED, TOTAL_GAMMA_LIMIT_EXCEEDED,
 *   TOTAL_VEGA_LIMIT_EXCEEDED.
 * - Vote: REDUCING with reduce-position intents on the positions that contribute to the breach (same sign as the
 *   net figure), all cut by the same fraction f so that the net lands on the limit: with contributors C and the
 *   offsetting rest O (net X = C + O, sign s), (1 - f) C + O = s x limit. Greeks are linear in qty, so this is
 *   exact for options. A total breach scales each underlying's |net| by limit / total the same way. One intent per
 *   position, the largest fraction wins.
 * - Fail safe: stale data; no mark for an underlying with gamma -> MISSING_INPUT.
 */
import { z } from 'zod';
import { strict } from '../model/schema.ts';
import { definePolicy, fmtNum, fmtUsd, missingInput, positionKey, positionsOf, pushIssue, reason, staleVote, underlyingNames, vote, type PositionView } from './common.ts';
import type { Intent, PolicyContext, Reason } from './types.ts';

const limits = () => strict({ gamma: z.number().min(0).optional(), vega: z.number().min(0).optional() });

export const greeksLimitsShape = {
  /** Limits per underlying; key "*" for every underlying without its own. */
  perUnderlying: z.record(z.string(), limits()).optional(),
  total: limits().optional(),
};

type Greek = 'gamma' | 'vega';
const GREEKS: readonly Greek[] = ['gamma', 'vega'];

interface Contribution {
  readonly view: PositionView;
  readonly x: number;
}

/** The fraction f cutting every contributor of `net` so that the net lands on `limit` (see the module doc). */
export function cutFraction(contributions: readonly number[], net: number, limit: number): number {
  const s = Math.sign(net);
  let c = 0;
  for (const x of contributions) if (x * s > 0) c += x;
  if (c === 0) return 0;
  const rest = net - c;
  const keep = (s * limit - rest) / c;
  return Math.min(1, Math.max(0, 1 - keep));
}

export const greeksLimitsDefinition = definePolicy<typeof greeksLimitsShape, null>(
  'greeks-limits',
  greeksLimitsShape,
  (_f, raw, path, issues) => {
    if (raw.perUnderlying === undefined && raw.total === undefined) pushIssue(issues, path, ['perUnderlying'], undefined, 'give perUnderlying and/or total limits');
  },
  (c, { name, maxDataAgeMs }) => {
    /** Per-position contributions to one greek on one underlying, in the limit's units. */
    const contributions = (ctx: PolicyContext, asset: string, greek: Greek, mark: number): Contribution[] =>
      positionsOf(ctx, { assets: [asset] }).map((view) => ({ view, x: greek === 'gamma' ? (view.risk.gamma * mark * mark) / 100 : view.risk.vega }));
    const unit = (g: Greek): string => (g === 'gamma' ? 'USD per 1% move' : 'USD per vol point');

    return {
      type: 'greeks-limits',
      name,
      initialState: () => null,
      evaluate(ctx, s) {
        const stale = staleVote(name, ctx, maxDataAgeMs);
        if (stale) return { vote: stale, state: s };
        const reasons: Reason[] = [];
        const cuts = new Map<string, { view: PositionView; fraction: number }>();
        const cut = (list: readonly Contribution[], net: number, limit: number): void => {
          const f = cutFraction(
            list.map((l) => l.x),
            net,
            limit,
          );
          if (f <= 0) return;
          for (const { view, x } of list) {
            if (x * net <= 0) continue;
            const key = positionKey(view.account.id, view.index);
            const prev = cuts.get(key);
            if (!prev || f > prev.fraction) cuts.set(key, { view, fraction: f });
          }
        };
        const missing: string[] = [];
        const nets: Record<Greek, { asset: string; net: number; list: Contribution[] }[]> = { gamma: [], vega: [] };
        for (const asset of underlyingNames(ctx.report)) {
          const u = ctx.report.portfolio.underlyings[asset]!;
          const mark = ctx.portfolio.market.prices[asset];
          if ((mark === undefined || !(mark > 0)) && u.gamma !== 0) {
            missing.push(asset);
            continue;
          }
          const own = c.perUnderlying?.[asset] ?? c.perUnderlying?.['*'];
          for (const g of GREEKS) {
            const list = contributions(ctx, asset, g, mark ?? 0);
            const net = list.reduce((a, l) => a + l.x, 0);
            nets[g].push({ asset, net, list });
            const limit = own?.[g];
            if (limit === undefined || !(Math.abs(net) > limit)) continue;
            reasons.push(reason(name, `${g.toUpperCase()}_LIMIT_EXCEEDED`, `${asset} ${g} ${fmtUsd(net)} ${unit(g)} beyond the limit +-${fmtNum(limit)}`));
            cut(list, net, limit);
          }
        }
        for (const g of GREEKS) {
          const limit = c.total?.[g];
          if (limit === undefined) continue;
          const total = nets[g].reduce((a, n) => a + Math.abs(n.net), 0);
          if (!(total > limit)) continue;
          reasons.push(reason(name, `TOTAL_${g.toUpperCase()}_LIMIT_EXCEEDED`, `total |${g}| ${fmtUsd(total)} ${unit(g)} beyond the limit ${fmtNum(limit)}`));
          for (const n of nets[g]) cut(n.list, n.net, (Math.abs(n.net) * limit) / total);
        }
        const intents: Intent[] = [...cuts.values()].map(({ view, fraction }) => ({ kind: 'reduce-position', policy: name, account: view.account.id, position: view.index, fraction }));
        const result = vote(reasons.length > 0 ? 'REDUCING' : 'ACTIVE', reasons, intents);
        return { vote: missing.length > 0 ? missingInput(name, `no mark for ${missing.join(', ')}`, result) : result, state: s };
      },
    };
  },
);

export const greeksLimits = greeksLimitsDefinition.create;
export type GreeksLimitsConfig = Parameters<typeof greeksLimits>[0];
