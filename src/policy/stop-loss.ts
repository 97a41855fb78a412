/**
 * stop-loss: reduce a position whose loss from entry reaches `lossFraction`.
 *
 * - Loss fraction: perps, futures and spot (with an entry): the adverse move of the mark from the entry price,
 *   (entry - mark) / entry for a long, (mark - entry) / entry for a short (inverse contracts alike: the price move,
 *   not the coin P&L). Options with an entry premium: -unrealizedPnl / premium paid or received in USD (|qty| x
 *   entry, x mark when inverse), so 0.5 = half the premium lost; a short option may lose several premiums.
 *   Positions without an entry (supply, borrow, spot without entry) are not watched.
 * - Trigger: loss >= lossFraction ("at" triggers). Vote REDUCING with a reduce-position intent (reduceFraction of
 *   the position at the trigger, once per breach episode: see exits.ts); code STOP_LOSS.
 * - Filters: `assets`, `accounts` (default: every position). Stale data: REDUCING, STALE_MARKET_DATA, no intents.
 */
import { accountList, assetList, definePolicy, exposureSign, fmtPct, missingInput, positionsOf, positiveNumber, reason, reduceFraction, staleVote, vote, type PositionView } from './common.ts';
import { exitIntents, type FiredPositions } from './exits.ts';
import type { Reason } from './types.ts';

export interface StopLossState {
  readonly fired: FiredPositions;
}

export const stopLossShape = {
  /** Loss that triggers, as a fraction (of the entry price; of the premium for options). */
  lossFraction: positiveNumber(),
  /** Fraction of the position cut at the trigger; 1 closes it. */
  reduceFraction: reduceFraction().default(1),
  assets: assetList().optional(),
  accounts: accountList().optional(),
};

/** Loss from entry as a fraction, or undefined for a position without an entry. NaN when an input is not finite. */
export function lossFromEntry(v: PositionView): number | undefined {
  const p = v.position;
  const mark = v.risk.mark;
  switch (p.kind) {
    case 'perp':
    case 'future':
    case 'spot':
      if (p.entry === undefined) return undefined;
      return (exposureSign(p) * (p.entry - mark)) / p.entry;
    case 'option': {
      if (p.entry === undefined) return undefined;
      const premium = Math.abs(p.qty) * p.entry * (p.settle === 'inverse' ? mark : 1);
      const pnl = v.risk.unrealizedPnl;
      return pnl === null ? Number.NaN : -pnl / premium;
    }
    default:
      return undefined;
  }
}

export const stopLossDefinition = definePolicy<typeof stopLossShape, StopLossState>('stop-loss', stopLossShape, undefined, (c, { name, maxDataAgeMs }) => ({
  type: 'stop-loss',
  name,
  initialState: () => ({ fired: {} }),
  evaluate(ctx, s) {
    const stale = staleVote(name, ctx, maxDataAgeMs);
    if (stale) return { vote: stale, state: s };
    const triggered: PositionView[] = [];
    const reasons: Reason[] = [];
    const bad: string[] = [];
    for (const v of positionsOf(ctx, c)) {
      if (v.position.qty === 0) continue;
      const loss = lossFromEntry(v);
      if (loss === undefined) continue;
      if (!Number.isFinite(loss)) {
        bad.push(`${v.account.id} position ${v.index} (${v.risk.asset})`);
        continue;
      }
      if (loss >= c.lossFraction) {
        triggered.push(v);
        reasons.push(reason(name, 'STOP_LOSS', `${v.account.id} position ${v.index} (${v.risk.kind} ${v.risk.asset}) lost ${fmtPct(loss)} from entry, stop at ${fmtPct(c.lossFraction)}`));
      }
    }
    const { intents, fired } = exitIntents(name, triggered, s.fired, c.reduceFraction);
    const result = vote(triggered.length > 0 ? 'REDUCING' : 'ACTIVE', reasons, intents);
    const out = bad.length > 0 ? missingInput(name, `no loss measurable for ${bad.join(', ')}`, result) : result;
    return { vote: out, state: { fired } };
  },
  reset: () => ({ fired: {} }),
}));

export const stopLoss = stopLossDefinition.create;
export type StopLossConfig = Parameters<typeof stopLoss>[0];
