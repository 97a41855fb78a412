/**
 * Venue margin-model parameters: the data a preset file (data/venues/*.json) or an inline venue holds.
 * Every preset carries its source and the date it was read, because venues change these numbers.
 *
 * Conventions: rates are decimals (0.004 = 0.4 %). Tier notionals are in USD for linear contracts and in coin
 * for inverse contracts (as Binance COIN-M brackets are). `mmAmount` is the maintenance amount ("cum" at Binance,
 * "MM deduction" at Bybit) in the same unit as the tier notional.
 */
export interface Provenance {
  /** Where the numbers come from (URL or document title). */
  readonly source: string;
  /** When they were read (ISO date). */
  readonly retrieved: string;
  /** Preset data version, bumped when the numbers change. */
  readonly version: string;
  readonly notes?: string;
}

export interface Tier {
  /** Lower bound of the tier's notional (inclusive). */
  readonly floor: number;
  /** Upper bound of the tier's notional (exclusive); Infinity for the last tier. */
  readonly cap: number;
  /** Maintenance margin rate of the tier. */
  readonly mmr: number;
  /** Maintenance amount of the tier (Binance cum / Bybit deduction); derived when a table omits it. */
  readonly mmAmount: number;
  /** Maximum leverage of the tier: initial margin rate = 1 / maxLeverage. */
  readonly maxLeverage: number;
}

/**
 * How a venue values maintenance for the liquidation condition:
 * - 'mark': maintenance = notional at the liquidation (mark) price x rate - amount (Binance, OKX, Hyperliquid).
 * - 'entry': maintenance = notional at entry x rate - amount (Bybit's isolated formula).
 */
export type MaintenanceValuation = 'mark' | 'entry';

/**
 * How a venue liquidates large positions in steps (Hyperliquid: 20 % of a position above 100 000 USDC per
 * liquidation, a 30 s cooldown after one, backstop below 2/3 of maintenance). Used by the backtest's venue only;
 * the margin terms and liquidation prices do not depend on it.
 */
export interface PartialLiquidation {
  /** Share of a position's quantity one partial liquidation closes, a decimal in (0, 1): 0.2 = 20 %. */
  readonly fraction: number;
  /**
   * Notional threshold, USD: a position whose notional at the liquidation price (linear |qty| x price, inverse the
   * USD face |qty|) is strictly above it is reduced by `fraction`; one at or below it is closed whole.
   */
  readonly aboveNotionalUsd: number;
  /**
   * Cooldown, milliseconds: after a partial liquidation of any position of an account, every liquidation of that
   * account within this time closes whole positions (not a further `fraction`).
   */
  readonly cooldownMs: number;
  /**
   * Backstop threshold, a ratio of balance (equity) to maintenance in [0, 1]: below backstopBelow x maintenance the
   * bucket is not liquidated through the book but taken over whole by the venue's liquidator (Hyperliquid: 2/3),
   * positions and the margin left (the trader keeps none of it).
   */
  readonly backstopBelow: number;
}

export interface TieredModel {
  readonly model: 'tiered';
  readonly settle: 'linear' | 'inverse';
  readonly maintenanceAt: MaintenanceValuation;
  /** Fee charged on liquidation, as a rate of notional at the liquidation price; added to maintenance. */
  readonly liquidationFeeRate: number;
  /**
   * Clearance fee the venue takes when it liquidates, as a rate of the liquidated notional (USD, linear; USD face,
   * inverse) at the liquidation price, paid from what is left of the bucket's margin (it takes at most that balance,
   * never more). Not part of maintenance: it never moves a liquidation price or a health factor (Binance's insurance
   * clearance fee, outside its liquidation-price formula). Undefined: 0.
   */
  readonly clearanceFeeRate?: number;
  /**
   * Partial liquidation of large positions (Hyperliquid); undefined: the venue liquidates whole buckets (the
   * backtest venue's model of Binance, Bybit, OKX). See PartialLiquidation and src/backtest/venue.ts.
   */
  readonly partialLiquidation?: PartialLiquidation;
  /** Tier tables by underlying; '*' is the default table for assets not listed. */
  readonly tiers: Readonly<Record<string, readonly Tier[]>>;
  readonly provenance: Provenance;
}

/** Deribit standard margin parameters (futures and inverse options, amounts in coin). */
export interface DeribitStandardParams {
  /** Futures: initial = imBase + imSlope x size/100 coins; maintenance likewise. */
  readonly futureImBase: number;
  readonly futureMmBase: number;
  /** Added to the future rates per 100 coins of position size. */
  readonly futureSlopePer100: number;
  /** Short options (per coin of underlying, in coin): IM = max(imBase - OTM/U, imFloor) + mark; MM = mmBase + mark. */
  readonly optionImBase: number;
  readonly optionImFloor: number;
  readonly optionMmBase: number;
}

/** Portfolio margin scenario grid (Deribit / Paradex style). */
export interface PortfolioGridParams {
  /** Largest price move of the standard grid, e.g. 0.16 = +-16 %. */
  readonly priceRange: number;
  /** Evenly spaced buckets per side (4 -> 9 price points including 0). */
  readonly bucketsPerSide: number;
  /** Relative vol shocks at 30 days (vol x (1 + up), vol x (1 - down)), scaled by (30/DTE)^vegaPower. */
  readonly volUp: number;
  readonly volDown: number;
  readonly shortTermVegaPower: number;
  readonly longTermVegaPower: number;
  /** Extended moves (fractions, e.g. -0.66, +5) with the weight applied to their loss; vol-up only. */
  readonly extendedMoves: readonly { readonly move: number; readonly weight: number }[];
  /** Contingency per net short option contract, in coin. */
  readonly shortOptionContingency: number;
  /** Maintenance = mmFactor x initial. */
  readonly mmFactor: number;
}

export interface DeribitModel {
  readonly model: 'deribit';
  readonly settle: 'inverse' | 'linear';
  readonly standard: DeribitStandardParams;
  readonly portfolio: PortfolioGridParams;
  readonly provenance: Provenance;
}

export interface LendingAssetParams {
  readonly ltv: number;
  readonly liquidationThreshold: number;
  readonly liquidationBonus: number;
}

export interface LendingModel {
  readonly model: 'lending';
  readonly assets: Readonly<Record<string, LendingAssetParams>>;
  /** Share of debt a liquidator may repay in one call: closeFactor when HF >= closeFactorHfThreshold, else 1. */
  readonly closeFactor: number;
  readonly closeFactorHfThreshold: number;
  readonly provenance: Provenance;
}

export interface WeightedAssetParams {
  readonly initialAssetWeight: number;
  readonly maintenanceAssetWeight: number;
  readonly initialLiabilityWeight: number;
  readonly maintenanceLiabilityWeight: number;
  /** Size premium factor (Drift IMF): liability weight max(w, 0.8w + imf sqrt(size)), asset weight min(w, 1.1/(1+imf sqrt(size))). */
  readonly imf: number;
}

export interface WeightedPerpParams {
  readonly initialMarginRatio: number;
  readonly maintenanceMarginRatio: number;
  readonly imf: number;
}

export interface WeightedModel {
  readonly model: 'weighted';
  readonly spot: Readonly<Record<string, WeightedAssetParams>>;
  readonly perps: Readonly<Record<string, WeightedPerpParams>>;
  /** Weight applied to positive unrealised perp PnL in maintenance health. */
  readonly unrealizedPnlMaintenanceWeight: number;
  readonly provenance: Provenance;
}

export type VenueModel = TieredModel | DeribitModel | LendingModel | WeightedModel;
export type VenueModelKind = VenueModel['model'];
