/**
 * vol-cap: a leverage cap that falls as implied vol (DVOL) rises, by a table.
 *
 * - Implied vol: ctx.market.impliedVolIndex[index] (annualised decimal: DVOL 80 -> 0.8, analytics/vol/dvol.ts).
 * - Table rows { vol, maxLeverage }, any order, sorted by vol; maxLeverage must not rise with vol. The cap is the
 *   maxLeverage of the last row with vol <= implied vol (a row applies from its level on, "at" included); below
 *   the first row there is no cap.
 * - Leverage = gross / equity (common.ts). Breach: leverage > cap (at the cap: fine) -> REDUCING, target-gross
 *   cap x equity (VOL_CAP_EXCEEDED); equity <= 0 with exposure -> target-gross 0.
 * - Fail safe: stale data; no implied vol for the index -> MISSING_INPUT.
 */
import { z } from 'zod';
import { strict } from '../model/schema.ts';
import { definePolicy, fmtNum, fmtPct, fmtUsd, grossExposureUsd, missingInput, positiveNumber, pushIssue, reason, staleVote, vote, ACTIVE } from './common.ts';

export const volCapShape = {
  /** Key of ctx.market.impliedVolIndex (the DVOL underlying). */
  index: z.string().min(1).default('BTC'),
  table: z.array(strict({ vol: positiveNumber(), maxLeverage: z.number().min(0) })).min(1),
};

export const volCapDefinition = definePolicy<typeof volCapShape, null>(
  'vol-cap',
  volCapShape,
  (f, _raw, path, issues) => {
    if (!f.table) return;
    const t = f.table;
    const order = t.map((_, i) => i).sort((a, b) => t[a]!.vol - t[b]!.vol || a - b);
    for (let k = 1; k < order.length; k++) {
      const i = order[k]!;
      const prev = order[k - 1]!;
      if (t[i]!.vol === t[prev]!.vol) pushIssue(issues, path, ['table', i, 'vol'], t[i]!.vol, `duplicate level: table[${prev}] has the same vol`);
      else if (t[i]!.maxLeverage > t[prev]!.maxLeverage)
        pushIssue(issues, path, ['table', i, 'maxLeverage'], t[i]!.maxLeverage, `must be <= ${t[prev]!.maxLeverage} (table[${prev}], vol ${t[prev]!.vol}): the cap cannot rise with vol`);
    }
  },
  (c, { name, maxDataAgeMs }) => {
    const table = [...c.table].sort((a, b) => a.vol - b.vol);
    return {
      type: 'vol-cap',
      name,
      initialState: () => null,
      evaluate(ctx, s) {
        const stale = staleVote(name, ctx, maxDataAgeMs);
        if (stale) return { vote: stale, state: s };
        const iv = ctx.market.impliedVolIndex[c.index];
        if (iv === undefined || !Number.isFinite(iv) || iv <= 0) return { vote: missingInput(name, `no implied vol index (DVOL) for ${c.index}`), state: s };
        const row = table.filter((r) => r.vol <= iv).at(-1);
        if (!row) return { vote: ACTIVE, state: s };
        const equity = ctx.report.portfolio.equity;
        if (!Number.isFinite(equity)) return { vote: missingInput(name, 'portfolio equity is not a number'), state: s };
        const gross = grossExposureUsd(ctx.report);
        const limit = Math.max(0, row.maxLeverage * equity);
        if (!(gross > limit)) return { vote: ACTIVE, state: s };
        const lev = equity > 0 ? `leverage ${fmtNum(gross / equity)}` : `gross ${fmtUsd(gross)} on equity ${fmtUsd(equity)}`;
        return {
          vote: vote(
            'REDUCING',
            [reason(name, 'VOL_CAP_EXCEEDED', `${lev} above the cap ${fmtNum(row.maxLeverage)} for implied vol ${fmtPct(iv)} of ${c.index} (level ${fmtPct(row.vol)}): gross to ${fmtUsd(limit)}`)],
            [{ kind: 'target-gross', policy: name, maxGrossUsd: limit }],
          ),
          state: s,
        };
      },
    };
  },
);

export const volCap = volCapDefinition.create;
export type VolCapConfig = Parameters<typeof volCap>[0];
