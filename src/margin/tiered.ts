/**
 * Tiered futures / perp margin (Binance USDⓈ-M and COIN-M, Bybit, OKX, Hyperliquid), linear and inverse, cross
 * and isolated, reduced to the additive USD terms of ./terms.ts.
 *
 * Conventions (all amounts USD at the group's price P, the mark; q signed, + long):
 * - Linear (q in coins, settled in a USD stablecoin at 1 USD): uPnL = q (P - E); notional N = |q| P, or |q| E when
 *   the venue values maintenance at entry (Bybit's isolated formula); maintenance = N mmr - mmAmount with the tier
 *   of N, plus the liquidation fee |q| P feeRate; initial = |q| P / leverage.
 * - Inverse (q in USD face value, settled in coin): uPnL = q (1/E - 1/P) coin = q (P/E - 1) USD; notional in coin
 *   N = |q| / P (or |q| / E at entry), tier by coin notional; maintenance = (N mmr - mmAmount) coin x P, plus the fee
 *   |q| feeRate USD; initial = |q| / leverage USD.
 * - Per position, `mmr` / `mmAmount` override the tier (an mmr alone means a flat rate, amount 0), and
 *   `liquidationFeeRate` overrides the venue's; `leverage` defaults to the tier's maxLeverage.
 * - liabilities = maintenance, so HF = balance / maintenance; liquidatable when balance <= maintenance.
 * - Cross: one bucket (id = account id) holding every perp / future, the collateral balances (amount x price of
 *   the asset; USDT and USDC have prices in the market) and spot holdings (qty x P) - the wallet balance, the other
 *   positions' uPnL and their maintenance all count (Binance's WB, UPNL1 and TMM1).
 * - Isolated: one bucket per perp / future (id `${account.id}#${position index}`) with balance = the position's
 *   margin (settlement currency: USD linear, coin inverse x P) + its uPnL; free collateral belongs to no bucket.
 */
import { MissingMarketDataError, ValidationError, type FieldIssue } from '../errors/index.ts';
import type { Account, FuturePosition, Market, PerpPosition } from '../model/types.ts';
import type { AssetGroup, Bucket, MarginTerms, PriceFn } from './terms.ts';
import { zeroTerms } from './terms.ts';
import { tierFor } from './tiers.ts';
import type { Tier, TieredModel } from './venue-model.ts';

type Contract = PerpPosition | FuturePosition;

/** One perp / future with everything that does not depend on the price resolved when the bucket is built. */
interface Leg {
  /** Signed quantity (coins linear, USD face inverse) and its size |q|. */
  readonly q: number;
  readonly size: number;
  readonly entry: number;
  readonly inverse: boolean;
  /** Maintenance notional valued at entry (fixed tier) rather than at the mark. */
  readonly atEntry: boolean;
  readonly tiers: readonly Tier[];
  /** Overrides; NaN = take the tier's value. */
  readonly mmr: number;
  readonly mmAmount: number;
  readonly leverage: number;
  readonly feeRate: number;
  /** Isolated margin in the settlement currency (USD linear, coin inverse); 0 in cross. */
  readonly margin: number;
}

/** Tier-selection notional of a leg at price P: USD for linear, coin for inverse. */
const legNotional = (l: Leg, P: number): number => {
  const px = l.atEntry ? l.entry : P;
  return l.inverse ? l.size / px : l.size * px;
};

/** Add one leg's terms at price P into `out`. Hot path of the root finder: no allocation. */
function addLeg(l: Leg, P: number, out: MarginTerms): void {
  if (l.size === 0) {
    out.balance += l.inverse ? l.margin * P : l.margin;
    return;
  }
  const N = legNotional(l, P);
  const t = tierFor(l.tiers, N);
  const m = Number.isNaN(l.mmr) ? t.mmr : l.mmr;
  const c = Number.isNaN(l.mmAmount) ? t.mmAmount : l.mmAmount;
  const lev = Number.isNaN(l.leverage) ? t.maxLeverage : l.leverage;
  let balance: number;
  let maintenance: number;
  let initial: number;
  if (l.inverse) {
    // Coin amounts x P: uPnL q (1/E - 1/P) P = q (P/E - 1); maintenance (N mmr - amount) P; fee |q| rate USD.
    balance = l.margin * P + l.q * (P / l.entry - 1);
    maintenance = (N * m - c) * P + l.size * l.feeRate;
    initial = l.size / lev;
  } else {
    // uPnL q (P - E); maintenance N mmr - amount; fee |q| P rate, at the liquidation (mark) price.
    balance = l.margin + l.q * (P - l.entry);
    maintenance = N * m - c + l.size * P * l.feeRate;
    initial = (l.size * P) / lev;
  }
  out.balance += balance;
  out.initial += initial;
  out.maintenance += maintenance;
  out.liabilities += maintenance;
}

