/**
 * Liquidation prices and crash moves, for any margin model, from its bucket terms (see margin/terms.ts).
 *
 * Liquidation price of `asset` for a bucket: the USD price P of that asset, every other price fixed, at which
 * the bucket's margin excess (balance - maintenance) crosses zero. Models with a closed form (linear tiers,
 * lending) answer directly; otherwise the excess is scanned outward from the mark on a fixed geometric grid
 * (0.5 % steps near the mark widening to 1e-6x below and 1000x above) and the first sign change is refined by
 * Brent to 1e-12 of the mark. Known limit of any scan: two roots closer together than one grid step (a dip
 * below zero and back) can be missed; the grid is dense near the mark where that matters most.
 *
 * Options keep the implied vol they have at the current mark while the underlying moves (sticky strike): the
 * margin models fix each option's vol when an account's buckets are built.
 *
 * A bucket already liquidatable at the mark reports the price at which it would become safe again (on the
 * far side), so a position past its liquidation price is reported, not hidden.
 *
 * Crash move: the single fractional move m of all non-stable prices together (P -> P (1 + m), correlation one)
 * at which the excess crosses zero; `down` is negative (-0.25 = a 25 % fall), `up` positive.
 *
 * Speed: when every moving group can bound its own excess (the portfolio-margin grid), the scan runs certified
 * (./certify.ts): grid points whose state the bounds decide are not evaluated and evaluations price less, with the
 * same roots to the bit; the plain scan stays as plainScanLiquidationPrices / plainScanCrashMove (the reference).
 */
import type { AssetGroup, Bucket, MarginTerms, PriceFn } from '../margin/terms.ts';
import { zeroTerms } from '../margin/terms.ts';
import { brent } from './brent.ts';
import { BucketExcess, certifiedScan, isCertifiable } from './certify.ts';

export interface Roots {
  down: number | null;
  up: number | null;
}

const DOWN_MULTS = [0.995, 0.99, 0.98, 0.97, 0.95, 0.925, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01, 1e-3, 1e-6];
const UP_MULTS = [1.005, 1.01, 1.02, 1.03, 1.05, 1.075, 1.1, 1.15, 1.2, 1.3, 1.5, 1.75, 2, 3, 5, 10, 20, 50, 100, 1000];
const REL_TOL = 1e-12;

/** First zero crossing of f scanning x0 * mult over `mults` (monotone away from x0), or null. */
function scan(f: (x: number) => number, x0: number, f0: number, mults: readonly number[]): number | null {
  let prevX = x0;
  let prevF = f0;
  for (const m of mults) {
    const x = x0 * m;
    const fx = f(x);
    if (prevF > 0 !== fx > 0) return brent(f, prevX, x, prevF, fx, Math.abs(x0) * REL_TOL);
    prevX = x;
    prevF = fx;
  }
  return null;
}

const addInto = (dst: MarginTerms, src: MarginTerms): void => {
  dst.balance = src.balance;
  dst.initial = src.initial;
  dst.maintenance = src.maintenance;
  dst.liabilities = src.liabilities;
};

/** Liquidation prices of `asset` for one bucket, other prices fixed. */
export function bucketLiquidationPrices(bucket: Bucket, asset: string, prices: PriceFn): Roots {
  const closed = bucket.closedFormLiquidation?.(asset, prices);
  if (closed) return closed;
  return scanLiquidationPrices(bucket, asset, prices);
}

/** The groups `asset` moves, and the terms of the others summed at the current prices. */
function splitGroups(bucket: Bucket, asset: string, prices: PriceFn): { rest: MarginTerms; moving: AssetGroup[] } {
  const rest = zeroTerms();
  const moving: AssetGroup[] = [];
  for (const g of bucket.groups) {
    if (g.asset === asset) moving.push(g);
    else g.accumulate(g.asset === 'USD' ? 1 : prices(g.asset), rest);
  }
  return { rest, moving };
}

/**
 * The scan and Brent for any bucket: certified (./certify.ts, fewer evaluations, same roots to the bit) when every
 * group moved by `asset` can bound itself, otherwise the plain scan.
 */
export function scanLiquidationPrices(bucket: Bucket, asset: string, prices: PriceFn): Roots {
  const { rest, moving } = splitGroups(bucket, asset, prices);
  if (moving.length === 0) return { down: null, up: null };
  if (!moving.every(isCertifiable)) return plainScanRoots(rest, moving, prices(asset));
  const ev = new BucketExcess(rest, moving.filter(isCertifiable), 'price', null, 1 + DOWN_MULTS.length + UP_MULTS.length);
  const p0 = prices(asset);
  const f0 = ev.full(p0, 0);
  const xtol = Math.abs(p0) * REL_TOL;
  return {
    down: certifiedScan(ev, p0, f0, DOWN_MULTS.map((m) => p0 * m), 1, xtol),
    up: certifiedScan(ev, p0, f0, UP_MULTS.map((m) => p0 * m), 1 + DOWN_MULTS.length, xtol),
  };
}

