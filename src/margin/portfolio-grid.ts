/**
 * Portfolio margin on a scenario grid (Deribit PM / Paradex style) and the per-underlying position book it
 * revalues. The Deribit builder (./deribit.ts) groups an account's positions into books; the standard model and
 * this grid value the same book.
 *
 * Conventions:
 * - A book holds everything of one margin bucket driven by one underlying's USD price P: collateral in that
 *   asset (units), inverse futures/perps (qty USD face, settled in the coin), linear futures/perps (qty coins,
 *   settled in USD), options (qty coins; inverse ones settle in the coin, linear ones in USD).
 * - Option values: Black-Scholes on spot P (F = P e^{rT}), USD per coin of underlying; an inverse option's coin mark
 *   is V/P. Vols are fixed per option at build time (the position's vol, its smile vol at the current spot, or the
 *   flat vol: sticky strike), so a price move revalues at the option's own vol; shocks scale that vol.
 * - Equity (USD) at P: collateral P + sum_inv q (P/E - 1) + sum_lin q (P - E) + sum_opt q V(P).
 * - Scenario s: price P' = P (1 + m_s) and, per option, vol up / same / down. Its P&L is reported in USD:
 *   book measure 'coin' (a coin-margined pool, Deribit S:PM): coin-settled items are revalued in coin and the coin
 *   P&L is converted at the CURRENT P (coin collateral has no coin P&L: risk is measured in the settlement coin);
 *   measure 'usd' (a USD pool): every item is revalued in USD, collateral P&L = c (P' - P).
 *   Linear (USD-settled) items are always revalued in USD.
 * - Vol shocks (relative, Deribit `volatility_range_up/down`): shift f = (30 / DTE)^vegaPower with DTE in days,
 *   floored at 1 day (Paradex uses max(1, DTE)); vegaPower = shortTermVegaPower if DTE < 30 else longTermVegaPower;
 *   vol up = sigma (1 + volUp f), vol down = max(sigma (1 - volDown f), 0).
 * - Grid layout (as Deribit's `private/pme/simulate` risk vectors): standard scenarios price-major, price moves
 *   -range .. +range in 2 bucketsPerSide + 1 steps, each with vol [up, same, down]; then the extended moves, vol up
 *   only, whose P&L counts times its weight. Extended moves revalue OPTIONS ONLY: Deribit's table "is primarily
 *   meant to account for large short options positions that are far out of the money" (support article), and the
 *   pme/simulate example's perpetual-only portfolio has an all-zero extended vector.
 * - Initial margin = worst weighted loss over the grid (USD, >= 0) + contingency: shortOptionContingency coins per
 *   net short option contract, netted per (expiry, strike) across calls and puts (Deribit's old PM document nets per
 *   strike), valued at P. Maintenance = mmFactor x initial; liabilities = maintenance (HF = equity / MM).
 * Not modelled: Deribit's extended dampener and table factor beyond the weights, min_volatility_for_shock_up,
 * futures-offset and vega-offset contingencies, delta shocks, max_offsetable_pnl, cross-collateral haircuts.
 * Speed (liquidation solver): the group bounds its own excess between evaluated prices and prices only the scenario
 * rows that can be the worst loss (BOUNDS note below the class), so liquidation/certify.ts finds the plain scan's
 * roots to the bit with a fraction of the kernel work; a full revaluation at the price already in the batch is
 * skipped.
 */
import type { Right } from '../pricing/black.ts';
import { blackScholes } from '../pricing/black.ts';
import type { Greeks } from '../pricing/black.ts';
import { blackScholesRange, type BlackInputs, type BlackOutputs } from '../pricing/black-kernel.ts';
import { newOptionBatch } from '../pricing/batch.ts';
import type { FuturePosition, OptionPosition, PerpPosition } from '../model/types.ts';
import type { CertifiableGroup } from '../liquidation/certify.ts';
import type { MarginTerms } from './terms.ts';
import type { PortfolioGridParams } from './venue-model.ts';

export const DAYS_PER_YEAR = 365;
/** DTE floor of the vol-shock scaling, days. */
export const MIN_SHOCK_DTE = 1;

export type BookMeasure = 'coin' | 'usd';

/** Options of a book as parallel typed arrays (built once; read in the hot loop). */
export interface OptionArrays {
  readonly n: number;
  readonly qty: Float64Array;
  readonly strike: Float64Array;
  /** Years to expiry (ACT/365), may be <= 0 (valued at intrinsic). */
  readonly T: Float64Array;
  readonly sigma: Float64Array;
  readonly right: readonly Right[];
  /** 1 = coin-settled (inverse), 0 = USD-settled. */
  readonly inverse: Uint8Array;
  readonly expiry: Float64Array;
}

export interface UnderlyingBook {
  readonly asset: string;
  readonly measure: BookMeasure;
  /** Units of `asset` held as collateral in this bucket. */
  readonly collateral: number;
  /** Inverse futures and perps: signed USD face value and entry price. */
  readonly invQty: Float64Array;
  readonly invEntry: Float64Array;
  /** Linear futures and perps: signed coins and entry price. */
  readonly linQty: Float64Array;
  readonly linEntry: Float64Array;
  readonly options: OptionArrays;
  readonly rate: number;
  /** Source positions, in the order of the arrays above (options: the first position of each netted instrument). */
  readonly inverseFutures: readonly (PerpPosition | FuturePosition)[];
  readonly linearFutures: readonly (PerpPosition | FuturePosition)[];
  readonly optionPositions: readonly OptionPosition[];
}

export interface BookInput {
  readonly asset: string;
  readonly measure: BookMeasure;
  readonly collateral: number;
  readonly futures: readonly (PerpPosition | FuturePosition)[];
  readonly options: readonly OptionPosition[];
  /** Vol of each option (same order), decided by the caller (position vol, smile, flat). */
  readonly optionVols: readonly number[];
  readonly asOf: number;
  readonly rate: number;
}

const MS_PER_YEAR = DAYS_PER_YEAR * 24 * 3600 * 1000;