/** Accumulator of the affine excess a P + b, with the sums of |terms| added to each (their rounding scale). */
interface Affine {
  a: number;
  b: number;
  sa: number;
  sb: number;
}
const addA = (acc: Affine, x: number): void => {
  acc.a += x;
  acc.sa += Math.abs(x);
};
const addB = (acc: Affine, x: number): void => {
  acc.b += x;
  acc.sb += Math.abs(x);
};

/** Coefficients of the margin excess a P + b of a leg while its tier stays the one it has at price `at`. */
function addLegAffine(l: Leg, at: number, acc: Affine): void {
  if (l.size === 0) {
    if (l.inverse) addA(acc, l.margin);
    else addB(acc, l.margin);
    return;
  }
  const t = tierFor(l.tiers, legNotional(l, at));
  const m = Number.isNaN(l.mmr) ? t.mmr : l.mmr;
  const c = Number.isNaN(l.mmAmount) ? t.mmAmount : l.mmAmount;
  if (l.inverse) {
    // margin P + q P / E - q - maintenance - |q| fee; maintenance = (|q|/E m - c) P at entry, |q| m - c P at mark.
    addA(acc, l.margin);
    addA(acc, l.q / l.entry);
    addB(acc, -l.q);
    addB(acc, -l.size * l.feeRate);
    if (l.atEntry) addA(acc, -((l.size / l.entry) * m - c));
    else {
      addA(acc, c);
      addB(acc, -l.size * m);
    }
  } else {
    // margin + q P - q E - maintenance - |q| P fee; maintenance = |q| E m - c at entry, |q| P m - c at mark.
    addA(acc, l.q);
    addA(acc, -l.size * l.feeRate);
    addB(acc, l.margin);
    addB(acc, -l.q * l.entry);
    if (l.atEntry) addB(acc, -(l.size * l.entry * m - c));
    else {
      addA(acc, -l.size * m);
      addB(acc, c);
    }
  }
}

/** Relative size under which a slope is rounding noise of the terms that make it (a few ulps of 1e-16 each). */
const FLAT = 1e-12;

/** Everything of one bucket driven by one asset's price: coins held (collateral, spot) and contract legs. */
class TieredGroup implements AssetGroup {
  /** Coins valued at the price: collateral balance plus spot quantity. */
  units = 0;
  readonly legs: Leg[] = [];
  constructor(readonly asset: string) {}

  accumulate(price: number, out: MarginTerms): void {
    out.balance += this.units * price;
    const legs = this.legs;
    for (let i = 0; i < legs.length; i++) addLeg(legs[i] as Leg, price, out);
  }

  /** True when the group's terms move with its price. */
  exposed(): boolean {
    return this.units !== 0 || this.legs.some((l) => l.size !== 0 || (l.inverse && l.margin !== 0));
  }

  /** Excess a P + b with the tiers held at price `at`. */
  affine(at: number, acc: Affine): void {
    addA(acc, this.units);
    for (const l of this.legs) addLegAffine(l, at, acc);
  }

  /** Prices where a leg changes tier (its maintenance rate changes), with that leg's index; positive, unsorted. */
  legBreakpoints(): { p: number; leg: number }[] {
    const out: { p: number; leg: number }[] = [];
    this.legs.forEach((l, leg) => {
      if (l.atEntry || l.size === 0 || !Number.isNaN(l.mmr)) return;
      for (let k = 1; k < l.tiers.length; k++) {
        const floor = (l.tiers[k] as Tier).floor;
        // Linear: |q| P = floor; inverse: |q| / P = floor.
        const p = l.inverse ? l.size / floor : floor / l.size;
        if (p > 0 && Number.isFinite(p)) out.push({ p, leg });
      }
    });
    return out;
  }
}

/**
 * First price from `p0` in direction `dir` where the bucket's state (safe: excess > 0) differs from `safe0`.
 * Between tier breakpoints the excess is affine in P (both linear and inverse, in USD), so each segment is solved
 * exactly with the tiers it holds and the walk moves to the next segment only when the root lies beyond it: the
 * Binance rule "re-solve with the bracket at the liquidation price", done so that it always terminates and the
 * answer lies in the tier used to compute it. At a discontinuity of the table (amounts that do not follow the
 * derivation rule) the state can flip at a boundary; the boundary is returned. Null when no positive price flips it.
 */
