/**
 * cppi and tipp: constant proportion portfolio insurance, and its time-invariant variant with a ratcheting floor.
 * One module: the two differ only in the floor.
 *
 * - Target gross exposure E* = multiplier x (equity - floor), capped at maxLeverage x equity when configured.
 * - Floor: cppi: `floor` (USD) or `floorFraction` x the start equity (startEquity, else the first equity seen,
 *   kept in state); tipp: floorFraction x the trailing high-water mark (seeded by portfolio.history.highWaterMark),
 *   so the floor only ever rises.
 * - At or below the floor (equity <= floor): REDUCING with target-gross 0 (CPPI_FLOOR_BREACHED / TIPP_...).
 * - Otherwise rebalance only outside the band: |gross - E*| / E* > band (at the band: no action). Above: ACTIVE
 *   with target-gross E* (..._REBALANCE_DOWN); below: ACTIVE with increase-gross E* (..._REBALANCE_UP), which the
 *   composition keeps only when nothing else reduces. Rebalancing is normal operation, hence ACTIVE.
 * - Gross exposure as in common.ts (sum over underlyings of |netDeltaUsd|). Stale data / no equity: fail safe.
 */
import { z } from 'zod';
import { definePolicy, fmtNum, fmtPct, fmtUsd, grossExposureUsd, missingInput, nextReference, openFraction, positiveNumber, pushIssue, reason, staleVote, vote, ACTIVE } from './common.ts';
import type { PolicyContext, Vote } from './types.ts';

export interface CppiState {
  /** cppi with floorFraction: start equity (USD); tipp: high-water mark (USD); null until first seen. */
  readonly reference: number | null;
}

const common = {
  multiplier: positiveNumber(),
  /** Rebalance only when |gross - target| / target exceeds this. */
  band: z.number().min(0).default(0.05),
  /** Cap of the target, as a multiple of equity. */
  maxLeverage: positiveNumber().optional(),
};

export const cppiShape = {
  ...common,
  /** Fixed floor, USD. */
  floor: positiveNumber().optional(),
  /** Floor as a fraction of the start equity. */
  floorFraction: openFraction().optional(),
  startEquity: positiveNumber().optional(),
};

export const tippShape = {
  ...common,
  /** Floor as a fraction of the high-water mark (ratchets up with it). */
  floorFraction: openFraction(),
};

interface Settings {
  readonly name: string;
  readonly prefix: 'CPPI' | 'TIPP';
  readonly multiplier: number;
  readonly band: number;
  readonly maxLeverage: number | undefined;
}

/** The vote for a floor: shared by both. */
function insure(ctx: PolicyContext, floor: number, how: string, o: Settings): Vote {
  const equity = ctx.report.portfolio.equity;
  const gross = grossExposureUsd(ctx.report);
  if (equity <= floor)
    return vote('REDUCING', [reason(o.name, `${o.prefix}_FLOOR_BREACHED`, `equity ${fmtUsd(equity)} at or below the floor ${fmtUsd(floor)} (${how}): exposure to 0`)], [
      { kind: 'target-gross', policy: o.name, maxGrossUsd: 0 },
    ]);
  let target = o.multiplier * (equity - floor);
  let capped = '';
  if (o.maxLeverage !== undefined && target > o.maxLeverage * equity) {
    target = o.maxLeverage * equity;
    capped = `, capped at ${fmtNum(o.maxLeverage)}x equity`;
  }
  const deviation = Math.abs(gross - target) / target;
  if (!(deviation > o.band)) return ACTIVE;
  const what = `gross ${fmtUsd(gross)} vs target ${fmtUsd(target)} = ${fmtNum(o.multiplier)} x cushion ${fmtUsd(equity - floor)} over the floor ${fmtUsd(floor)} (${how})${capped}: off by ${fmtPct(deviation)}, band ${fmtPct(o.band)}`;
  return gross > target
    ? vote('ACTIVE', [reason(o.name, `${o.prefix}_REBALANCE_DOWN`, what)], [{ kind: 'target-gross', policy: o.name, maxGrossUsd: target }])
    : vote('ACTIVE', [reason(o.name, `${o.prefix}_REBALANCE_UP`, what)], [{ kind: 'increase-gross', policy: o.name, targetGrossUsd: target }]);
}

export const cppiDefinition = definePolicy<typeof cppiShape, CppiState>(
  'cppi',
  cppiShape,
  (_f, raw, path, issues) => {
    if ((raw.floor === undefined) === (raw.floorFraction === undefined)) pushIssue(issues, path, ['floor'], raw.floor, 'give exactly one of floor (USD) or floorFraction (of the start equity)');
    if (raw.startEquity !== undefined && raw.floorFraction === undefined) pushIssue(issues, path, ['startEquity'], raw.startEquity, 'only used with floorFraction');
  },
  (c, { name, maxDataAgeMs }) => ({
    type: 'cppi',
    name,
    initialState: () => ({ reference: c.startEquity ?? null }),
    evaluate(ctx, s) {
      const stale = staleVote(name, ctx, maxDataAgeMs);
      if (stale) return { vote: stale, state: s };
      if (!Number.isFinite(ctx.report.portfolio.equity)) return { vote: missingInput(name, 'portfolio equity is not a number'), state: s };
      const settings: Settings = { name, prefix: 'CPPI', multiplier: c.multiplier, band: c.band, maxLeverage: c.maxLeverage };
      if (c.floor !== undefined) return { vote: insure(ctx, c.floor, 'fixed', settings), state: s };
      const reference = nextReference('fixed', s.reference, ctx, c.startEquity);
      if (reference === null) return { vote: missingInput(name, 'no positive start equity for the floor'), state: s };
      const fraction = c.floorFraction!;
      return { vote: insure(ctx, fraction * reference, `${fmtPct(fraction)} of the start equity ${fmtUsd(reference)}`, settings), state: { reference } };
    },
  }),
);

export const tippDefinition = definePolicy<typeof tippShape, CppiState>('tipp', tippShape, undefined, (c, { name, maxDataAgeMs }) => ({
  type: 'tipp',
  name,
  initialState: () => ({ reference: null }),
  evaluate(ctx, s) {
    const stale = staleVote(name, ctx, maxDataAgeMs);
    if (stale) return { vote: stale, state: s };
    if (!Number.isFinite(ctx.report.portfolio.equity)) return { vote: missingInput(name, 'portfolio equity is not a number'), state: s };
    const hwm = nextReference('trailing', s.reference, ctx);
    if (hwm === null) return { vote: missingInput(name, 'no positive high-water mark for the floor'), state: s };
    const settings: Settings = { name, prefix: 'TIPP', multiplier: c.multiplier, band: c.band, maxLeverage: c.maxLeverage };
    return { vote: insure(ctx, c.floorFraction * hwm, `${fmtPct(c.floorFraction)} of the high-water mark ${fmtUsd(hwm)}`, settings), state: { reference: hwm } };
  },
}));

export const cppi = cppiDefinition.create;
export const tipp = tippDefinition.create;
export type CppiConfig = Parameters<typeof cppi>[0];
export type TippConfig = Parameters<typeof tipp>[0];