export function buildBook(input: BookInput): UnderlyingBook {
  const inv = input.futures.filter((p) => p.settle === 'inverse' && p.qty !== 0);
  const lin = input.futures.filter((p) => p.settle === 'linear' && p.qty !== 0);
  // Net positions in the same instrument (right, strike, expiry, settlement) at the same vol: margin is charged
  // on an instrument's net position, and each instrument is then revalued once per scenario.
  const byInstrument = new Map<string, { p: OptionPosition; qty: number; v: number }>();
  input.options.forEach((p, i) => {
    const v = input.optionVols[i] ?? NaN;
    const key = `${p.right}|${p.strike}|${p.expiry}|${p.settle}|${v}`;
    const e = byInstrument.get(key);
    if (e) e.qty += p.qty;
    else byInstrument.set(key, { p, qty: p.qty, v });
  });
  const net = [...byInstrument.values()].filter((x) => x.qty !== 0);
  const n = net.length;
  const options: OptionArrays = {
    n,
    qty: Float64Array.from(net, (x) => x.qty),
    strike: Float64Array.from(net, (x) => x.p.strike),
    T: Float64Array.from(net, (x) => (x.p.expiry - input.asOf) / MS_PER_YEAR),
    sigma: Float64Array.from(net, (x) => x.v),
    right: net.map((x) => x.p.right),
    inverse: Uint8Array.from(net, (x) => (x.p.settle === 'inverse' ? 1 : 0)),
    expiry: Float64Array.from(net, (x) => x.p.expiry),
  };
  const opts = net.map((x) => x.p);
  return {
    asset: input.asset,
    measure: input.measure,
    collateral: input.collateral,
    invQty: Float64Array.from(inv, (p) => p.qty),
    invEntry: Float64Array.from(inv, (p) => p.entry),
    linQty: Float64Array.from(lin, (p) => p.qty),
    linEntry: Float64Array.from(lin, (p) => p.entry),
    options,
    rate: input.rate,
    inverseFutures: inv,
    linearFutures: lin,
    optionPositions: opts,
  };
}

/**
 * Equity of a book in USD at underlying price P (see the header). Writes each option's Black-Scholes USD value per
 * coin into `optValue` (length >= options.n); `g` is scratch. Allocation-free.
 */
export function bookEquity(b: UnderlyingBook, P: number, g: Greeks, optValue: Float64Array): number {
  const o = b.options;
  for (let i = 0; i < o.n; i++) optValue[i] = blackScholes(o.right[i]!, P, o.strike[i]!, o.T[i]!, o.sigma[i]!, b.rate, g).price;
  return equityFromValues(b, P, optValue);
}

/** Equity of a book in USD at P given each option's USD value per coin at P in `optValue`. */
export function equityFromValues(b: UnderlyingBook, P: number, optValue: Float64Array): number {
  let eq = b.collateral * P;
  for (let i = 0; i < b.invQty.length; i++) eq += b.invQty[i]! * (P / b.invEntry[i]! - 1);
  for (let i = 0; i < b.linQty.length; i++) eq += b.linQty[i]! * (P - b.linEntry[i]!);
  const o = b.options;
  for (let i = 0; i < o.n; i++) eq += o.qty[i]! * optValue[i]!;
  return eq;
}

// ---------------------------------------------------------------------------------------------------------------
// The grid

/**
 * Kernel outputs of a grid: its own price and delta; gamma, vega, theta, vanna and volga, which no grid reads, go to
 * one shared write-only buffer (the kernel runs synchronously, so sharing it is safe), saving 5/12 of the memory.
 */
let sink = new Float64Array(0);
function pricedBatch(size: number): BlackOutputs {
  if (sink.length < size) sink = new Float64Array(Math.max(size, 2 * sink.length));
  const unread = sink.subarray(0, size);
  return { price: new Float64Array(size), delta: new Float64Array(size), gamma: unread, vega: unread, theta: unread, vanna: unread, volga: unread };
}

/** Vol direction of a scenario. */
export const VOL_UP = 1;
export const VOL_SAME = 0;
export const VOL_DOWN = -1;

export interface ScenarioGrid {
  /** Fractional price move of each scenario (P' = P (1 + move)). */
  readonly moves: Float64Array;
  /** VOL_UP / VOL_SAME / VOL_DOWN per scenario. */
  readonly vol: Int8Array;
  /** Weight applied to the scenario's P&L (1 for the standard grid). */
  readonly weights: Float64Array;
  /** Scenarios [0, standardCount) are the standard grid, the rest the extended table. */
  readonly standardCount: number;
  readonly count: number;
}

/** The scenario list of `params`, laid out as documented in the header. */
export function scenarioGrid(params: PortfolioGridParams): ScenarioGrid {
  const n = params.bucketsPerSide;
  const prices = 2 * n + 1;
  const standardCount = 3 * prices;
  const count = standardCount + params.extendedMoves.length;
  const moves = new Float64Array(count);
  const vol = new Int8Array(count);
  const weights = new Float64Array(count);
  let k = 0;
  for (let i = -n; i <= n; i++) {
    const m = (params.priceRange * i) / n;
    for (const v of [VOL_UP, VOL_SAME, VOL_DOWN]) {
      moves[k] = m;
      vol[k] = v;
      weights[k] = 1;
      k++;
    }
  }
  for (const e of params.extendedMoves) {
    moves[k] = e.move;
    vol[k] = VOL_UP;
    weights[k] = e.weight;
    k++;
  }
  return { moves, vol, weights, standardCount, count };
}

/** Vol-shock scale (30 / DTE)^vegaPower for an option `T` years from expiry (DTE floored at MIN_SHOCK_DTE days). */
export function vegaScale(T: number, params: PortfolioGridParams): number {
  const dte = Math.max(T * DAYS_PER_YEAR, MIN_SHOCK_DTE);
  const power = dte < 30 ? params.shortTermVegaPower : params.longTermVegaPower;
  return Math.pow(30 / dte, power);
}

