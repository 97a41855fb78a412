/**
 * trailing-stop: reduce a position once its mark retraces `trail` from the best mark seen while it was held.
 *
 * - Best mark (state, per position `<account>#<index>`): the highest mark for a long, the lowest for a short,
 *   starting at the mark of the first evaluation that sees the position; a position that changes asset or side
 *   starts over; one that is gone is forgotten. So a one-shot evaluation never triggers (use stop-loss there).
 * - Retrace: (best - mark) / best for a long, (mark - best) / best for a short; trigger when retrace >= trail
 *   ("at" triggers). Vote REDUCING, reduce-position (reduceFraction of the position at the trigger, once per breach
 *   episode, exits.ts); code TRAILING_STOP.
 * - Linear-price positions only: perps, futures, spot (an option's underlying mark is not its price).
 * - Stale data: REDUCING, STALE_MARKET_DATA; the best marks are not updated from stale prices.
 */
import { accountList, assetList, definePolicy, fmtNum, fmtPct, openFraction, positionKey, positionsOf, reason, reduceFraction, staleVote, vote, type PositionView } from './common.ts';
import { exitIntents, type FiredPositions } from './exits.ts';
import type { Reason } from './types.ts';

export interface TrailingStopState {
  /** Position key -> asset, side (+1 long, -1 short) and best mark seen (USD). */
  readonly best: Readonly<Record<string, { readonly asset: string; readonly side: number; readonly mark: number }>>;
  readonly fired: FiredPositions;
}

export const trailingStopShape = {
  /** Retrace from the best mark that triggers, fraction. */
  trail: openFraction(),
  reduceFraction: reduceFraction().default(1),
  assets: assetList().optional(),
  accounts: accountList().optional(),
};

const TRAILED = new Set(['perp', 'future', 'spot']);

export const trailingStopDefinition = definePolicy<typeof trailingStopShape, TrailingStopState>('trailing-stop', trailingStopShape, undefined, (c, { name, maxDataAgeMs }) => ({
  type: 'trailing-stop',
  name,
  initialState: () => ({ best: {}, fired: {} }),
  evaluate(ctx, s) {
    const stale = staleVote(name, ctx, maxDataAgeMs);
    if (stale) return { vote: stale, state: s };
    const best: Record<string, { asset: string; side: number; mark: number }> = {};
    const triggered: PositionView[] = [];
    const reasons: Reason[] = [];
    for (const v of positionsOf(ctx, c)) {
      const side = Math.sign(v.position.qty);
      const mark = v.risk.mark;
      if (!TRAILED.has(v.position.kind) || side === 0 || !(mark > 0)) continue;
      const key = positionKey(v.account.id, v.index);
      const prev = s.best[key];
      const known = prev !== undefined && prev.asset === v.risk.asset && prev.side === side;
      const b = !known ? mark : side > 0 ? Math.max(prev.mark, mark) : Math.min(prev.mark, mark);
      best[key] = { asset: v.risk.asset, side, mark: b };
      const retrace = (side * (b - mark)) / b;
      if (retrace >= c.trail) {
        triggered.push(v);
        reasons.push(
          reason(name, 'TRAILING_STOP', `${v.account.id} position ${v.index} (${v.risk.kind} ${v.risk.asset} ${side > 0 ? 'long' : 'short'}) retraced ${fmtPct(retrace)} from its best mark ${fmtNum(b, 8)}, trail ${fmtPct(c.trail)}`),
        );
      }
    }
    const { intents, fired } = exitIntents(name, triggered, s.fired, c.reduceFraction);
    return { vote: vote(triggered.length > 0 ? 'REDUCING' : 'ACTIVE', reasons, intents), state: { best, fired } };
  },
  reset: (s) => ({ ...s, fired: {} }),
}));

export const trailingStop = trailingStopDefinition.create;
export type TrailingStopConfig = Parameters<typeof trailingStop>[0];