function walk(g: TieredGroup, k: number, p0: number, dir: 1 | -1, safe0: boolean): number | null {
  // Breakpoints strictly beyond p0 in walking order, each with the leg that changes tier there. The affine
  // coefficients are kept per leg and only the crossing legs are recomputed at each step, so the walk costs
  // O(legs + breakpoints); a candidate root is then re-solved from a full sum of its segment, so incremental
  // rounding never reaches the answer.
  const ahead = g.legBreakpoints().filter((x) => (dir < 0 ? x.p < p0 && x.p > 0 : x.p > p0 && Number.isFinite(x.p)));
  ahead.sort((x, y) => dir * (x.p - y.p));
  const legs = g.legs;
  const n = legs.length;
  const la = new Float64Array(n);
  const lb = new Float64Array(n);
  const lsa = new Float64Array(n);
  const lsb = new Float64Array(n);
  const scratch: Affine = { a: 0, b: 0, sa: 0, sb: 0 };
  const tot: Affine = { a: 0, b: 0, sa: 0, sb: 0 };
  const setLeg = (i: number, at: number): void => {
    scratch.a = scratch.b = scratch.sa = scratch.sb = 0;
    addLegAffine(legs[i]!, at, scratch);
    tot.a += scratch.a - la[i]!;
    tot.b += scratch.b - lb[i]!;
    tot.sa += scratch.sa - lsa[i]!;
    tot.sb += scratch.sb - lsb[i]!;
    la[i] = scratch.a;
    lb[i] = scratch.b;
    lsa[i] = scratch.sa;
    lsb[i] = scratch.sb;
  };
  const repOf = (cur: number, next: number): number =>
    dir < 0 ? (next > 0 ? (cur + next) / 2 : cur / 2) : Number.isFinite(next) ? (cur + next) / 2 : cur * 2;
  /** Exact coefficients of the segment containing `rep` (full sum). */
  const full = (rep: number): Affine => {
    const acc: Affine = { a: 0, b: 0, sa: 0, sb: 0 };
    addB(acc, k);
    g.affine(rep, acc);
    return acc;
  };
  let ix = 0;
  let cur = p0;
  let next = ix < ahead.length ? ahead[ix]!.p : dir < 0 ? 0 : Infinity;
  const rep0 = repOf(cur, next);
  for (let i = 0; i < n; i++) setLeg(i, rep0);
  for (;;) {
    const rep = repOf(cur, next);
    const a0 = tot.a + g.units;
    const b0 = tot.b + k;
    const sa0 = tot.sa + Math.abs(g.units);
    const sb0 = tot.sb + Math.abs(k);
    // An intercept within rounding of its terms is zero (e.g. a fully collateralised long: root at P = 0, not 1e-13).
    const bz = (b: number, sb: number): number => (Math.abs(b) > FLAT * sb ? b : 0);
    if (a0 * cur + bz(b0, sb0) > 0 !== safe0) {
      const f = full(rep);
      if (f.a * cur + bz(f.b, f.sb) > 0 !== safe0) return cur;
    }
    // Guard the denominator: a slope within rounding of its own terms (a hedged book: long and short, or coin
    // collateral against an inverse short) is a flat excess, with no root on this segment.
    const flips = (a: number, sa: number, b: number): number | null => {
      if (!(Math.abs(a) > FLAT * sa)) return null;
      const r = -b / a;
      const flipsOnward = safe0 ? dir * a < 0 : dir * a > 0;
      const inSegment = dir < 0 ? r <= cur && r >= next : r >= cur && r <= next;
      return flipsOnward && inSegment ? r : null;
    };
    if (flips(a0, sa0, bz(b0, sb0)) !== null) {
      const f = full(rep);
      const r = flips(f.a, f.sa, bz(f.b, f.sb));
      if (r !== null) return r > 0 && Number.isFinite(r) ? r : null;
    }
    if (dir < 0 ? next <= 0 : !Number.isFinite(next)) return null;
    cur = next;
    // cross every breakpoint at `cur`, then move the segment on
    const crossing: number[] = [];
    while (ix < ahead.length && ahead[ix]!.p === cur) crossing.push(ahead[ix++]!.leg);
    next = ix < ahead.length ? ahead[ix]!.p : dir < 0 ? 0 : Infinity;
    const nrep = repOf(cur, next);
    for (const i of crossing) setLeg(i, nrep);
  }
}