/** Shocked vols of one option: up = sigma (1 + volUp f), down = max(sigma (1 - volDown f), 0). */
export const shockedVolUp = (sigma: number, T: number, p: PortfolioGridParams): number => sigma * (1 + p.volUp * vegaScale(T, p));
export const shockedVolDown = (sigma: number, T: number, p: PortfolioGridParams): number =>
  Math.max(sigma * (1 - p.volDown * vegaScale(T, p)), 0);

/** Sum of net short option contracts (coins), netting calls and puts per (expiry, strike). */
export function netShortContracts(o: OptionArrays): number {
  const net = new Map<string, number>();
  for (let i = 0; i < o.n; i++) {
    const key = `${o.expiry[i]}|${o.strike[i]}`;
    net.set(key, (net.get(key) ?? 0) + o.qty[i]!);
  }
  let s = 0;
  for (const q of net.values()) if (q < 0) s -= q;
  return s;
}

/**
 * The portfolio-margin group of one book: allocation-free revaluation on the grid. Per-option shocked vols, the
 * grid and every scratch array are built once in the constructor.
 */
export class PortfolioGroup implements CertifiableGroup {
  readonly asset: string;
  readonly grid: ScenarioGrid;
  /** Net short option contracts (coins) charged the contingency. */
  readonly netShort: number;
  private readonly volUp: Float64Array;
  private readonly volDown: Float64Array;
  private readonly base: Float64Array;
  private readonly pnl: Float64Array;
  /**
   * Every revaluation of the grid as one batch: row s (0..count-1) holds the options at scenario s, row `count`
   * at the unshocked price. Inputs other than spot are fixed at build time; one kernel call prices all rows.
   */
  private readonly batch: BlackInputs;
  private readonly priced: BlackOutputs;
  /** Sums over the futures, in the order fillPnl has always added them. */
  private readonly invQ: number;
  private readonly invQoverE: number;
  private readonly linQ: number;
  /** Snapshot length for the liquidation solver (0: this grid cannot be bounded, see canBound). */
  readonly snapshotSize: number;
  /** Coefficients of the bounds, built on first use (see BoundData). */
  private bd: BoundData | null = null;
  /** The price at which every row of the batch was last priced (NaN: none, or rows since overwritten). */
  private pricedAt = NaN;

  constructor(
    readonly book: UnderlyingBook,
    readonly params: PortfolioGridParams,
  ) {
    this.asset = book.asset;
    this.grid = scenarioGrid(params);
    const o = book.options;
    this.volUp = new Float64Array(o.n);
    this.volDown = new Float64Array(o.n);
    for (let i = 0; i < o.n; i++) {
      this.volUp[i] = shockedVolUp(o.sigma[i]!, o.T[i]!, params);
      this.volDown[i] = shockedVolDown(o.sigma[i]!, o.T[i]!, params);
    }
    this.base = new Float64Array(o.n);
    this.pnl = new Float64Array(this.grid.count);
    this.netShort = netShortContracts(o);
    let invQ = 0; // sum of inverse face values
    let invQoverE = 0;
    for (let i = 0; i < book.invQty.length; i++) {
      invQ += book.invQty[i]!;
      invQoverE += book.invQty[i]! / book.invEntry[i]!;
    }
    let linQ = 0;
    for (let i = 0; i < book.linQty.length; i++) linQ += book.linQty[i]!;
    this.invQ = invQ;
    this.invQoverE = invQoverE;
    this.linQ = linQ;
    this.snapshotSize = canBound(this.grid, params) ? SNAP_HEAD + SNAP_ROW * (this.grid.count + 1) : 0;
    const rows = this.grid.count + 1;
    this.batch = newOptionBatch(rows * o.n);
    this.priced = pricedBatch(rows * o.n);
    for (let s = 0; s < rows; s++) {
      const dir = s < this.grid.count ? this.grid.vol[s]! : VOL_SAME;
      for (let i = 0; i < o.n; i++) {
        const j = s * o.n + i;
        this.batch.w[j] = o.right[i] === 'call' ? 1 : -1;
        this.batch.strike[j] = o.strike[i]!;
        this.batch.years[j] = o.T[i]!;
        this.batch.vol[j] = dir === VOL_UP ? this.volUp[i]! : dir === VOL_DOWN ? this.volDown[i]! : o.sigma[i]!;
        this.batch.rate[j] = book.rate;
      }
    }
  }

  /**
   * Prices every option at P and at every scenario price of P in one batch; fills this.base. The batch's inputs
   * other than spot never change, so when it already holds every row at P (the last full revaluation, e.g. the
   * report's terms at the mark before the liquidation solver starts there) nothing is recomputed.
   */
  private revalue(P: number): void {
    const n = this.book.options.n;
    if (n === 0 || P === this.pricedAt) return;
    const count = this.grid.count;
    const spot = this.batch.spot;
    for (let s = 0; s < count; s++) spot.fill(P * (1 + this.grid.moves[s]!), s * n, (s + 1) * n);
    spot.fill(P, count * n, (count + 1) * n);
    blackScholesRange(this.batch, this.priced, 0, (count + 1) * n);
    this.base.set(this.priced.price.subarray(count * n, (count + 1) * n));
    this.pricedAt = P;
  }

  /**
   * Per-scenario P&L in USD at current price P (unweighted; coin P&L converted at P for a 'coin' book), written
   * into `out` (length >= grid.count) in grid order. Allocation-free.
   */
  scenarioPnl(P: number, out: Float64Array): Float64Array {
    this.revalue(P);
    this.fillPnl(P, out);
    return out;
  }

  /** Requires this.base to hold the option values at P. */
  private fillPnl(P: number, out: Float64Array): void {
    for (let s = 0; s < this.grid.count; s++) out[s] = this.pnlRow(s, P);
  }

