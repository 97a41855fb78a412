/**
 * Position exits shared by stop-loss, trailing-stop and funding-guard: one reduction per breach episode.
 *
 * A triggered position records its signed qty at the trigger; the reduce-position intent then asks for the
 * fraction of the CURRENT qty that leaves (1 - reduceFraction) x |qty at trigger|, so re-evaluating before or
 * after the order fills asks for the same end state (idempotent) instead of cutting another slice each time. The
 * record is dropped when the condition clears (a later breach reduces again), when the position is gone, or when
 * it changed asset or side (a new position).
 */
import { positionKey, type PositionView } from './common.ts';
import type { Intent } from './types.ts';

/** Position key -> signed qty at the trigger (and its asset, to tell a replaced position). */
export type FiredPositions = Readonly<Record<string, { readonly asset: string; readonly qty: number }>>;

export interface ExitResult {
  readonly intents: Intent[];
  readonly fired: Record<string, { readonly asset: string; readonly qty: number }>;
}

/**
 * Intents for the triggered positions and the next fired map. `triggered` views are in evaluation order; every
 * other position loses its record.
 */
export function exitIntents(policy: string, triggered: readonly PositionView[], previous: FiredPositions, reduceFraction: number): ExitResult {
  const intents: Intent[] = [];
  const fired: Record<string, { asset: string; qty: number }> = {};
  for (const v of triggered) {
    const key = positionKey(v.account.id, v.index);
    const prev = previous[key];
    const qty = v.position.qty;
    const same = prev !== undefined && prev.asset === v.risk.asset && Math.sign(prev.qty) === Math.sign(qty) && Math.abs(qty) <= Math.abs(prev.qty);
    const record = same ? prev : { asset: v.risk.asset, qty };
    fired[key] = record;
    const keep = (1 - reduceFraction) * Math.abs(record.qty);
    if (Math.abs(qty) <= keep * (1 + 1e-12)) continue; // already reduced to the target
    const fraction = reduceFraction === 1 ? 1 : 1 - keep / Math.abs(qty);
    intents.push({ kind: 'reduce-position', policy, account: v.account.id, position: v.index, fraction });
  }
  return { intents, fired };
}