/** The plain scan (every grid point evaluated): the reference the certified scan is tested against. */
export function plainScanLiquidationPrices(bucket: Bucket, asset: string, prices: PriceFn): Roots {
  const { rest, moving } = splitGroups(bucket, asset, prices);
  if (moving.length === 0) return { down: null, up: null };
  return plainScanRoots(rest, moving, prices(asset));
}

function plainScanRoots(rest: MarginTerms, moving: readonly AssetGroup[], p0: number): Roots {
  const t = zeroTerms();
  const f = (p: number): number => {
    addInto(t, rest);
    for (const g of moving) g.accumulate(p, t);
    return t.balance - t.maintenance;
  };
  const f0 = f(p0);
  return { down: scan(f, p0, f0, DOWN_MULTS), up: scan(f, p0, f0, UP_MULTS) };
}

const CRASH_DOWN = DOWN_MULTS.map((m) => m - 1);
const CRASH_UP = UP_MULTS.map((m) => m - 1);

/** The joint fractional move of all non-stable prices that liquidates the bucket, each direction. */
export function bucketCrashMove(bucket: Bucket, prices: PriceFn, isStable: (asset: string) => boolean): Roots {
  if (bucket.closedFormCrashMove) return bucket.closedFormCrashMove(prices, isStable);
  return scanCrashMove(bucket, prices, isStable);
}

/**
 * The crash move by scan and Brent, for any bucket (also the reference the closed forms are tested against):
 * certified (./certify.ts, same roots to the bit) when every moving group can bound itself and every moving price
 * is positive, otherwise the plain scan.
 */
export function scanCrashMove(bucket: Bucket, prices: PriceFn, isStable: (asset: string) => boolean): Roots {
  const fixed = zeroTerms();
  const moving: AssetGroup[] = [];
  for (const g of bucket.groups) {
    if (g.asset === 'USD' || isStable(g.asset)) g.accumulate(g.asset === 'USD' ? 1 : prices(g.asset), fixed);
    else moving.push(g);
  }
  if (moving.length === 0) return { down: null, up: null };
  const base = Float64Array.from(moving, (g) => prices(g.asset));
  if (!moving.every(isCertifiable) || !base.every((p) => p > 0)) return plainCrashRoots(fixed, moving, base);
  const ev = new BucketExcess(fixed, moving.filter(isCertifiable), 'move', base, 1 + CRASH_DOWN.length + CRASH_UP.length);
  const f0 = ev.full(0, 0);
  return { down: certifiedScan(ev, 0, f0, CRASH_DOWN, 1, REL_TOL), up: certifiedScan(ev, 0, f0, CRASH_UP, 1 + CRASH_DOWN.length, REL_TOL) };
}

/** The plain crash-move scan (every grid point evaluated): the reference the certified scan is tested against. */
export function plainScanCrashMove(bucket: Bucket, prices: PriceFn, isStable: (asset: string) => boolean): Roots {
  const fixed = zeroTerms();
  const moving: AssetGroup[] = [];
  for (const g of bucket.groups) {
    if (g.asset === 'USD' || isStable(g.asset)) g.accumulate(g.asset === 'USD' ? 1 : prices(g.asset), fixed);
    else moving.push(g);
  }
  if (moving.length === 0) return { down: null, up: null };
  return plainCrashRoots(fixed, moving, Float64Array.from(moving, (g) => prices(g.asset)));
}

function plainCrashRoots(fixed: MarginTerms, moving: readonly AssetGroup[], base: Float64Array): Roots {
  const t = zeroTerms();
  const f = (m: number): number => {
    addInto(t, fixed);
    for (let i = 0; i < moving.length; i++) moving[i]!.accumulate(base[i]! * (1 + m), t);
    return t.balance - t.maintenance;
  };
  const f0 = f(0);
  // scan over the move m itself: f(m) with m stepping away from 0
  const scanMove = (moves: readonly number[]): number | null => {
    let prevM = 0;
    let prevF = f0;
    for (const m of moves) {
      const fm = f(m);
      if (prevF > 0 !== fm > 0) return brent(f, prevM, m, prevF, fm, REL_TOL);
      prevM = m;
      prevF = fm;
    }
    return null;
  };
  return { down: scanMove(CRASH_DOWN), up: scanMove(CRASH_UP) };
}