  /** P&L of scenario s at P (see scenarioPnl); requires this.base and row s of the batch priced at P. */
  private pnlRow(s: number, P: number): number {
    const b = this.book;
    const o = b.options;
    const grid = this.grid;
    const price = this.priced.price;
    const coin = b.measure === 'coin';
    const Ps = P * (1 + grid.moves[s]!);
    let pnl = 0;
    if (s < grid.standardCount) {
      pnl += this.linQ * (Ps - P);
      // coin book: coin P&L of inverse futures sum q (1/P - 1/P'), converted at P; usd book: USD P&L
      pnl += coin ? this.invQ * (1 - P / Ps) : (b.collateral + this.invQoverE) * (Ps - P);
    }
    for (let i = 0, j = s * o.n; i < o.n; i++, j++) {
      const v = price[j]!;
      const q = o.qty[i]!;
      // coin-settled option in a coin book: q (V'/P' - V/P) coins, times P; otherwise q (V' - V) USD
      pnl += coin && o.inverse[i] === 1 ? q * (v * (P / Ps) - this.base[i]!) : q * (v - this.base[i]!);
    }
    return pnl;
  }

  /** Initial margin (USD) at P: worst weighted loss + contingency. Requires this.base at P. */
  private initialAt(P: number): number {
    this.fillPnl(P, this.pnl);
    const grid = this.grid;
    let worst = 0;
    for (let s = 0; s < grid.count; s++) {
      const loss = -grid.weights[s]! * this.pnl[s]!;
      if (loss > worst) worst = loss;
    }
    return worst + this.params.shortOptionContingency * this.netShort * P;
  }

