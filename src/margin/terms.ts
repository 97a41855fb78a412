/**
 * The common currency of every margin model: additive margin terms in USD.
 *
 * Every model (tiered futures, Deribit standard and portfolio margin, lending, weighted health) reduces an
 * account to buckets (one for a cross / portfolio / lending account, one per position when isolated) and each
 * bucket to a sum of per-underlying groups. A group's terms depend on the USD price of its one underlying only,
 * so moving one price re-evaluates one group (liquidation prices) and a joint move sums all groups (crash move).
 *
 * - balance:     margin balance (equity) of the bucket: collateral value + unrealised PnL + option values - debt.
 * - initial:     initial margin requirement (lending: collateral x (1 - LTV)).
 * - maintenance: maintenance requirement incl. the liquidation fee; liquidatable when balance <= maintenance.
 *                (Lending: collateral x (1 - liquidation threshold), so balance - maintenance = sum C*LT - D.)
 * - liabilities: the denominator of the health factor. Margin models: the maintenance requirement itself, so
 *                HF = balance / maintenance. Lending: debt, so HF = sum C*LT / D (Aave). Weighted: weighted
 *                liabilities, so HF = weighted assets / weighted liabilities (Mango). In every model
 *                HF = (balance - maintenance + liabilities) / liabilities, > 1 safe, <= 1 liquidatable.
 */
export interface MarginTerms {
  balance: number;
  initial: number;
  maintenance: number;
  liabilities: number;
}

export const zeroTerms = (): MarginTerms => ({ balance: 0, initial: 0, maintenance: 0, liabilities: 0 });

export const resetTerms = (t: MarginTerms): MarginTerms => {
  t.balance = 0;
  t.initial = 0;
  t.maintenance = 0;
  t.liabilities = 0;
  return t;
};

/** Margin excess: positive when safe; zero at the liquidation point. */
export const excess = (t: MarginTerms): number => t.balance - t.maintenance;

/** Health factor in the common convention; Infinity when nothing is required (no liabilities). */
export const healthFactor = (t: MarginTerms): number => {
  if (t.liabilities <= 0) return t.balance - t.maintenance >= 0 ? Infinity : 0;
  return (t.balance - t.maintenance + t.liabilities) / t.liabilities;
};

/** A group: the part of a bucket driven by one underlying's USD price. */
export interface AssetGroup {
  /** The asset whose USD price drives this group ('USD' for constant terms). */
  readonly asset: string;
  /** Add this group's terms at USD price `price` into `out`. Must not allocate on the hot path. */
  accumulate(price: number, out: MarginTerms): void;
}

/** A bucket: the unit that is liquidated as a whole (the cross account, or one isolated position). */
export interface Bucket {
  readonly id: string;
  /** Indices (file order) of the positions this bucket decides. */
  readonly positions: readonly number[];
  readonly groups: readonly AssetGroup[];
  /**
   * Optional closed-form liquidation price of `asset` with every other price fixed (tiered linear models).
   * Returns undefined when the closed form does not apply; the caller then uses the root finder.
   */
  closedFormLiquidation?(asset: string, prices: PriceFn): { down: number | null; up: number | null } | undefined;
  /** Optional closed-form crash move (joint fractional move of all non-stable prices), same conventions. */
  closedFormCrashMove?(prices: PriceFn, isStable: (asset: string) => boolean): { down: number | null; up: number | null };
}

export interface AccountModel {
  readonly buckets: readonly Bucket[];
}

/** USD price of an asset. Throws for an unknown asset. */
export type PriceFn = (asset: string) => number;

/** Sum a bucket's terms at the given prices. */
export const evaluateBucket = (bucket: Bucket, prices: PriceFn, out: MarginTerms = zeroTerms()): MarginTerms => {
  resetTerms(out);
  const groups = bucket.groups;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    g.accumulate(g.asset === 'USD' ? 1 : prices(g.asset), out);
  }
  return out;
};