/**
 * Closed-form liquidation prices of `asset` for a tiered bucket, every other price fixed (their uPnL and
 * maintenance are constants, as Binance's TMM1 / UPNL1). Several positions on the same asset (hedged, or a spot
 * or coin collateral leg) add their coefficients; a fully hedged book may have no root (null).
 * Returns the first crossing of the excess below (`down`) and above (`up`) the current price, like the root finder
 * in liquidation/price.ts. A bucket already liquidatable at the current price is reported, not hidden: the first
 * crossing on each side is where it becomes safe again, so a long past its liquidation price reports that price as
 * `up` (above the mark); a bucket exactly at zero excess reports the current price.
 */
function closedForm(groups: readonly TieredGroup[], asset: string, prices: PriceFn): { down: number | null; up: number | null } | undefined {
  if (asset === 'USD') return undefined;
  const g = groups.find((x) => x.asset === asset);
  if (g === undefined || !g.exposed()) return { down: null, up: null };
  const p0 = prices(asset);
  if (!(p0 > 0) || !Number.isFinite(p0)) return undefined;
  const rest = zeroTerms();
  for (const o of groups) if (o !== g) o.accumulate(o.asset === 'USD' ? 1 : prices(o.asset), rest);
  const k = rest.balance - rest.maintenance;
  const here = zeroTerms();
  g.accumulate(p0, here);
  const safe0 = k + here.balance - here.maintenance > 0;
  return { down: walk(g, k, p0, -1, safe0), up: walk(g, k, p0, 1, safe0) };
}

/**
 * Closed-form crash move of a tiered bucket: every non-stable price P_g moves to P_g (1 + m) together. Between
 * tier breakpoints (m = breakpoint / P_g - 1 for each leg) the excess is affine in m, since each group's excess is
 * affine in its own price; the walk solves each segment exactly, keeping coefficients per leg and recomputing only
 * the legs that cross, and re-solves a candidate from a full sum of its segment. Same answer and conventions as
 * the scan in liquidation/price.ts (first state change on each side, down in (-1, 0), up > 0), without its grid.
 */
