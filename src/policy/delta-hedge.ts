/**
 * delta-hedge: keep each underlying's net delta within a band around a target, hedging with perps.
 *
 * - Net delta: report netDelta (underlying units: positions + non-stable collateral). Target: targets[asset], else
 *   targetDelta (default 0), in underlying units.
 * - Band half-width H (underlying units), one of:
 *   - band: fixed, in underlying units;
 *   - bandUsd: fixed in USD of delta, H = bandUsd / mark;
 *   - wilmott: Whalley & Wilmott (1997) asymptotic no-transaction band for a proportional cost,
 *       H = (3 x cost x S x Gamma^2 / (2 x riskAversion))^(1/3), then at least minBand,
 *     with cost = proportional cost per traded notional (fees + half-spread, 0.0005 = 5 bp), S = mark (USD),
 *     Gamma = |net gamma| of the underlying (report units: d(delta)/dS, underlying units per USD), riskAversion =
 *     the exponential-utility coefficient gamma in 1/USD. Units: USD x (units/USD)^2 / (1/USD) = units^3, so H is
 *     in underlying units. The e^{-r(T-t)} discount of the original is taken as 1 (hedging horizons are short).
 *     No gamma, no band: a linear book is hedged whenever it is off target by more than minBand.
 * - Breach: |netDelta - target| > H (at the band edge: no action). ACTIVE (hedging is normal operation) with a
 *   hedge-delta intent to the target (hedgeTo: target) or to the nearer band edge (hedgeTo: edge, the
 *   Whalley-Wilmott optimum); code DELTA_OUTSIDE_BAND.
 * - Fail safe: stale data; no mark for a configured underlying when the band needs it -> MISSING_INPUT.
 */
import { z } from 'zod';
import { strict } from '../model/schema.ts';
import { assetList, definePolicy, fmtNum, missingInput, positiveNumber, pushIssue, reason, staleVote, underlyingNames, vote } from './common.ts';
import type { Intent, Reason } from './types.ts';

export const deltaHedgeShape = {
  /** Underlyings hedged (default: every underlying of the book). */
  assets: assetList().optional(),
  /** Target net delta, underlying units. */
  targetDelta: z.number().default(0),
  /** Per-underlying targets, underlying units (override targetDelta). */
  targets: z.record(z.string(), z.number()).optional(),
  band: z.number().min(0).optional(),
  bandUsd: z.number().min(0).optional(),
  wilmott: strict({ cost: positiveNumber(), riskAversion: positiveNumber(), minBand: z.number().min(0).default(0) }).optional(),
  hedgeTo: z.enum(['target', 'edge']).default('target'),
};

/** Whalley-Wilmott half-width (underlying units): (3 cost S Gamma^2 / (2 riskAversion))^(1/3). */
export const whalleyWilmottBand = (cost: number, spot: number, gamma: number, riskAversion: number): number =>
  Math.cbrt((3 * cost * spot * gamma * gamma) / (2 * riskAversion));

export const deltaHedgeDefinition = definePolicy<typeof deltaHedgeShape, null>(
  'delta-hedge',
  deltaHedgeShape,
  (_f, raw, path, issues) => {
    const given = ['band', 'bandUsd', 'wilmott'].filter((k) => raw[k] !== undefined);
    if (given.length !== 1) pushIssue(issues, path, [given[1] ?? 'band'], raw[given[1] ?? 'band'], 'give exactly one of band (underlying units), bandUsd, or wilmott { cost, riskAversion }');
  },
  (c, { name, maxDataAgeMs }) => ({
    type: 'delta-hedge',
    name,
    initialState: () => null,
    evaluate(ctx, s) {
      const stale = staleVote(name, ctx, maxDataAgeMs);
      if (stale) return { vote: stale, state: s };
      const reasons: Reason[] = [];
      const intents: Intent[] = [];
      const missing: string[] = [];
      const assets = c.assets ? [...c.assets].sort() : underlyingNames(ctx.report);
      for (const asset of assets) {
        const u = ctx.report.portfolio.underlyings[asset];
        const delta = u?.netDelta ?? 0;
        const target = c.targets?.[asset] ?? c.targetDelta;
        const mark = ctx.portfolio.market.prices[asset];
        let h: number;
        let how: string;
        if (c.band !== undefined) {
          h = c.band;
          how = 'fixed';
        } else if (mark === undefined || !(mark > 0)) {
          missing.push(asset);
          continue;
        } else if (c.bandUsd !== undefined) {
          h = c.bandUsd / mark;
          how = `${fmtNum(c.bandUsd)} USD / mark ${fmtNum(mark, 8)}`;
        } else {
          const w = c.wilmott!;
          const gamma = Math.abs(u?.gamma ?? 0);
          h = Math.max(w.minBand, whalleyWilmottBand(w.cost, mark, gamma, w.riskAversion));
          how = `Whalley-Wilmott, gamma ${fmtNum(gamma)}, cost ${fmtNum(w.cost)}`;
        }
        if (!Number.isFinite(delta) || !Number.isFinite(h)) {
          missing.push(asset);
          continue;
        }
        const off = delta - target;
        if (!(Math.abs(off) > h)) continue;
        const to = c.hedgeTo === 'target' ? target : target + Math.sign(off) * h;
        reasons.push(reason(name, 'DELTA_OUTSIDE_BAND', `${asset} net delta ${fmtNum(delta, 6)} is ${fmtNum(off, 6)} from its target ${fmtNum(target)}, band +-${fmtNum(h, 6)} (${how}): hedge to ${fmtNum(to, 6)}`));
        intents.push({ kind: 'hedge-delta', policy: name, asset, targetDelta: to });
      }
      const result = vote('ACTIVE', reasons, intents);
      return { vote: missing.length > 0 ? missingInput(name, `no usable mark or delta for ${missing.join(', ')}`, result) : result, state: s };
    },
  }),
);

export const deltaHedge = deltaHedgeDefinition.create;
export type DeltaHedgeConfig = Parameters<typeof deltaHedge>[0];
