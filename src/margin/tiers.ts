/**
 * Tier tables (Binance brackets, Bybit risk limits, OKX position tiers, Hyperliquid margin tiers): validation,
 * the derived maintenance amount, and the lookup by notional.
 *
 * Conventions (see venue-model.ts): a tier covers notionals in [floor, cap); notionals are USD for linear
 * contracts and coin for inverse ones; `mmAmount` is in the same unit. Maintenance of a position in tier n is
 * notional x mmr_n - mmAmount_n. The derived amount (Binance's "cum", Bybit's "MM deduction", Hyperliquid's
 * "maintenance deduction", all the same rule) makes that maintenance continuous in the notional:
 *   mmAmount_0 = 0 (floor 0),   mmAmount_n = mmAmount_{n-1} + floor_n x (mmr_n - mmr_{n-1}).
 */
import { BallastError } from '../errors/index.ts';
import type { Tier } from './venue-model.ts';

/** A tier as written in a preset or document: `cap` null = unbounded; `mmAmount` derived when omitted. */
export interface RawTier {
  readonly floor: number;
  readonly cap: number | null;
  readonly mmr: number;
  readonly mmAmount?: number | undefined;
  readonly maxLeverage: number;
}

/** A tier table is malformed; `index` names the tier (0-based), `field` and `value` the offending entry. */
export class TierTableError extends BallastError {
  override readonly name = 'TierTableError';
  constructor(
    readonly index: number,
    readonly field: keyof RawTier | 'table',
    readonly value: unknown,
    detail: string,
  ) {
    super(`tier ${index}: ${field} ${JSON.stringify(value)} ${detail}`);
  }
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Validate a raw table and return it normalized: contiguous (floor_n = cap_{n-1}, first floor 0), caps above
 * floors, only the last cap unbounded, mmr non-decreasing in [0, 1), maxLeverage >= 1 and non-increasing,
 * mmAmount >= 0 (derived by the rule above when omitted; a given amount is kept as published, e.g. OKX tables
 * with no deduction). Throws TierTableError naming the first bad tier.
 */
export function normalizeTiers(raw: readonly RawTier[]): Tier[] {
  if (raw.length === 0) throw new TierTableError(0, 'table', [], 'is empty: a tier table needs at least one tier');
  const out: Tier[] = [];
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i] as RawTier;
    const prev = out[i - 1];
    const last = i === raw.length - 1;
    if (!isFiniteNumber(t.floor) || t.floor < 0) throw new TierTableError(i, 'floor', t.floor, 'must be a finite number >= 0');
    if (prev === undefined && t.floor !== 0) throw new TierTableError(i, 'floor', t.floor, 'must be 0: the first tier starts at zero notional');
    if (prev !== undefined && t.floor !== prev.cap)
      throw new TierTableError(i, 'floor', t.floor, `must equal the previous tier's cap ${prev.cap} (tiers must be contiguous)`);
    if (t.cap === null) {
      if (!last) throw new TierTableError(i, 'cap', t.cap, 'is unbounded but is not the last tier');
    } else if (!isFiniteNumber(t.cap) || t.cap <= t.floor) {
      throw new TierTableError(i, 'cap', t.cap, `must be a finite number above the floor ${t.floor}`);
    }
    if (!isFiniteNumber(t.mmr) || t.mmr < 0 || t.mmr >= 1) throw new TierTableError(i, 'mmr', t.mmr, 'must be a rate in [0, 1)');
    if (prev !== undefined && t.mmr < prev.mmr)
      throw new TierTableError(i, 'mmr', t.mmr, `is below the previous tier's ${prev.mmr} (rates must not decrease with size)`);
    if (!isFiniteNumber(t.maxLeverage) || t.maxLeverage < 1) throw new TierTableError(i, 'maxLeverage', t.maxLeverage, 'must be a finite number >= 1');
    if (prev !== undefined && t.maxLeverage > prev.maxLeverage)
      throw new TierTableError(i, 'maxLeverage', t.maxLeverage, `is above the previous tier's ${prev.maxLeverage} (leverage must not increase with size)`);
    let mmAmount: number;
    if (t.mmAmount === undefined) mmAmount = prev === undefined ? 0 : prev.mmAmount + t.floor * (t.mmr - prev.mmr);
    else if (!isFiniteNumber(t.mmAmount) || t.mmAmount < 0) throw new TierTableError(i, 'mmAmount', t.mmAmount, 'must be a finite number >= 0');
    else mmAmount = t.mmAmount;
    out.push({ floor: t.floor, cap: t.cap ?? Infinity, mmr: t.mmr, mmAmount, maxLeverage: t.maxLeverage });
  }
  return out;
}

/**
 * Index of the tier whose [floor, cap) holds `notional` (>= 0, the table's unit). A notional at or beyond the last
 * tier's floor maps to the last tier even past a finite cap: the venue would refuse to open such a position, but a
 * price move can carry an open one there and the top tier is the closest rule the table states.
 * Linear scan (tables hold at most a few dozen tiers); no allocation.
 */
export function tierIndexFor(tiers: readonly Tier[], notional: number): number {
  for (let i = tiers.length - 1; i > 0; i--) if (notional >= (tiers[i] as Tier).floor) return i;
  return 0;
}

/** The tier whose [floor, cap) holds `notional` (see tierIndexFor). */
export const tierFor = (tiers: readonly Tier[], notional: number): Tier => tiers[tierIndexFor(tiers, notional)] as Tier;

/** Maintenance of a notional under a table, continuous when the amounts follow the derivation rule. */
export const tieredMaintenance = (tiers: readonly Tier[], notional: number): number => {
  const t = tierFor(tiers, notional);
  return notional * t.mmr - t.mmAmount;
};