  accumulate(price: number, out: MarginTerms): void {
    this.revalue(price);
    const eq = equityFromValues(this.book, price, this.base);
    const im = this.initialAt(price);
    const mm = this.params.mmFactor * im;
    out.balance += eq;
    out.initial += im;
    out.maintenance += mm;
    out.liabilities += mm;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Bounds for the liquidation solver (liquidation/certify.ts; the argument is in the BOUNDS note below the class)

  accumulateBounded(price: number, out: MarginTerms, snap: Float64Array, offA: number, offB: number, off: number): void {
    const n = this.book.options.n;
    const allowance = offA >= 0 && this.snapshotSize > 0 && n > 0 ? this.rowBounds(price, snap, offA, offB, true) : NaN;
    const count = this.grid.count;
    let B = NaN;
    if (allowance >= 0) {
      // the base row, exactly: the equity, and B in every row's loss
      this.pricedAt = NaN;
      this.priceRow(count, price);
      this.base.set(this.priced.price.subarray(count * n, (count + 1) * n));
      B = 0;
      for (let i = 0; i < n; i++) B += this.book.options.qty[i]! * this.base[i]!;
    }
    if (!Number.isFinite(B)) {
      this.accumulate(price, out);
      if (off >= 0 && this.snapshotSize > 0) this.snapshot(price, snap, off, null);
      return;
    }
    const d = this.bd!;
    const w = this.grid.weights;
    const eq = equityFromValues(this.book, price, this.base);
    // initialAt over the rows in decreasing order of their loss's upper bound, stopping where that bound is below
    // the worst loss found: the same maximum, so the same doubles
    const order = d.order;
    for (let s = 0; s < count; s++) {
      d.upper[s] = w[s]! * (B - (d.linA[s]! * price + d.linB[s]!) - d.rlo[s]!);
      d.need[s] = 0;
      let k = s;
      while (k > 0 && d.upper[order[k - 1]!]! < d.upper[s]!) {
        order[k] = order[k - 1]!;
        k--;
      }
      order[k] = s;
    }
    let worst = 0;
    for (let k = 0; k < count; k++) {
      const s = order[k]!;
      if (d.upper[s]! < worst - allowance) break;
      this.priceRow(s, price);
      d.need[s] = 1;
      const loss = -w[s]! * this.pnlRow(s, price);
      if (loss > worst) worst = loss;
    }
    const im = worst + this.params.shortOptionContingency * this.netShort * price;
    const mm = this.params.mmFactor * im;
    out.balance += eq;
    out.initial += im;
    out.maintenance += mm;
    out.liabilities += mm;
    if (off >= 0) this.snapshot(price, snap, off, d.need);
  }

  /** Prices row r of the batch (scenario r, or the base row `count`) at underlying price P; as revalue does. */
  private priceRow(r: number, P: number): void {
    const n = this.book.options.n;
    this.batch.spot.fill(r < this.grid.count ? P * (1 + this.grid.moves[r]!) : P, r * n, (r + 1) * n);
    blackScholesRange(this.batch, this.priced, r * n, (r + 1) * n);
  }

  excessBounds(price: number, snap: Float64Array, offA: number, offB: number, refine: boolean, out: Float64Array): void {
    const allowance = this.snapshotSize > 0 ? this.rowBounds(price, snap, offA, offB, refine) : NaN;
    if (!(allowance >= 0)) {
      out[0] = -Infinity;
      out[1] = Infinity;
      out[2] = 0;
      return;
    }
    this.excessFromRows(price, allowance, out);
  }

  probe(price: number, snap: Float64Array, offA: number, offB: number, off: number, out: Float64Array): boolean {
    const n = this.book.options.n;
    const allowance = offA >= 0 && this.snapshotSize > 0 && n > 0 ? this.rowBounds(price, snap, offA, offB, true) : NaN;
    if (!(allowance >= 0)) return false;
    const d = this.bd!;
    const count = this.grid.count;
    this.pricedAt = NaN;
    this.priceRow(count, price);
    this.base.set(this.priced.price.subarray(count * n, (count + 1) * n));
    let B = 0;
    for (let i = 0; i < n; i++) B += this.book.options.qty[i]! * this.base[i]!;
    if (!Number.isFinite(B)) return false;
    d.rlo[count] = B;
    d.rhi[count] = B;
    d.need.fill(0);
    this.snapshot(price, snap, off, d.need); // the base row exact, the scenario rows as their intervals
    this.excessFromRows(price, allowance, out);
    return true;
  }

  /** excessBounds' arithmetic from the row bounds in bd (after rowBounds, the base's range possibly narrowed). */
  private excessFromRows(price: number, allowance: number, out: Float64Array): void {
    const d = this.bd!;
    const count = this.grid.count;
    const w = this.grid.weights;
    const mm = this.params.mmFactor;
    const bLo = d.rlo[count]!;
    const bHi = d.rhi[count]!;
    // upper bounds of the worst loss (rows at their lowest P&L) with the base at bLo and bHi; lower bounds with the
    // rows at their highest P&L, base at bLo and bHi
    let uAtLo = 0;
    let uAtHi = 0;
    let lAtLo = 0;
    let lAtHi = 0;
    for (let s = 0; s < count; s++) {
      const ls = d.linA[s]! * price + d.linB[s]!;
      const ws = w[s]!;
      uAtLo = Math.max(uAtLo, ws * (bLo - ls - d.rlo[s]!));
      uAtHi = Math.max(uAtHi, ws * (bHi - ls - d.rlo[s]!));
      lAtLo = Math.max(lAtLo, ws * (bLo - ls - d.rhi[s]!));
      lAtHi = Math.max(lAtHi, ws * (bHi - ls - d.rhi[s]!));
    }
    const eq = d.eqA * price + d.eqC;
    const cont = d.contN * price;
    // excess = eq + B - mm (worst + cont): concave in B (min at an end), nondecreasing in B when mm w <= 1
    out[0] = Math.min(eq + bLo - mm * (uAtLo + cont), eq + bHi - mm * (uAtHi + cont));
    out[1] = eq + bHi - mm * ((d.monotone ? lAtHi : lAtLo) + cont);
    out[2] = allowance;
  }

  /**
   * Records the snapshot at `price` into snap[off ...]: every row priced (need null, or need[r] = 1) exactly from
   * the batch, the others (need[r] = 0) as the intervals rowBounds has just computed at this price.
   */
  private snapshot(price: number, snap: Float64Array, off: number, need: Uint8Array | null): void {
    const d = this.boundData();
    const n = this.book.options.n;
    const count = this.grid.count;
    const { price: value, delta } = this.priced;
    let abs = 0;
    let dabs = 0;
    for (let r = 0; r <= count; r++) {
      const o = off + SNAP_HEAD + SNAP_ROW * r;
      if (need !== null && r < count && need[r] === 0) {
        snap[o] = d.posLo[r]!;
        snap[o + 1] = d.posHi[r]!;
        snap[o + 2] = d.dposLo[r]!;
        snap[o + 3] = d.dposHi[r]!;
        snap[o + 4] = d.negLo[r]!;
        snap[o + 5] = d.negHi[r]!;
        snap[o + 6] = d.dnegLo[r]!;
        snap[o + 7] = d.dnegHi[r]!;
      } else {
        let pv = 0;
        let pd = 0;
        let nv = 0;
        let nd = 0;
        for (let i = 0, j = r * n; i < n; i++, j++) {
          const c = d.coef[j]!;
          if (c > 0) {
            pv += c * value[j]!;
            pd += c * delta[j]!;
          } else {
            nv -= c * value[j]!;
            nd -= c * delta[j]!;
          }
        }
        const f = d.dfac[r]!;
        snap[o] = snap[o + 1] = pv;
        snap[o + 2] = snap[o + 3] = pd * f;
        snap[o + 4] = snap[o + 5] = nv;
        snap[o + 6] = snap[o + 7] = nd * f;
      }
      abs += Math.abs(snap[o + 1]!) + Math.abs(snap[o + 5]!);
      dabs += Math.max(Math.abs(snap[o + 2]!), Math.abs(snap[o + 3]!)) + Math.max(Math.abs(snap[o + 6]!), Math.abs(snap[o + 7]!));
    }
    snap[off] = price;
    snap[off + 1] = abs;
    snap[off + 2] = dabs;
  }

  /**
   * Bounds at `price` of every row's convex sums Pos_r, Neg_r (values and slopes, into bd) and of
   * R_r = Pos_r - Neg_r (bd.rlo / bd.rhi; row `count`: the base B): between the snapshots at offA and offB, or on
   * either side of the one at offA when offB < 0 (see the BOUNDS note); refine adds the intrinsic floors. Returns
   * the rounding allowance, or NaN when `price` is outside or a bound is not finite.
   */
  private rowBounds(price: number, snap: Float64Array, offA: number, offB: number, refine: boolean): number {
    const d = this.boundData();
    const count = this.grid.count;
    let check = 0; // sum of the upper bounds (magnitude of the values at price)
    let finite = 0; // NaN or infinite when a lower bound is
    let spread: number;
    if (offB < 0) {
      // one snapshot a: above the tangent at a (its slope within the snapshot's interval); above a, below the line
      // of the largest slope (a call's delta is <= 1), slopes from a's up to it; below a, below the chord from
      // price 0 (where a put is worth K e^{-rT}, a call 0) and above the tangent there (the smallest slope, a put's
      // delta >= -1), slopes from it up to a's
      const a = snap[offA]!;
      const da = price - a;
      const up = da > 0;
      const t0 = price / a;
      if (!up && !(price >= 0 && a > 0)) return NaN;
      for (let r = 0; r <= count; r++) {
        const o = offA + SNAP_HEAD + SNAP_ROW * r;
        const pMax = d.posCall[r]!;
        const pMin = -d.posPut[r]!;
        const nMax = d.negCall[r]!;
        const nMin = -d.negPut[r]!;
        const posHi = up ? snap[o + 1]! + pMax * da : d.pos0[r]! + (snap[o + 1]! - d.pos0[r]!) * t0;
        const posLo = Math.max(snap[o]! + (up ? snap[o + 2]! : snap[o + 3]!) * da, up ? 0 : d.pos0[r]! + pMin * price, 0);
        const negHi = up ? snap[o + 5]! + nMax * da : d.neg0[r]! + (snap[o + 5]! - d.neg0[r]!) * t0;
        const negLo = Math.max(snap[o + 4]! + (up ? snap[o + 6]! : snap[o + 7]!) * da, up ? 0 : d.neg0[r]! + nMin * price, 0);
        d.posLo[r] = posLo;
        d.posHi[r] = posHi;
        d.negLo[r] = negLo;
        d.negHi[r] = negHi;
        d.dposLo[r] = up ? snap[o + 2]! : pMin;
        d.dposHi[r] = up ? pMax : snap[o + 3]!;
        d.dnegLo[r] = up ? snap[o + 6]! : nMin;
        d.dnegHi[r] = up ? nMax : snap[o + 7]!;
        d.rlo[r] = posLo - negHi;
        d.rhi[r] = posHi - negLo;
        check += posHi + negHi;
        finite += posLo + negLo;
      }
      spread = snap[offA + 1]! + (snap[offA + 2]! + d.slopeAbs) * Math.abs(da);
    } else {
      // two snapshots a < b: above both end tangents (and >= 0), below the chord; slopes between those at a and b
      let oa = offA;
      let ob = offB;
      if (snap[oa]! > snap[ob]!) [oa, ob] = [ob, oa];
      const a = snap[oa]!;
      const b = snap[ob]!;
      if (!(price >= a && price <= b && b > a)) return NaN;
      const t = (price - a) / (b - a);
      const da = price - a;
      const db = price - b;
      for (let r = 0; r <= count; r++) {
        const o = oa + SNAP_HEAD + SNAP_ROW * r;
        const q = ob + SNAP_HEAD + SNAP_ROW * r;
        const posHi = snap[o + 1]! + (snap[q + 1]! - snap[o + 1]!) * t;
        const posLo = Math.max(snap[o]! + snap[o + 2]! * da, snap[q]! + snap[q + 3]! * db, 0);
        const negHi = snap[o + 5]! + (snap[q + 5]! - snap[o + 5]!) * t;
        const negLo = Math.max(snap[o + 4]! + snap[o + 6]! * da, snap[q + 4]! + snap[q + 7]! * db, 0);
        d.posLo[r] = posLo;
        d.posHi[r] = posHi;
        d.negLo[r] = negLo;
        d.negHi[r] = negHi;
        d.dposLo[r] = snap[o + 2]!;
        d.dposHi[r] = snap[q + 3]!;
        d.dnegLo[r] = snap[o + 6]!;
        d.dnegHi[r] = snap[q + 7]!;
        d.rlo[r] = posLo - negHi;
        d.rhi[r] = posHi - negLo;
        check += posHi + negHi;
        finite += posLo + negLo;
      }
      spread = Math.max(snap[oa + 1]!, snap[ob + 1]!) + Math.max(snap[oa + 2]!, snap[ob + 2]!) * (b - a);
    }
    if (refine) {
      // intrinsic floors: a call is worth at least S - K e^{-rT}, a put K e^{-rT} - S, and 0 (summed option by
      // option through sorted prefix sums, d.intrinsic)
      const out = d.intrinsicOut;
      for (let r = 0; r <= count; r++) {
        intrinsicSums(d.intrinsic, price * d.dfac[r]!, r < count && d.coin ? 1 / d.dfac[r]! : 1, out);
        if (out[0]! > d.posLo[r]!) {
          d.rlo[r] = d.rlo[r]! + (out[0]! - d.posLo[r]!);
          d.posLo[r] = out[0]!;
        }
        if (out[1]! > d.negLo[r]!) {
          d.rhi[r] = d.rhi[r]! - (out[1]! - d.negLo[r]!);
          d.negLo[r] = out[1]!;
        }
      }
    }
    if (!Number.isFinite(check + finite + spread)) return NaN;
    const mm = this.params.mmFactor;
    let lin = 0;
    for (let s = 0; s < count; s++) lin = Math.max(lin, this.grid.weights[s]! * (d.linAbsA[s]! * price + d.linAbsB[s]!));
    const magnitude =
      d.eqAbsA * price + d.eqAbsC + mm * (lin + Math.abs(d.contN * price)) + (1 + mm * d.wmax) * (check + spread + d.slopeAbs * price + d.kAbs);
    return BOUND_ALLOWANCE * magnitude;
  }

  private boundData(): BoundData {
    return (this.bd ??= boundData(this));
  }
}

/**
 * BOUNDS (PortfolioGroup.accumulateBounded / excessBounds / probe, used by liquidation/certify.ts). At underlying
 * price p the group's excess is
 *   eq(p) + B(p) - mm (max(0, max_s w_s (B(p) - L_s(p) - R_s(p))) + c N p)
 * with eq and L_s (collateral and futures, their scenario P&L) affine in p, and every option in sums of the form
 *   B(p) = sum_i q_i V_i(p),  R_s(p) = sum_i q_i k_is V_i(p (1 + m_s)),  k_is = 1 / (1 + m_s) (coin-settled in a
 *   coin book, the exact value of P / P') or 1.
 * Black-Scholes values are convex in spot (gamma >= 0; intrinsic at expiry or zero vol is convex too, and the
 * kernel's delta is a subgradient there), so each row splits into two convex sums, Pos_r (terms with a positive
 * coefficient) and Neg_r. A snapshot at price a keeps, for each, an interval for its value and one for its slope
 * d/dp (the kernel's deltas times 1 + m_r; both intervals are points for a row priced at a). Bounds of a convex sum
 * at p:
 * - between snapshots a < p < b: above both end tangents, below the chord; slope between those at a and b;
 * - from one snapshot a: above its tangent; for p > a below the line from a with the largest slope (a call's delta
 *   is at most 1, a put's at most 0); for p < a below the chord from p = 0, where the sum's value is known (a put is
 *   worth K e^{-rT} there, a call 0), and above the tangent at 0 (a put's delta is at least -1);
 * - always above 0 and, when refined, above the sum of its options' intrinsic values (a call is worth at least
 *   S - K e^{-rT}, a put K e^{-rT} - S), summed through sorted prefix sums (IntrinsicClass) in O(log n).
 * That bounds R_s and B. The excess is nondecreasing in every R_s and concave in B (B minus a convex function of B;
 * nondecreasing when mm w_s <= 1), so its lower bound is the smaller of its values at R = R_lo with B at either end
 * of B's range, and its upper bound the value at R = R_hi with B at B_hi (at B_lo inside the max when mm w_s can
 * exceed 1). A probe prices the unshocked row only, so B is exact. An evaluation (accumulateBounded) prices the
 * unshocked row, then the scenario rows in decreasing order of their loss's upper bound until that bound falls
 * below the worst loss found: the maximum, so the terms, are the same doubles as accumulate's; the snapshot keeps
 * the unpriced rows' intervals. Rounding: every bound keeps an allowance of BOUND_ALLOWANCE times the sum of the
 * magnitudes that enter the computed excess and the bounds (every row's sums included), far above the rounding of
 * the kernel (~1e-15 relative) and of the sums (n eps); a grid point or row is decided only beyond it.
 */
const BOUND_ALLOWANCE = 1e-9;
/** Snapshot head: price, sum of |Pos| + |Neg| upper values over rows, sum of their largest |slopes|. */
const SNAP_HEAD = 3;
/** Per row (base last): Pos value lo, hi, slope lo, hi; Neg value lo, hi, slope lo, hi. */
const SNAP_ROW = 8;

interface BoundData {
  /** Coefficient of option i's value in row r (rows * n; the base row `count`: qty). */
  readonly coef: Float64Array;
  /** dP'/dP of row r: 1 + m_r (base 1). */
  readonly dfac: Float64Array;
  /** Scenario P&L of collateral and futures at p: linA p + linB (0 for extended moves); magnitudes of its terms. */
  readonly linA: Float64Array;
  readonly linB: Float64Array;
  readonly linAbsA: Float64Array;
  readonly linAbsB: Float64Array;
  /** Equity of collateral and futures at p: eqA p + eqC; magnitudes eqAbsA p + eqAbsC. */
  readonly eqA: number;
  readonly eqC: number;
  readonly eqAbsA: number;
  readonly eqAbsC: number;
  readonly wmax: number;
  /** mm w_s <= 1 for every scenario: the excess is nondecreasing in B. */
  readonly monotone: boolean;
  /** shortOptionContingency x netShort. */
  readonly contN: number;
  /** Largest slope of each row's Pos / Neg sum (calls' delta <= 1) and minus the smallest (puts' delta >= -1). */
  readonly posCall: Float64Array;
  readonly posPut: Float64Array;
  readonly negCall: Float64Array;
  readonly negPut: Float64Array;
  /** Sum of every extreme slope above. */
  readonly slopeAbs: number;
  /** Each row's Pos / Neg sum at underlying price 0 (puts at K e^{-rT}, calls 0). */
  readonly pos0: Float64Array;
  readonly neg0: Float64Array;
  /** Sum over rows and options of |coef| K e^{-rT} (magnitude of the intrinsic floors). */
  readonly kAbs: number;
  /** A coin book (coin-settled options' coefficients are qty / (1 + m) in the scenario rows). */
  readonly coin: boolean;
  readonly intrinsic: readonly IntrinsicClass[];
  readonly intrinsicOut: Float64Array;
  /** Scratch of rowBounds, per row: Pos and Neg value and slope intervals, R = Pos - Neg interval. */
  readonly posLo: Float64Array;
  readonly posHi: Float64Array;
  readonly negLo: Float64Array;
  readonly negHi: Float64Array;
  readonly dposLo: Float64Array;
  readonly dposHi: Float64Array;
  readonly dnegLo: Float64Array;
  readonly dnegHi: Float64Array;
  readonly rlo: Float64Array;
  readonly rhi: Float64Array;
  /** Scratch of accumulateBounded: upper bound of each scenario's loss, the scenarios in decreasing order of it, priced or not. */
  readonly upper: Float64Array;
  readonly order: Int32Array;
  readonly need: Uint8Array;
}

/** The grid can be bounded: finite parameters, scenario prices > 0, weights and mmFactor >= 0. */
function canBound(grid: ScenarioGrid, params: PortfolioGridParams): boolean {
  if (!(params.mmFactor >= 0 && Number.isFinite(params.mmFactor) && Number.isFinite(params.shortOptionContingency))) return false;
  for (let s = 0; s < grid.count; s++) {
    if (!(grid.moves[s]! > -1 && Number.isFinite(grid.moves[s]!))) return false;
    if (!(grid.weights[s]! >= 0 && Number.isFinite(grid.weights[s]!))) return false;
  }
  return true;
}

function boundData(g: PortfolioGroup): BoundData {
  const { book: b, grid, params } = g;
  const o = b.options;
  const n = o.n;
  const count = grid.count;
  const rows = count + 1;
  const coin = b.measure === 'coin';
  const coef = new Float64Array(rows * n);
  const dfac = new Float64Array(rows);
  const posCall = new Float64Array(rows);
  const posPut = new Float64Array(rows);
  const negCall = new Float64Array(rows);
  const negPut = new Float64Array(rows);
  const pos0 = new Float64Array(rows);
  const neg0 = new Float64Array(rows);
  const kdf = Float64Array.from(o.strike, (K, i) => (o.T[i]! > 0 ? K * Math.exp(-b.rate * o.T[i]!) : K));
  let slopeAbs = 0;
  let kAbs = 0;
  for (let r = 0; r < rows; r++) {
    const m = r < count ? grid.moves[r]! : 0;
    dfac[r] = 1 + m;
    for (let i = 0; i < n; i++) {
      const c = r < count && coin && o.inverse[i] === 1 ? o.qty[i]! / (1 + m) : o.qty[i]!;
      coef[r * n + i] = c;
      const slope = Math.abs(c) * (1 + m);
      const call = o.right[i] === 'call';
      if (c > 0 && call) posCall[r]! += slope;
      else if (c > 0) posPut[r]! += slope;
      else if (call) negCall[r]! += slope;
      else negPut[r]! += slope;
      if (!call && c > 0) pos0[r]! += c * kdf[i]!;
      else if (!call) neg0[r]! -= c * kdf[i]!;
      slopeAbs += slope;
      kAbs += Math.abs(c) * kdf[i]!;
    }
  }
  let invQ = 0;
  let invQoverE = 0;
  let invAbs = 0;
  let invAbsOverE = 0;
  for (let i = 0; i < b.invQty.length; i++) {
    invQ += b.invQty[i]!;
    invQoverE += b.invQty[i]! / b.invEntry[i]!;
    invAbs += Math.abs(b.invQty[i]!);
    invAbsOverE += Math.abs(b.invQty[i]! / b.invEntry[i]!);
  }
  let linQ = 0;
  let linQE = 0;
  let linAbs = 0;
  let linAbsE = 0;
  for (let i = 0; i < b.linQty.length; i++) {
    linQ += b.linQty[i]!;
    linQE += b.linQty[i]! * b.linEntry[i]!;
    linAbs += Math.abs(b.linQty[i]!);
    linAbsE += Math.abs(b.linQty[i]! * b.linEntry[i]!);
  }
  const linA = new Float64Array(count);
  const linB = new Float64Array(count);
  const linAbsA = new Float64Array(count);
  const linAbsB = new Float64Array(count);
  let wmax = 0;
  for (let s = 0; s < count; s++) {
    wmax = Math.max(wmax, grid.weights[s]!);
    if (s >= grid.standardCount) continue;
    const m = grid.moves[s]!;
    linA[s] = coin ? linQ * m : (linQ + b.collateral + invQoverE) * m;
    linB[s] = coin ? (invQ * m) / (1 + m) : 0;
    linAbsA[s] = (linAbs + Math.abs(b.collateral) + invAbsOverE) * (2 + Math.abs(m));
    linAbsB[s] = invAbs * (1 + 1 / (1 + m));
  }
  const scratch = (): Float64Array => new Float64Array(rows);
  return {
    coef,
    dfac,
    linA,
    linB,
    linAbsA,
    linAbsB,
    eqA: b.collateral + invQoverE + linQ,
    eqC: -invQ - linQE,
    eqAbsA: Math.abs(b.collateral) + invAbsOverE + linAbs,
    eqAbsC: invAbs + linAbsE,
    wmax,
    monotone: params.mmFactor * wmax <= 1,
    contN: params.shortOptionContingency * g.netShort,
    posCall,
    posPut,
    negCall,
    negPut,
    slopeAbs,
    kAbs,
    coin,
    intrinsic: intrinsicClasses(o, kdf),
    intrinsicOut: new Float64Array(2),
    pos0,
    neg0,
    posLo: scratch(),
    posHi: scratch(),
    negLo: scratch(),
    negHi: scratch(),
    dposLo: scratch(),
    dposHi: scratch(),
    dnegLo: scratch(),
    dnegHi: scratch(),
    rlo: scratch(),
    rhi: scratch(),
    upper: new Float64Array(count),
    order: new Int32Array(count),
    need: new Uint8Array(count),
  };
}

/**
 * Options of one right and one settlement (coin-settled or not), sorted by K e^{-rT}, with prefix sums of the
 * positive and negative quantities and of those times K e^{-rT}: the sum of q max(w (S - K e^{-rT}), 0) over them,
 * split by the sign of q, in O(log n) for any spot S.
 */
interface IntrinsicClass {
  readonly call: boolean;
  readonly inverse: boolean;
  readonly k: Float64Array;
  readonly qp: Float64Array;
  readonly qkp: Float64Array;
  readonly qn: Float64Array;
  readonly qkn: Float64Array;
}

function intrinsicClasses(o: OptionArrays, kdf: Float64Array): IntrinsicClass[] {
  const classes: IntrinsicClass[] = [];
  for (const call of [true, false]) {
    for (const inverse of [true, false]) {
      const idx: number[] = [];
      for (let i = 0; i < o.n; i++) if ((o.right[i] === 'call') === call && (o.inverse[i] === 1) === inverse) idx.push(i);
      if (idx.length === 0) continue;
      idx.sort((x, y) => kdf[x]! - kdf[y]!);
      const len = idx.length;
      const k = Float64Array.from(idx, (i) => kdf[i]!);
      const qp = new Float64Array(len + 1);
      const qkp = new Float64Array(len + 1);
      const qn = new Float64Array(len + 1);
      const qkn = new Float64Array(len + 1);
      idx.forEach((i, j) => {
        const q = o.qty[i]!;
        qp[j + 1] = qp[j]! + Math.max(q, 0);
        qkp[j + 1] = qkp[j]! + Math.max(q, 0) * kdf[i]!;
        qn[j + 1] = qn[j]! + Math.max(-q, 0);
        qkn[j + 1] = qkn[j]! + Math.max(-q, 0) * kdf[i]!;
      });
      classes.push({ call, inverse, k, qp, qkp, qn, qkn });
    }
  }
  return classes;
}

/**
 * out[0] = sum over options with q > 0 of q f max(w (S - K e^{-rT}), 0), out[1] the same over q < 0 with |q|; f is
 * `inverseFactor` for coin-settled options, 1 for the others.
 */
function intrinsicSums(classes: readonly IntrinsicClass[], S: number, inverseFactor: number, out: Float64Array): void {
  let pos = 0;
  let neg = 0;
  for (const c of classes) {
    // j = number of options with K e^{-rT} < S
    let lo = 0;
    let hi = c.k.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c.k[mid]! < S) lo = mid + 1;
      else hi = mid;
    }
    const j = lo;
    const last = c.k.length;
    const f = c.inverse ? inverseFactor : 1;
    if (c.call) {
      pos += f * Math.max(S * c.qp[j]! - c.qkp[j]!, 0);
      neg += f * Math.max(S * c.qn[j]! - c.qkn[j]!, 0);
    } else {
      pos += f * Math.max(c.qkp[last]! - c.qkp[j]! - S * (c.qp[last]! - c.qp[j]!), 0);
      neg += f * Math.max(c.qkn[last]! - c.qkn[j]! - S * (c.qn[last]! - c.qn[j]!), 0);
    }
  }
  out[0] = pos;
  out[1] = neg;
}