function crashMove(groups: readonly TieredGroup[], prices: PriceFn, isStable: (asset: string) => boolean): { down: number | null; up: number | null } {
  const moving = groups.filter((g) => g.asset !== 'USD' && !isStable(g.asset));
  const fixed = zeroTerms();
  for (const g of groups) if (!moving.includes(g)) g.accumulate(g.asset === 'USD' ? 1 : prices(g.asset), fixed);
  const k = fixed.balance - fixed.maintenance;
  const base = moving.map((g) => prices(g.asset));
  const now = zeroTerms();
  moving.forEach((g, i) => g.accumulate(base[i]!, now));
  const safe0 = k + now.balance - now.maintenance > 0;
  if (moving.length === 0) return { down: null, up: null };
  const walkM = (dir: 1 | -1): number | null => {
    // legs of every moving group, flattened; breakpoints expressed as moves m
    const legs: { g: number; leg: Leg }[] = [];
    const ahead: { m: number; leg: number }[] = [];
    moving.forEach((g, gi) => {
      const offset = legs.length;
      g.legs.forEach((leg) => legs.push({ g: gi, leg }));
      for (const bp of g.legBreakpoints()) {
        const m = bp.p / base[gi]! - 1;
        if (dir < 0 ? m < 0 && m > -1 : m > 0 && Number.isFinite(m)) ahead.push({ m, leg: offset + bp.leg });
      }
    });
    ahead.sort((x, y) => dir * (x.m - y.m));
    const n = legs.length;
    const la = new Float64Array(n);
    const lb = new Float64Array(n);
    const lsa = new Float64Array(n);
    const lsb = new Float64Array(n);
    const scratch: Affine = { a: 0, b: 0, sa: 0, sb: 0 };
    const tot: Affine = { a: 0, b: 0, sa: 0, sb: 0 };
    // a leg's excess a P + b at P = P0 (1 + m) is (a P0) m + (a P0 + b): slope and intercept in m
    const setLeg = (i: number, m: number): void => {
      const P0 = base[legs[i]!.g]!;
      scratch.a = scratch.b = scratch.sa = scratch.sb = 0;
      addLegAffine(legs[i]!.leg, P0 * (1 + m), scratch);
      const sa = scratch.a * P0;
      const sb = scratch.a * P0 + scratch.b;
      const ssa = scratch.sa * P0;
      const ssb = scratch.sa * P0 + scratch.sb;
      tot.a += sa - la[i]!;
      tot.b += sb - lb[i]!;
      tot.sa += ssa - lsa[i]!;
      tot.sb += ssb - lsb[i]!;
      la[i] = sa;
      lb[i] = sb;
      lsa[i] = ssa;
      lsb[i] = ssb;
    };
    let units = 0;
    let unitsAbs = 0;
    moving.forEach((g, gi) => {
      units += g.units * base[gi]!;
      unitsAbs += Math.abs(g.units * base[gi]!);
    });
    const end = dir < 0 ? -1 : Infinity;
    const repOf = (cur: number, next: number): number => (Number.isFinite(next) ? (cur + next) / 2 : Math.max(2 * cur, 1));
    const full = (rep: number): Affine => {
      const acc: Affine = { a: units, b: units + k, sa: unitsAbs, sb: unitsAbs + Math.abs(k) };
      for (let i = 0; i < n; i++) {
        const P0 = base[legs[i]!.g]!;
        scratch.a = scratch.b = scratch.sa = scratch.sb = 0;
        addLegAffine(legs[i]!.leg, P0 * (1 + rep), scratch);
        acc.a += scratch.a * P0;
        acc.b += scratch.a * P0 + scratch.b;
        acc.sa += scratch.sa * P0;
        acc.sb += scratch.sa * P0 + scratch.sb;
      }
      return acc;
    };
    const bz = (b: number, sb: number): number => (Math.abs(b) > FLAT * sb ? b : 0);
    let ix = 0;
    let cur = 0;
    let next = ix < ahead.length ? ahead[ix]!.m : end;
    const rep0 = repOf(cur, next);
    for (let i = 0; i < n; i++) setLeg(i, rep0);
    for (;;) {
      const rep = repOf(cur, next);
      const a0 = tot.a + units;
      const b0 = tot.b + units + k;
      const sa0 = tot.sa + unitsAbs;
      const sb0 = tot.sb + unitsAbs + Math.abs(k);
      if (a0 * cur + bz(b0, sb0) > 0 !== safe0) {
        const f = full(rep);
        if (f.a * cur + bz(f.b, f.sb) > 0 !== safe0) return cur;
      }
      const flips = (a: number, sa: number, b: number): number | null => {
        if (!(Math.abs(a) > FLAT * sa)) return null;
        const r = -b / a;
        const flipsOnward = safe0 ? dir * a < 0 : dir * a > 0;
        const inSegment = dir < 0 ? r <= cur && r >= next : r >= cur && r <= next;
        return flipsOnward && inSegment ? r : null;
      };
      if (flips(a0, sa0, bz(b0, sb0)) !== null) {
        const f = full(rep);
        const r = flips(f.a, f.sa, bz(f.b, f.sb));
        if (r !== null) return r > -1 && Number.isFinite(r) ? r : null;
      }
      if (next === end) return null;
      cur = next;
      const crossing: number[] = [];
      while (ix < ahead.length && ahead[ix]!.m === cur) crossing.push(ahead[ix++]!.leg);
      next = ix < ahead.length ? ahead[ix]!.m : end;
      const nrep = repOf(cur, next);
      for (const i of crossing) setLeg(i, nrep);
    }
  };
  return { down: walkM(-1), up: walkM(1) };
}

const makeBucket = (id: string, positions: readonly number[], groups: readonly TieredGroup[]): Bucket => ({
  id,
  positions,
  groups,
  closedFormLiquidation: (asset, prices) => closedForm(groups, asset, prices),
  closedFormCrashMove: (prices, isStable) => crashMove(groups, prices, isStable),
});

const opt = (v: number | undefined): number => (v === undefined ? NaN : v);

/** The leg of a contract; isolated legs carry their margin (default: notional at entry / leverage). */
function makeLeg(p: Contract, venue: TieredModel, tiers: readonly Tier[], isolated: boolean): Leg {
  const inverse = p.settle === 'inverse';
  const size = Math.abs(p.qty);
  const mmrOverride = p.mmr !== undefined;
  const base = {
    q: p.qty,
    size,
    entry: p.entry,
    inverse,
    atEntry: venue.maintenanceAt === 'entry',
    tiers,
    mmr: opt(p.mmr),
    // An mmr override without an amount is a flat rate: a tier's amount belongs to the tier's own rate.
    mmAmount: mmrOverride ? (p.mmAmount ?? 0) : opt(p.mmAmount),
    leverage: opt(p.leverage),
    feeRate: p.liquidationFeeRate ?? venue.liquidationFeeRate,
  };
  let margin = 0;
  if (isolated) {
    // No margin given: the venue's opening requirement, notional at entry (USD linear, coin inverse) / leverage,
    // with the leverage defaulting to the maximum of the tier that entry notional falls in.
    const entryNotional = inverse ? size / p.entry : size * p.entry;
    margin = p.margin ?? entryNotional / (p.leverage ?? tierFor(tiers, entryNotional).maxLeverage);
  }
  return { ...base, margin };
}

