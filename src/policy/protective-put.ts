/**
 * protective-put: buy puts on an underlying when the drawdown crosses a band, once per band until reset.
 *
 * - Drawdown and reference as in drawdown-breaker (trailing high-water mark or fixed start, common.ts).
 * - Band k fires when drawdown >= bands[k].drawdown ("at" fires) and it has not fired since the last reset; bands
 *   crossed together fire together, one intent each. Nothing is bought when the underlying's exposure is not long
 *   (puts would not protect it): the band stays armed.
 * - Intent buy-protection { asset, strikeFraction (strike / spot), expiryDays, budgetUsd = budgetFraction x equity,
 *   notionalUsd = notionalFraction x long exposure (netDeltaUsd) }. Each band may override strikeFraction,
 *   expiryDays, budgetFraction and notionalFraction. Vote ACTIVE (buying protection is a protective action), codes
 *   PROTECTIVE_PUT_BAND_<k>.
 * - reset() re-arms every band. Stale data: REDUCING, nothing fires, state unchanged.
 */
import { z } from 'zod';
import { strict } from '../model/schema.ts';
import {
  checkBandOrder,
  definePolicy,
  drawdownOf,
  fmtNum,
  fmtPct,
  fmtUsd,
  missingInput,
  nextReference,
  openFraction,
  positiveNumber,
  pushIssue,
  reason,
  reduceFraction,
  referenceModes,
  staleVote,
  vote,
} from './common.ts';
import type { Intent, Reason } from './types.ts';

export interface ProtectivePutState {
  readonly reference: number | null;
  /** Bands (1-based, drawdown order) fired since the last reset, ascending. */
  readonly fired: readonly number[];
}

const terms = {
  strikeFraction: z.number().gt(0).max(2).optional(),
  expiryDays: positiveNumber().optional(),
  budgetFraction: openFraction().optional(),
  notionalFraction: reduceFraction().optional(),
};

export const protectivePutShape = {
  asset: z.string().regex(/^\S+$/, 'must be an asset symbol without spaces'),
  bands: z.array(strict({ drawdown: openFraction(), ...terms })).min(1),
  strikeFraction: z.number().gt(0).max(2).default(0.9),
  expiryDays: positiveNumber().default(30),
  budgetFraction: openFraction().default(0.01),
  notionalFraction: reduceFraction().default(1),
  reference: referenceModes().default('trailing'),
  startEquity: positiveNumber().optional(),
};

export const protectivePutDefinition = definePolicy<typeof protectivePutShape, ProtectivePutState>(
  'protective-put',
  protectivePutShape,
  (f, raw, path, issues) => {
    if (f.bands) checkBandOrder(f.bands, path, 'bands', issues);
    if (f.startEquity !== undefined && raw.reference !== 'fixed') pushIssue(issues, path, ['startEquity'], f.startEquity, 'only used with reference: fixed');
  },
  (c, { name, maxDataAgeMs }) => {
    const bands = [...c.bands].sort((a, b) => a.drawdown - b.drawdown);
    return {
      type: 'protective-put',
      name,
      initialState: () => ({ reference: c.reference === 'fixed' ? (c.startEquity ?? null) : null, fired: [] }),
      evaluate(ctx, s) {
        const stale = staleVote(name, ctx, maxDataAgeMs);
        if (stale) return { vote: stale, state: s };
        const equity = ctx.report.portfolio.equity;
        if (!Number.isFinite(equity)) return { vote: missingInput(name, `portfolio equity is ${String(equity)}`), state: s };
        const reference = nextReference(c.reference, s.reference, ctx, c.startEquity);
        if (reference === null) return { vote: missingInput(name, 'no positive equity reference to measure drawdown from'), state: s };
        const dd = drawdownOf(reference, equity);
        const long = Math.max(0, ctx.report.portfolio.underlyings[c.asset]?.netDeltaUsd ?? 0);
        const fired = new Set(s.fired);
        const reasons: Reason[] = [];
        const intents: Intent[] = [];
        bands.forEach((b, i) => {
          const k = i + 1;
          if (fired.has(k) || !(dd >= b.drawdown) || long === 0) return;
          fired.add(k);
          const strikeFraction = b.strikeFraction ?? c.strikeFraction;
          const expiryDays = b.expiryDays ?? c.expiryDays;
          const budgetUsd = (b.budgetFraction ?? c.budgetFraction) * Math.max(0, equity);
          const notionalUsd = (b.notionalFraction ?? c.notionalFraction) * long;
          reasons.push(
            reason(
              name,
              `PROTECTIVE_PUT_BAND_${k}`,
              `drawdown ${fmtPct(dd)} from ${fmtUsd(reference)} crossed band ${k} (${fmtPct(b.drawdown)}): buy ${c.asset} puts, strike ${fmtNum(strikeFraction)} x spot, ${fmtNum(expiryDays)} days, on ${fmtUsd(notionalUsd)} for at most ${fmtUsd(budgetUsd)}`,
            ),
          );
          intents.push({ kind: 'buy-protection', policy: name, asset: c.asset, strikeFraction, expiryDays, budgetUsd, notionalUsd });
        });
        return { vote: vote('ACTIVE', reasons, intents), state: { reference, fired: [...fired].sort((a, b) => a - b) } };
      },
      reset: (s) => ({ ...s, fired: [] }),
    };
  },
);

export const protectivePut = protectivePutDefinition.create;
export type ProtectivePutConfig = Parameters<typeof protectivePut>[0];
