/**
 * The normalized portfolio model: what the core computes on after a document has been validated and every
 * venue preset resolved. Pure data, no I/O.
 *
 * Conventions (apply everywhere unless a field says otherwise):
 * - Prices are USD per unit of the asset (`market.prices`), marks, not last trades.
 * - Time is epoch milliseconds, UTC. Year fractions use ACT/365 (calendar days / 365), as Deribit does.
 * - Vols are annualised decimals (0.55 = 55 %). Rates are continuously compounded, annual.
 * - Quantities are signed: + long, - short. Exception: supply and borrow quantities are positive amounts of the
 *   asset (the kind gives the direction: supply is an asset, borrow a debt).
 *   Linear contracts and options: qty in units of the underlying (coins).
 *   Inverse futures and perps: qty in USD face value (Deribit / BitMEX / Binance COIN-M contracts times size).
 *   Inverse options: qty in coins (one Deribit option = 1 BTC).
 * - Linear contracts settle in a USD stablecoin, valued at 1 USD per unit of quote (quote depeg is not modelled
 *   inside contract P&L; a depeg of collateral is, through the collateral's own price).
 */
import type { VenueModel } from '../margin/venue-model.ts';

export type Settle = 'linear' | 'inverse';
export type OptionRight = 'call' | 'put';

/** Raw SVI parameters of one expiry: total variance w(k) = a + b(rho(k-m) + sqrt((k-m)^2 + sigma^2)), k = ln(K/F). */
export interface SviSlice {
  readonly expiry: number;
  readonly a: number;
  readonly b: number;
  readonly rho: number;
  readonly m: number;
  readonly sigma: number;
}

export interface Market {
  readonly asOf: number;
  /** USD mark per asset. */
  readonly prices: Readonly<Record<string, number>>;
  /** Flat annualised implied vol per underlying. */
  readonly vols: Readonly<Record<string, number>>;
  /** Optional SVI smile per underlying, one slice per expiry; replaces the flat vol where present. */
  readonly smiles: Readonly<Record<string, readonly SviSlice[]>>;
  /** Continuously compounded annual rate. */
  readonly rate: number;
  /** Assets treated as stable (not moved by crash scenarios). */
  readonly stables: ReadonlySet<string>;
}

interface PositionBase {
  /** Position index in its account, in file order. */
  readonly index: number;
  /** Underlying asset (BTC, ETH, ...). */
  readonly asset: string;
  /** Signed quantity, see the conventions above. */
  readonly qty: number;
}

export interface PerpPosition extends PositionBase {
  readonly kind: 'perp';
  readonly settle: Settle;
  /** Average entry price, USD (USDT) per coin. */
  readonly entry: number;
  /** Isolated margin of this position, in the settlement currency (USD for linear, coin for inverse). */
  readonly margin?: number;
  /** Chosen leverage: initial margin = notional / leverage. Defaults to the tier's maximum leverage. */
  readonly leverage?: number;
  /** Per-position overrides of the preset's maintenance rate, maintenance amount and liquidation-fee rate. */
  readonly mmr?: number;
  readonly mmAmount?: number;
  readonly liquidationFeeRate?: number;
}

export interface FuturePosition extends Omit<PerpPosition, 'kind'> {
  readonly kind: 'future';
  readonly expiry: number;
}

export interface OptionPosition extends PositionBase {
  readonly kind: 'option';
  readonly settle: Settle;
  readonly right: OptionRight;
  readonly strike: number;
  readonly expiry: number;
  /** Position-level implied vol; overrides the smile and the flat market vol. */
  readonly vol?: number;
  /** Premium paid (or received) per unit at entry, in settlement currency per unit (coin for inverse). */
  readonly entry?: number;
}

export interface SpotPosition extends PositionBase {
  readonly kind: 'spot';
  readonly entry?: number;
}

export interface SupplyPosition extends PositionBase {
  readonly kind: 'supply';
}

export interface BorrowPosition extends PositionBase {
  readonly kind: 'borrow';
}

export type Position = PerpPosition | FuturePosition | OptionPosition | SpotPosition | SupplyPosition | BorrowPosition;
export type PositionKind = Position['kind'];

export type MarginMode = 'cross' | 'isolated' | 'standard' | 'portfolio';

export interface Account {
  readonly id: string;
  /** Account index in file order. */
  readonly index: number;
  /** Preset name, or 'inline' for a venue described in the document. */
  readonly venueName: string;
  /** Resolved margin model with its parameters (preset merged with document overrides). */
  readonly venue: VenueModel;
  readonly mode: MarginMode;
  /** Collateral balances by asset, in units of the asset. */
  readonly collateral: Readonly<Record<string, number>>;
  readonly positions: readonly Position[];
}

export interface Portfolio {
  readonly market: Market;
  readonly accounts: readonly Account[];
  /** Optional state carried for policies (issue 4): equity high-water mark in USD. */
  readonly history?: { readonly highWaterMark?: number };
}

/** Years from `from` to `to` (epoch ms), ACT/365. */
export const MS_PER_YEAR = 365 * 24 * 3600 * 1000;
export const yearFraction = (from: number, to: number): number => (to - from) / MS_PER_YEAR;
