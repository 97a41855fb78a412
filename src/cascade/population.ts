/**
 * Population of leveraged single-position accounts on one linear perpetual (typed arrays, one slot per account).
 *
 * Conventions:
 * - side s = +1 long, -1 short; qty q > 0 coins; entry E; wallet W (USD collateral of the position).
 * - Isolated: W = q E / L (initial margin at leverage L). Cross: W = q E / L (1 + b), b ~ U[0, crossBufferMax]:
 *   the rest of the cross wallet backing the single position (other positions are not modelled).
 * - Maintenance at mark (Binance style), tier t by the notional q P: MM(P) = q P (mmr_t + f) - cum_t, f the
 *   venue's liquidationFeeRate of the preset (0 for Binance and Hyperliquid: their formulas have no fee term).
 * - Liquidation price (Binance FAQ, one-way mode, one position), solved per tier and kept where q LP lies in
 *   [floor_t, cap_t):  W + s q (LP - E) = q LP (mmr_t + f) - cum_t  =>  LP = (W + cum_t - s q E) / (q (mmr_t + f) - s q).
 *   A long whose LP would be <= 0 is never liquidated (LP = 0).
 * - Draws (seeded xoshiro128**, streams fixed so the same seed gives the same population): size lognormal
 *   exp(sizeSigma z) scaled so the sum of q P0 is openInterestUsd; leverage median exp(leverageSigma z) clipped
 *   to [min, max] and to the tier's maxLeverage; entry P0 exp(entrySigma z); side long with prob longShare;
 *   venue by weight; cross with prob crossShare; guardian flag u < share from its own stream (so the guardian
 *   share never changes the population). An account starting within minStartDistance of its liquidation price
 *   redraws leverage and entry (up to 64 times, then 1x at P0): the book at rest has no account about to fall.
 */
import type { Tier } from '../margin/venue-model.ts';
import { tierIndexFor } from '../margin/tiers.ts';
import { Xoshiro128 } from '../var/prng.ts';

export interface VenueSpec {
  readonly name: string;
  readonly weight: number;
  readonly tiers: readonly Tier[];
  /** Rate in the maintenance (the preset's liquidationFeeRate). */
  readonly liquidationFeeRate: number;
  /** Clearance fee charged on the liquidation fill, rate of its notional (collected from what margin is left). */
  readonly clearanceFeeRate: number;
}

export interface PopulationSpec {
  readonly seed: number;
  readonly accounts: number;
  readonly startPrice: number;
  readonly openInterestUsd: number;
  readonly longShare: number;
  readonly leverage: { readonly median: number; readonly sigma: number; readonly min: number; readonly max: number };
  readonly entrySigma: number;
  readonly sizeSigma: number;
  readonly crossShare: number;
  readonly crossBufferMax: number;
  readonly minStartDistance: number;
  readonly venues: readonly VenueSpec[];
}

export interface Population {
  readonly n: number;
  readonly side: Int8Array;
  readonly qty: Float64Array;
  readonly entry: Float64Array;
  readonly wallet: Float64Array;
  readonly venue: Uint8Array;
  readonly cross: Uint8Array;
  /** Uniform draw per account; the account is a guardian when guardianDraw < share. */
  readonly guardianDraw: Float64Array;
  readonly venues: readonly VenueSpec[];
}

/** Liquidation price of one position (see the header); 0 for a long that cannot be liquidated. */
export function liquidationPrice(side: number, qty: number, entry: number, wallet: number, v: VenueSpec): number {
  for (let t = v.tiers.length - 1; t >= 0; t--) {
    const tier = v.tiers[t]!;
    const den = qty * (tier.mmr + v.liquidationFeeRate) - side * qty;
    const lp = (wallet + tier.mmAmount - side * qty * entry) / den;
    if (!(lp > 0)) continue;
    const notional = qty * lp;
    if (tierIndexFor(v.tiers, notional) === t) return lp;
  }
  return 0;
}

/** Margin excess at mark P: W + s q (P - E) - MM(P); <= 0 means liquidatable. */
export function marginExcess(side: number, qty: number, entry: number, wallet: number, v: VenueSpec, p: number): number {
  const tier = v.tiers[tierIndexFor(v.tiers, qty * p)]!;
  return wallet + side * qty * (p - entry) - (qty * p * (tier.mmr + v.liquidationFeeRate) - tier.mmAmount);
}

const pick = (weights: readonly number[], u: number): number => {
  let total = 0;
  for (const w of weights) total += w;
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]! / total;
    if (u < acc) return i;
  }
  return weights.length - 1;
};

export function drawPopulation(spec: PopulationSpec): Population {
  const n = spec.accounts;
  const p0 = spec.startPrice;
  const side = new Int8Array(n);
  const qty = new Float64Array(n);
  const entry = new Float64Array(n);
  const wallet = new Float64Array(n);
  const venue = new Uint8Array(n);
  const cross = new Uint8Array(n);
  const guardianDraw = new Float64Array(n);
  const g = new Xoshiro128(spec.seed, 1);
  const gLev = new Xoshiro128(spec.seed, 2);
  const gGuard = new Xoshiro128(spec.seed, 3);
  const weights = spec.venues.map((v) => v.weight);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    side[i] = g.uniform() < spec.longShare ? 1 : -1;
    qty[i] = Math.exp(spec.sizeSigma * g.normal());
    sum += qty[i]!;
    venue[i] = pick(weights, g.uniform());
    cross[i] = g.uniform() < spec.crossShare ? 1 : 0;
    wallet[i] = cross[i] === 1 ? g.uniform() * spec.crossBufferMax : 0; // buffer b for now
    guardianDraw[i] = gGuard.uniform();
  }
  const scale = sum > 0 ? spec.openInterestUsd / (sum * p0) : 0;
  const { median, sigma, min, max } = spec.leverage;
  for (let i = 0; i < n; i++) {
    const q = qty[i]! * scale;
    qty[i] = q;
    const v = spec.venues[venue[i]!]!;
    const buffer = wallet[i]!;
    const s = side[i]!;
    let ok = false;
    for (let attempt = 0; attempt < 64 && !ok; attempt++) {
      const e = p0 * Math.exp(spec.entrySigma * gLev.normal());
      const tierMax = v.tiers[tierIndexFor(v.tiers, q * e)]!.maxLeverage;
      const lev = Math.min(Math.max(median * Math.exp(sigma * gLev.normal()), min), max, tierMax);
      const w = ((q * e) / lev) * (1 + buffer);
      const lp = liquidationPrice(s, q, e, w, v);
      const dist = s > 0 ? (p0 - lp) / p0 : (lp - p0) / p0;
      if (dist >= spec.minStartDistance) {
        entry[i] = e;
        wallet[i] = w;
        ok = true;
      }
    }
    if (!ok) {
      entry[i] = p0;
      wallet[i] = q * p0 * (1 + buffer);
    }
  }
  return { n, side, qty, entry, wallet, venue, cross, guardianDraw, venues: spec.venues };
}