/** The buckets of an account on a tiered venue (see the module comment). */
// (top-level helpers, not closures: model building runs for every candidate the planner evaluates)
const positionPath = (account: Account, i: number, field: string): string => `accounts[${account.index}].positions[${i}].${field}`;

function needPrice(market: Market, account: Account, asset: string): void {
  const px = market.prices[asset];
  if (asset !== 'USD' && !(px !== undefined && px > 0 && Number.isFinite(px))) {
    throw new MissingMarketDataError('price', asset, `tiered margin of account ${account.id}`);
  }
}

function groupOf(groups: Map<string, TieredGroup>, market: Market, account: Account, asset: string): TieredGroup {
  let g = groups.get(asset);
  if (g === undefined) {
    needPrice(market, account, asset);
    g = new TieredGroup(asset);
    groups.set(asset, g);
  }
  return g;
}

export function buildTieredBuckets(account: Account, market: Market): Bucket[] {
  const venue = account.venue;
  const issues: FieldIssue[] = [];
  if (venue.model !== 'tiered') {
    throw new ValidationError(`account ${account.id}`, [
      { path: `accounts[${account.index}].venue`, value: venue.model, message: 'buildTieredBuckets needs a tiered venue' },
    ]);
  }
  const isolated = account.mode === 'isolated';
  if (!isolated && account.mode !== 'cross') {
    issues.push({ path: `accounts[${account.index}].mode`, value: account.mode, message: 'tiered venues support cross or isolated margin' });
  }
  const contracts: { p: Contract; tiers: readonly Tier[] }[] = [];
  const spots: { asset: string; qty: number }[] = [];
  for (const p of account.positions) {
    if (p.kind === 'spot') {
      spots.push(p);
      continue;
    }
    if (p.kind !== 'perp' && p.kind !== 'future') {
      issues.push({ path: positionPath(account, p.index, 'kind'), value: p.kind, message: `a tiered venue (${account.venueName}) margins perps, futures and spot only` });
      continue;
    }
    if (p.settle !== venue.settle) {
      issues.push({ path: positionPath(account, p.index, 'settle'), value: p.settle, message: `venue ${account.venueName} is ${venue.settle}; its tier notionals are in ${venue.settle === 'linear' ? 'USD' : 'coin'}` });
    }
    if (p.qty !== 0 && !(p.entry > 0 && Number.isFinite(p.entry))) {
      issues.push({ path: positionPath(account, p.index, 'entry'), value: p.entry, message: 'entry price must be > 0' });
    }
    const tiers = venue.tiers[p.asset] ?? venue.tiers['*'];
    if (tiers === undefined || tiers.length === 0) {
      issues.push({ path: positionPath(account, p.index, 'asset'), value: p.asset, message: `venue ${account.venueName} has no tier table for ${p.asset} and no "*" default; add one in the account params` });
      continue;
    }
    contracts.push({ p, tiers });
  }
  if (issues.length > 0) throw new ValidationError(`account ${account.id} (${account.venueName})`, issues);

  if (isolated) {
    return contracts.map(({ p, tiers }) => {
      needPrice(market, account, p.asset);
      const g = new TieredGroup(p.asset);
      g.legs.push(makeLeg(p, venue, tiers, true));
      return makeBucket(`${account.id}#${p.index}`, [p.index], [g]);
    });
  }

  const groups = new Map<string, TieredGroup>();
  for (const [asset, amount] of Object.entries(account.collateral)) if (amount !== 0) groupOf(groups, market, account, asset).units += amount;
  for (const s of spots) if (s.qty !== 0) groupOf(groups, market, account, s.asset).units += s.qty;
  for (const { p, tiers } of contracts) groupOf(groups, market, account, p.asset).legs.push(makeLeg(p, venue, tiers, false));
  return [makeBucket(account.id, contracts.map((c) => c.p.index), [...groups.values()])];
}
