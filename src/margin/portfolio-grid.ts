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
 */
import type { Right } from '../pricing/black.ts';
import { blackScholes } from '../pricing/black.ts';
import type { Greeks } from '../pricing/black.ts';
import { blackScholesRange, type BlackInputs, type BlackOutputs } from '../pricing/black-kernel.ts';
import { newGreeksBatch, newOptionBatch } from '../pricing/batch.ts';
import type { FuturePosition, OptionPosition, PerpPosition } from '../model/types.ts';
import type { AssetGroup, MarginTerms } from './terms.ts';
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
export class PortfolioGroup implements AssetGroup {
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
    const rows = this.grid.count + 1;
    this.batch = newOptionBatch(rows * o.n);
    this.priced = newGreeksBatch(rows * o.n);
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

  /** Prices every option at P and at every scenario price of P in one batch; fills this.base. */
  private revalue(P: number): void {
    const n = this.book.options.n;
    if (n === 0) return;
    const count = this.grid.count;
    const spot = this.batch.spot;
    for (let s = 0; s < count; s++) spot.fill(P * (1 + this.grid.moves[s]!), s * n, (s + 1) * n);
    spot.fill(P, count * n, (count + 1) * n);
    blackScholesRange(this.batch, this.priced, 0, (count + 1) * n);
    this.base.set(this.priced.price.subarray(count * n, (count + 1) * n));
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
    const b = this.book;
    const o = b.options;
    const grid = this.grid;
    const price = this.priced.price;
    const coin = b.measure === 'coin';
    let invQ = 0; // sum of inverse face values
    let invQoverE = 0;
    for (let i = 0; i < b.invQty.length; i++) {
      invQ += b.invQty[i]!;
      invQoverE += b.invQty[i]! / b.invEntry[i]!;
    }
    let linQ = 0;
    for (let i = 0; i < b.linQty.length; i++) linQ += b.linQty[i]!;
    for (let s = 0; s < grid.count; s++) {
      const Ps = P * (1 + grid.moves[s]!);
      let pnl = 0;
      if (s < grid.standardCount) {
        pnl += linQ * (Ps - P);
        // coin book: coin P&L of inverse futures sum q (1/P - 1/P'), converted at P; usd book: USD P&L
        pnl += coin ? invQ * (1 - P / Ps) : (b.collateral + invQoverE) * (Ps - P);
      }
      for (let i = 0, j = s * o.n; i < o.n; i++, j++) {
        const v = price[j]!;
        const q = o.qty[i]!;
        // coin-settled option in a coin book: q (V'/P' - V/P) coins, times P; otherwise q (V' - V) USD
        pnl += coin && o.inverse[i] === 1 ? q * (v * (P / Ps) - this.base[i]!) : q * (v - this.base[i]!);
      }
      out[s] = pnl;
    }
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
}
