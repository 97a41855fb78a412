/**
 * The simulated venue: an ExecutionAdapter for backtests.
 *
 * What is modelled:
 * - Intrabar path: each bar is walked as four points, open -> low -> high -> close when the bar is down
 *   (close < open), else open -> high -> low -> close, so a wick reaches stops and liquidations before the close.
 *   With several assets, every asset walks its own path and point k of each is taken together (no intrabar
 *   correlation is known beyond that).
 * - Latency: orders submitted at the close of bar t fill at the first intrabar point of bar t + latencyBars (its
 *   open; default latencyBars 1: the next point after the decision). A slice of a sliced plan (Order.slice.afterMs)
 *   is due ceil(afterMs / interval) bars later; cancelPending drops what has not filled.
 * - Fills: market orders at the point's price moved against the order by the half-spread and the planner's
 *   square-root impact (planner/cost.ts linearTradeCost, the same liquidity and fee tables, overridable), plus the
 *   venue's taker fee on the notional. Reduce and close orders never flip a position (reduce-only); a close takes
 *   the position's current quantity.
 * - Partial fills: at most maxParticipation x the bar's volume (base units) per asset per bar; the rest of the
 *   order is cancelled at the end of the bar (IOC per bar) and recorded: the policies re-plan from the actual book
 *   at the next close.
 * - Funding: at the bar whose open is a funding time, each perp pays qty x mark x rate (linear, USD; inverse: face /
 *   mark x rate, coin); positive rate: longs pay. Futures pay none.
 * - Liquidation engine, at every intrabar point, per bucket (the cross account or an isolated position), when
 *   balance <= maintenance (the core's condition, margin/terms.ts):
 *   - tiered (Binance, Bybit, OKX, Hyperliquid) and Deribit / weighted: the bucket's positions are closed at that
 *     point's price (no slippage), with a liquidation fee of rate x notional (tiered: the position's
 *     liquidationFeeRate, else execution.liquidationFeeRate, else the preset's; others: execution's, else 0), and on
 *     a tiered venue (unless execution.liquidationFeeRate is set) the preset's clearance fee, clearanceFeeRate x the
 *     contracts' notional, taken from what is left of the bucket's balance after the liquidation fee and never more
 *     (Binance's insurance clearance fee: outside maintenance, so it moves no liquidation price).
 *     Whole-bucket liquidation, except on venues whose preset has partialLiquidation (below): Binance's, Bybit's
 *     and Deribit's incremental liquidation of large positions (Binance above tier 2, Bybit's risk-limit steps,
 *     Deribit's partial closes) is not modelled, those buckets are closed whole. A balance that ends below zero is
 *     written off to the venue (badDebt) and the account's settlement balance floored at 0. An isolated position
 *     settles against its own margin (P&L and fees taken from it, the free balance untouched; a margin below zero
 *     is bad debt).
 *   - partial liquidation (a tiered preset with partialLiquidation: Hyperliquid, 20 % of a position above 100 000
 *     USD, a 30 s cooldown, backstop below 2/3 of maintenance; data/venues/hyperliquid.json cites the source): in
 *     steps at the same liquidation price as above (the crossing, else the point's), with the same fees. A step with
 *     balance < backstopBelow x maintenance is a backstop: the bucket closed whole and the margin left taken by the
 *     venue's liquidator (cross: every collateral balance; isolated: the position's margin). Else, within cooldownMs
 *     of the account's last partial step, the bucket is closed whole; else `fraction` of each position whose
 *     notional exceeds aboveNotionalUsd is closed (the others whole) and the cooldown starts. While still
 *     liquidatable at that price the next step follows at once (so: whole, or backstop); once safe, when one asset
 *     crossed, the path goes on to the point's price and the reduced bucket's next liquidation price on the way
 *     triggers the next step, timed linearly in price between the two points (interval / 3 apart; the open's
 *     segment from the previous close takes no time), partial again when the cooldown has passed. An isolated
 *     position's P&L and fees stay in its margin. One Liquidation record per step (fraction or backstop set).
 *   - lending (Aave v3): one liquidationCall per bucket per point (margin/lending.ts: close factor 0.5, or 1 when
 *     health <= 0.95; the collateral's bonus paid to the liquidator, protocolFeeRate of it to the protocol), on
 *     the largest debt and the largest collateral by USD value; it repeats at the next points while health < 1.
 * - Liquidation price: the path is continuous between two points, so a bucket moved by one asset that was safe at
 *   the previous point is liquidated at its liquidation price (the core's, liquidation/price.ts), where the path
 *   crossed it, not at the wick's extreme that revealed it (liquidationAt: 'point' for that). Several moving
 *   assets, or already liquidatable at the previous point (a gap): at the point's prices.
 * - Options in a liquidated bucket are closed at their model value (Black-76 with the bar's vol).
 * - Buy-option orders (the planner's protective puts, Order.option: right, strike, expiry): filled at the first
 *   intrabar point of their bar like market orders, on a Deribit account only, as a new long option position
 *   appended to the account (settlement: the venue's, Deribit inverse: coin). Price per contract (one coin), USD:
 *   the model value (risk/valuation.ts valuePosition on the book's market: Black-Scholes at the bar's vol, DVOL or
 *   the EWMA forecast, at the point's price and the bar's open time) + the planner's half-spread (optionHalfSpreadVol
 *   x vega, planner/cost.ts optionHalfSpread), plus the venue's option fee on that ask (planner/cost.ts optionFee
 *   with the fees table's option schedule: Deribit 0.03 % of the underlying, at most 12.5 % of the option price).
 *   Premium + fee are debited in coin (inverse: USD / price) or USDC (linear). Option fills are not capped by the
 *   bar's volume (the perp's volume says nothing of the option book).
 * - Option expiry: at the first intrabar point at or after an option's expiry (point k of a bar at open time +
 *   k/3 of the interval: the close is the bar's end), it is cash-settled at intrinsic value at that point's price,
 *   max(K - S, 0) (put) or max(S - K, 0) (call) USD per coin, credited in coin (/ S) for inverse, USDC for linear;
 *   qty set to 0 and a Fill of kind 'expiry' recorded. Deribit's delivery fee is not charged, and the price is the
 *   point's, not Deribit's 30-minute index average.
 * Not modelled: limit prices (orders are market orders), selling or closing options by order, order book depth
 * beyond the impact law, ADL, funding caps.
 */
import { MissingMarketDataError } from '../errors/index.ts';
import { evaluateBucket, healthFactor, zeroTerms, type MarginTerms } from '../margin/terms.ts';
import { liquidationCall } from '../margin/lending.ts';
import { bucketLiquidationPrices } from '../liquidation/price.ts';
import type { Bucket } from '../margin/terms.ts';
import { LINEAR_SETTLE } from '../margin/deribit.ts';
import type { PartialLiquidation } from '../margin/venue-model.ts';
import { parseIsoTime } from '../model/schema.ts';
import type { Account, OptionPosition, Position } from '../model/types.ts';
import { DEFAULT_OPTION_HALF_SPREAD_VOL, halfSpreadBps, liquidityOf, optionFeeSchedule, takerFee } from '../planner/liquidity.ts';
import { DEFAULT_IMPACT_Y, linearTradeCost, optionFee, optionHalfSpread, type Liquidity } from '../planner/cost.ts';
import type { Order } from '../planner/types.ts';
import { valuePosition } from '../risk/valuation.ts';
import type { Book } from './book.ts';
import type { BarEvent, ExecutionAdapter, Fill, Liquidation, VenueStep } from './types.ts';

export interface VenueConfig {
  /** Bars between the decision (a close) and the fill (an open); >= 1. Default 1. */
  readonly latencyBars?: number;
  /** Largest fill per asset per bar, as a fraction of the bar's volume. Default 0.1. */
  readonly maxParticipation?: number;
  /** Taker fee overrides by venue preset name. */
  readonly fees?: Readonly<Record<string, number>>;
  readonly halfSpreadBps?: Readonly<Record<string, number>>;
  readonly liquidity?: Readonly<Record<string, Liquidity>>;
  readonly impactY?: number;
  /** Liquidation fee rate of notional, charged at liquidation instead of the presets' liquidation and clearance fees
   * (it does not move the core's liquidation price). */
  readonly liquidationFeeRate?: number;
  /**
   * Price a bucket moved by one asset is liquidated at: 'cross' (default) the liquidation price itself, where the
   * path (continuous between two intrabar points) crossed it; 'point' the intrabar point's price that revealed
   * it (a wick's extreme: pessimistic, balances far below zero become bad debt).
   */
  readonly liquidationAt?: 'cross' | 'point';
  /** Option half-spread in vol (0.01 = one vol point x vega per contract). Default the planner's, 0.01. */
  readonly optionHalfSpreadVol?: number;
  /** Aave: share of the liquidation bonus kept by the protocol. Default 0.1. */
  readonly protocolFeeRate?: number;
}

interface Pending {
  readonly order: Order;
  readonly due: number;
}

/** The core's condition (risk/report.ts), with a relative tolerance of 1e-9 so that a price exactly at the core's
 * liquidation price (a root, exact to rounding) counts as reaching it. */
const LIQUIDATABLE = (t: MarginTerms): boolean => {
  const tol = 1e-9 * (Math.abs(t.balance) + Math.abs(t.maintenance));
  return t.balance - t.maintenance < -tol || (t.maintenance > 0 && t.balance <= t.maintenance + tol);
};

const NONE: readonly never[] = Object.freeze([]);
/** The step of a bar in which nothing happened. */
const NOTHING: VenueStep = Object.freeze({ fills: NONE, liquidations: NONE, fundingPaid: 0 });

export interface Rejection {
  readonly time: number;
  readonly order: Order;
  readonly reason: string;
}

export class SimulatedVenue implements ExecutionAdapter {
  private readonly latency: number;
  private readonly participation: number;
  private pending: Pending[] = [];
  private lastIndex = -1;
  /** Bar interval of the last bar stepped (slice delays are converted to bars with it). */
  private intervalMs = 0;
  private readonly terms = zeroTerms();
  /** Orders the venue could not execute, with the reason. */
  readonly rejected: Rejection[] = [];
  /** Volume (base units) already used per asset in the current bar. */
  private used: Float64Array = new Float64Array(0);
  /** Prices at the previous intrabar point (the path is continuous between points). */
  private prev: Float64Array = new Float64Array(0);
  /** Per asset: 1 when the current bar is down (close < open), walked open-low-high-close. */
  private down: Uint8Array = new Uint8Array(0);
  private slots: Int32Array = new Int32Array(0);
  private readonly fillsScratch: Fill[] = [];
  private readonly liquidationsScratch: Liquidation[] = [];
  private mapped: readonly string[] | null = null;
  private mappedBook: Book | null = null;
  /** Time (epoch ms) of each account's last partial liquidation step (partialLiquidation venues: the cooldown). */
  private readonly partialAt = new Map<string, number>();

  constructor(private readonly config: VenueConfig = {}) {
    this.latency = Math.max(1, Math.round(config.latencyBars ?? 1));
    this.participation = config.maxParticipation ?? 0.1;
  }

  /**
   * Queue orders decided at the close of the last bar stepped. A slice with `slice.afterMs` > 0 is due that much
   * later, rounded up to whole bars: bar lastIndex + latencyBars + ceil(afterMs / intervalMs).
   */
  submit(orders: readonly Order[], _now: number): readonly Fill[] {
    for (const order of orders) {
      const after = order.slice && order.slice.afterMs > 0 && this.intervalMs > 0 ? Math.ceil(order.slice.afterMs / this.intervalMs - 1e-9) : 0;
      this.pending.push({ order, due: this.lastIndex + this.latency + after });
    }
    return [];
  }

  /** Orders waiting for their bar (in flight, or later slices). */
  get open(): number {
    return this.pending.length;
  }

  pendingOrders(): number {
    return this.pending.length;
  }

  cancelPending(_now: number): readonly Order[] {
    const cancelled = this.pending.map((p) => p.order);
    this.pending = [];
    return cancelled;
  }

  step(bar: BarEvent, book: Book): VenueStep {
    this.lastIndex = bar.index;
    this.intervalMs = bar.intervalMs;
    const n = bar.assets.length;
    if (this.used.length !== n) this.used = new Float64Array(n);
    else for (let a = 0; a < n; a++) this.used[a] = 0; // (a loop: the arrays are tiny, a builtin call costs more)
    // scratch lists, copied out only when something happened (most bars: nothing, and no allocation)
    const fills = this.fillsScratch;
    const liquidations = this.liquidationsScratch;
    // (truncating only when needed: setting an array's length is a runtime call even when it does not change)
    if (fills.length > 0) fills.length = 0;
    if (liquidations.length > 0) liquidations.length = 0;
    let fundingPaid = 0;
    if (this.down.length !== n) this.down = new Uint8Array(n);
    const down = this.down;
    for (let a = 0; a < n; a++) down[a] = bar.close[a]! < bar.open[a]! ? 1 : 0;
    if (this.prev.length !== book.prices.length) this.prev = new Float64Array(book.prices.length);
    if (this.mapped !== bar.assets || this.mappedBook !== book) {
      // the book's price slot of each bar asset (-1: not in the book), kept while the feed's asset list is the same
      this.slots = Int32Array.from(bar.assets, (asset) => book.assetIndex.get(asset) ?? -1);
      this.mapped = bar.assets;
      this.mappedBook = book;
    }
    const slots = this.slots;
    const prev = this.prev;
    const m = prev.length;
    for (let k = 0; k < 4; k++) {
      for (let j = 0; j < m; j++) prev[j] = book.prices[j]!;
      for (let a = 0; a < n; a++) {
        const j = slots[a]!;
        if (j < 0) continue;
        book.prices[j] = k === 0 ? bar.open[a]! : k === 3 ? bar.close[a]! : (k === 1) === (down[a] === 1) ? bar.low[a]! : bar.high[a]!;
      }
      book.pricesMoved();
      if (k === 0) {
        if (this.pending.length > 0) this.fillPending(bar, book, fills);
        fundingPaid += this.payFunding(bar, book);
      }
      // point k at open time + k/3 of the interval (0: the open, 3: the close, the bar's end)
      if (book.hasOptions) this.settleExpired(bar.time + (k * bar.intervalMs) / 3, book, fills);
      this.liquidate(bar, book, k, liquidations);
    }
    if (fills.length === 0 && liquidations.length === 0) return fundingPaid === 0 ? NOTHING : { fills: NONE, liquidations: NONE, fundingPaid };
    return { fills: fills.slice(), liquidations: liquidations.slice(), fundingPaid };
  }

  private fillPending(bar: BarEvent, book: Book, fills: Fill[]): void {
    const due = this.pending.filter((p) => p.due <= bar.index);
    this.pending = this.pending.filter((p) => p.due > bar.index);
    for (const { order } of due) {
      const r = this.execute(order, bar, book);
      if (typeof r === 'string') this.rejected.push({ time: bar.time, order, reason: r });
      else if (r) fills.push(r);
    }
  }

  private execute(o: Order, bar: BarEvent, book: Book): Fill | string | null {
    const ai = book.accountIndex(o.account);
    if (o.kind === 'transfer') return this.transfer(o, bar, book);
    if (o.kind === 'repay') return this.repay(o, bar, book, ai);
    if (o.kind === 'buy-option') return this.buyOption(o, bar, book, ai);
    if (ai < 0) return `unknown account ${o.account}`;
    const account = book.accounts[ai]!;
    const a = bar.assets.indexOf(o.asset);
    const j = book.assetIndex.get(o.asset);
    if (a < 0 || j === undefined) return `no market data for ${o.asset}`;
    const px = book.prices[j]!;
    let index = o.position;
    let p: Position | undefined = index === undefined ? undefined : account.positions[index];
    if (p === undefined && o.kind === 'hedge') {
      p = account.positions.find((q) => q.kind === 'perp' && q.asset === o.asset);
      if (p === undefined) {
        const settle = account.venue.model === 'tiered' ? account.venue.settle : 'linear';
        p = { kind: 'perp', asset: o.asset, qty: 0, entry: px, settle, index: account.positions.length };
        book.setPosition(ai, p);
      }
      index = p.index;
    }
    if (p === undefined || index === undefined) return `no position ${String(o.position)} in ${o.account}`;
    if (p.kind !== 'perp' && p.kind !== 'future' && p.kind !== 'spot') return `${o.kind} of a ${p.kind} position is not executed`;
    const sign = o.side === 'buy' ? 1 : -1;
    let qty = o.kind === 'close' ? Math.abs(p.qty) : o.qty;
    if (o.kind === 'reduce' || o.kind === 'close') {
      if (p.qty === 0 || Math.sign(p.qty) === sign) return 'nothing left to reduce (position closed or liquidated)';
      qty = Math.min(qty, Math.abs(p.qty));
    }
    if (!(qty > 0)) return null;
    const inverse = p.kind !== 'spot' && p.settle === 'inverse';
    // participation cap, in base units
    const coinsAsked = inverse ? qty / px : qty;
    const room = Math.max(0, this.participation * bar.volume[a]! - this.used[a]!);
    const coins = Math.min(coinsAsked, room);
    if (!(coins > 0)) return `no volume left for ${o.asset} in this bar (maxParticipation ${this.participation})`;
    this.used[a]! += coins;
    const filledQty = inverse ? coins * px : coins;
    const notional = coins * px;
    const isStable = book.isStable(o.asset);
    const cost = linearTradeCost(notional, takerFee(account.venueName, this.config.fees), halfSpreadBps(o.asset, isStable, this.config.halfSpreadBps), liquidityOf(o.asset, isStable, this.config.liquidity), this.config.impactY ?? DEFAULT_IMPACT_Y);
    const slip = cost.spread + cost.impact;
    const fillPx = px * (1 + (sign * slip) / notional);
    book.trade(ai, index, sign * filledQty, fillPx);
    const feeAsset = inverse ? o.asset : book.settleAsset(book.accounts[ai]!);
    book.credit(ai, feeAsset, inverse ? -cost.fee / px : -cost.fee);
    return {
      time: bar.time,
      account: o.account,
      asset: o.asset,
      kind: o.kind,
      side: o.side,
      qty: filledQty,
      price: fillPx,
      notionalUsd: notional,
      fee: cost.fee,
      slippage: slip,
      position: index,
      requested: qty,
      ...(coins < coinsAsked ? { note: `partial: ${((coins / coinsAsked) * 100).toFixed(1)} % filled (maxParticipation ${this.participation} of bar volume); rest cancelled` } : {}),
    };
  }

  /**
   * A buy-option order: a new long option appended to a Deribit account, paid at the model value + half-spread,
   * plus the option fee (see the header). Returns the fill, or why it was rejected.
   */
  private buyOption(o: Order, bar: BarEvent, book: Book, ai: number): Fill | string | null {
    if (ai < 0) return `unknown account ${o.account}`;
    const spec = o.option;
    if (spec === undefined) return 'buy-option order without its option (right, strike, expiry)';
    const account = book.accounts[ai]!;
    if (account.venue.model !== 'deribit') return `${o.account} (${account.venueName}) cannot hold options: only a Deribit account can`;
    const expiry = parseIsoTime(spec.expiry);
    if (typeof expiry === 'string') return `option expiry ${JSON.stringify(spec.expiry)}: ${expiry}`;
    if (!(spec.strike > 0)) return `option strike ${spec.strike} is not a positive USD price`;
    const j = book.assetIndex.get(o.asset);
    if (j === undefined) return `no market data for ${o.asset}`;
    const market = book.market();
    if (!(expiry > market.asOf)) return `option expiry ${spec.expiry} is not after the fill time ${new Date(market.asOf).toISOString()}`;
    if (!(o.qty > 0)) return null;
    const S = book.prices[j]!; // underlying, USD per coin, at this point
    const settle = account.venue.settle;
    const pos: OptionPosition = { kind: 'option', index: account.positions.length, asset: o.asset, qty: o.qty, settle, right: spec.right, strike: spec.strike, expiry };
    let unit: ReturnType<typeof valuePosition>;
    try {
      unit = valuePosition({ ...pos, qty: 1 }, S, market); // one contract: value USD, vega USD per vol point (0.01)
    } catch (e) {
      if (e instanceof MissingMarketDataError) return e.message;
      throw e;
    }
    // per contract, USD: half-spread = halfSpreadVol x vega per 1.00 of vol (= vega per point x 100), as the planner
    const half = optionHalfSpread(unit.vega * 100, this.config.optionHalfSpreadVol ?? DEFAULT_OPTION_HALF_SPREAD_VOL);
    const ask = unit.value + half;
    const schedule = optionFeeSchedule(account.venueName);
    const fee = optionFee(S, ask, schedule.rate, schedule.cap); // min(rate x S, cap x ask)
    const qty = o.qty;
    const inverse = settle === 'inverse';
    // entry: premium per contract in settlement currency (coin for inverse: USD / S), model/types.ts
    book.setPosition(ai, { ...pos, entry: inverse ? ask / S : ask });
    // premium + fee, USD qty x (ask + fee): in coin (/ S) for inverse, in the linear pool's stable otherwise
    book.credit(ai, inverse ? o.asset : this.linearCash(book, account), inverse ? (-qty * (ask + fee)) / S : -qty * (ask + fee));
    return {
      time: bar.time,
      account: o.account,
      asset: o.asset,
      kind: 'buy-option',
      side: 'buy',
      qty,
      price: S,
      notionalUsd: qty * S,
      fee: qty * fee,
      slippage: qty * half,
      position: pos.index,
      requested: o.qty,
      note: `${spec.right} ${spec.strike.toFixed(2)} expiring ${new Date(expiry).toISOString()}: ${ask.toFixed(2)} USD per contract (model ${unit.value.toFixed(2)} + half-spread ${half.toFixed(2)}) + fee ${fee.toFixed(2)}${spec.premiumUsd !== undefined ? `; planned ${spec.premiumUsd.toFixed(2)}` : ''}`,
    };
  }

  /**
   * Cash-settle every open option whose expiry is at or before `t` (epoch ms, the intrabar point's time) at its
   * intrinsic value at the point's price; qty set to 0, one 'expiry' fill each, timed at the point.
   */
  private settleExpired(t: number, book: Book, fills: Fill[]): void {
    for (let ai = 0; ai < book.accounts.length; ai++) {
      for (const p of book.accounts[ai]!.positions) {
        if (p.kind !== 'option' || p.qty === 0 || p.expiry > t) continue;
        const S = book.price(p.asset);
        // intrinsic, USD per coin: put max(K - S, 0), call max(S - K, 0); signed qty: a long receives, a short pays
        const intrinsic = Math.max(p.right === 'put' ? p.strike - S : S - p.strike, 0);
        const usd = p.qty * intrinsic;
        book.setPosition(ai, { ...p, qty: 0 });
        // inverse: paid in coin, qty max(K - S, 0) / S (pricing/option.ts: V_coin = V_usd / spot); linear: USD
        if (p.settle === 'inverse') book.credit(ai, p.asset, usd / S);
        else book.credit(ai, this.linearCash(book, book.accounts[ai]!), usd);
        fills.push({
          time: t,
          account: book.accounts[ai]!.id,
          asset: p.asset,
          kind: 'expiry',
          side: p.qty > 0 ? 'sell' : 'buy',
          qty: Math.abs(p.qty),
          price: S,
          notionalUsd: Math.abs(p.qty) * S,
          fee: 0,
          slippage: 0,
          position: p.index,
          note: `${p.right} ${p.strike.toFixed(2)} expired ${new Date(p.expiry).toISOString()}: intrinsic ${intrinsic.toFixed(2)} USD per contract, ${Math.abs(usd).toFixed(2)} USD ${usd >= 0 ? 'received' : 'paid'}`,
        });
      }
    }
  }

  /** Stable a linear option settles in: Deribit's USDC pool (margin/deribit.ts), else the account's settlement stable. */
  private linearCash(book: Book, account: Account): string {
    return account.venue.model === 'deribit' ? LINEAR_SETTLE : book.settleAsset(account);
  }

  private transfer(o: Order, bar: BarEvent, book: Book): Fill | string {
    const from = book.accountIndex(o.account);
    const to = o.to === undefined ? -1 : book.accountIndex(o.to);
    if (to < 0) return `unknown destination ${String(o.to)}`;
    let qty = o.qty;
    if (from >= 0) {
      const have = book.accounts[from]!.collateral[o.asset] ?? 0;
      qty = Math.min(qty, have);
      book.credit(from, o.asset, -qty);
    }
    if (!(qty > 0)) return `nothing to transfer from ${o.account}`;
    const dest = book.accounts[to]!;
    if (o.position !== undefined && dest.positions[o.position] && 'margin' in dest.positions[o.position]!) {
      const p = dest.positions[o.position] as Position & { margin?: number };
      book.setPosition(to, { ...p, margin: (p.margin ?? 0) + qty } as Position);
    } else book.credit(to, o.asset, qty);
    const px = book.price(o.asset);
    return { time: bar.time, account: o.account, asset: o.asset, kind: 'transfer', side: 'sell', qty, price: px, notionalUsd: qty * px, fee: 0, slippage: 0, note: `to ${String(o.to)}` };
  }

  private repay(o: Order, bar: BarEvent, book: Book, ai: number): Fill | string {
    if (ai < 0) return `unknown account ${o.account}`;
    const account = book.accounts[ai]!;
    const debt = account.positions.find((p) => p.kind === 'borrow' && p.asset === o.asset);
    if (!debt || debt.qty <= 0) return `no ${o.asset} debt in ${o.account}`;
    const qty = Math.min(o.qty, debt.qty);
    const src = o.source;
    if (src) {
      const si = src.account === undefined ? ai : book.accountIndex(src.account);
      const srcQty = src.qty * (qty / o.qty);
      if (si >= 0) this.takeSupplied(book, si, src.asset, srcQty);
    }
    book.setPosition(ai, { ...debt, qty: debt.qty - qty });
    const px = book.price(o.asset);
    return { time: bar.time, account: o.account, asset: o.asset, kind: 'repay', side: 'buy', qty, price: px, notionalUsd: qty * px, fee: 0, slippage: 0 };
  }

  /** Remove `qty` of a supplied asset: supply positions first, then collateral balances. Returns what was taken. */
  private takeSupplied(book: Book, ai: number, asset: string, qty: number): number {
    let left = qty;
    const account = book.accounts[ai]!;
    for (const p of account.positions) {
      if (left <= 0) break;
      if (p.kind === 'supply' && p.asset === asset && p.qty > 0) {
        const take = Math.min(left, p.qty);
        book.setPosition(ai, { ...p, qty: p.qty - take });
        left -= take;
      }
    }
    if (left > 0) {
      const have = book.accounts[ai]!.collateral[asset] ?? 0;
      const take = Math.min(left, have);
      book.credit(ai, asset, -take);
      left -= take;
    }
    return qty - left;
  }

  private payFunding(bar: BarEvent, book: Book): number {
    let paid = 0;
    for (let a = 0; a < bar.assets.length; a++) {
      const rate = bar.funding[a]!;
      if (!Number.isFinite(rate) || rate === 0) continue;
      const asset = bar.assets[a]!;
      const px = bar.open[a]!;
      book.accounts.forEach((acc, ai) => {
        for (const p of acc.positions) {
          if (p.kind !== 'perp' || p.asset !== asset || p.qty === 0) continue;
          if (p.settle === 'linear') {
            const usd = p.qty * px * rate;
            book.credit(ai, book.settleAsset(book.accounts[ai]!), -usd);
            paid += usd;
          } else {
            const coin = (p.qty / px) * rate;
            book.credit(ai, asset, -coin);
            paid += coin * px;
          }
        }
      });
    }
    return paid;
  }

  private liquidate(bar: BarEvent, book: Book, point: number, out: Liquidation[]): void {
    for (let ai = 0; ai < book.accounts.length; ai++) {
      const buckets = book.model(ai).buckets;
      for (let bi = 0; bi < buckets.length; bi++) {
        const bucket = buckets[bi]!;
        const t = evaluateBucket(bucket, book.price, this.terms);
        if (!LIQUIDATABLE(t)) continue;
        const account = book.accounts[ai]!;
        if (account.venue.model === 'tiered' && account.venue.partialLiquidation) {
          this.liquidateInSteps(bar, book, point, ai, bucket, account.venue.partialLiquidation, out);
          continue;
        }
        const prices: Record<string, number> = {};
        for (const i of bucket.positions) {
          const p = account.positions[i];
          if (p) prices[p.asset] = book.price(p.asset);
        }
        // where the path crossed the liquidation price (one moving asset): liquidate there
        const crossed = this.config.liquidationAt === 'point' ? null : this.crossing(book, bucket, Object.keys(prices));
        let restore = NaN;
        if (crossed) {
          restore = book.prices[crossed.j]!;
          book.prices[crossed.j] = crossed.price;
          book.pricesMoved();
          prices[crossed.asset] = crossed.price;
          evaluateBucket(bucket, book.price, this.terms);
        }
        const before = { balance: this.terms.balance, maintenance: this.terms.maintenance, hf: healthFactor(this.terms) };
        // an isolated position settles against its own margin (liquidationStep), a cross bucket against the account
        const r =
          account.venue.model === 'lending'
            ? this.lendingCall(book, ai, before.hf)
            : account.mode === 'isolated'
              ? this.liquidationStep(book, ai, bucket, before.balance, undefined, false)
              : this.closeBucket(book, ai, bucket.positions, before.balance);
        if (crossed) {
          book.prices[crossed.j] = restore;
          book.pricesMoved();
        }
        if (r === null) continue;
        out.push({ time: bar.time, account: account.id, bucket: bucket.id, model: account.venue.model, point, prices, balanceBefore: before.balance, maintenanceBefore: before.maintenance, ...r });
      }
    }
  }

  /**
   * A liquidatable bucket on a venue whose preset has partialLiquidation (Hyperliquid), at intrabar point `point`.
   * Each step, at the liquidation price (the crossing, as for whole buckets, else the point's price) and time:
   * - balance < backstopBelow x maintenance: backstop, the bucket closed whole and its margin left forfeited;
   * - else within cooldownMs of the account's last partial step: the bucket closed whole (market);
   * - else a partial step: `fraction` of each position above aboveNotionalUsd, the others whole; the account's
   *   cooldown starts when a position was left open.
   * After a partial step the next one comes at once (same price and time, so within the cooldown: whole or
   * backstop) while the bucket is still liquidatable; when it is safe again and the bucket was crossed by one moving
   * asset, at the reduced bucket's next liquidation price on the way to the point's price, timed linearly in price
   * between the previous point and this one (points are interval / 3 apart; the open's segment, from the previous
   * close, takes no time). One Liquidation record per step.
   */
  private liquidateInSteps(bar: BarEvent, book: Book, point: number, ai: number, first: Bucket, pl: PartialLiquidation, out: Liquidation[]): void {
    const id = book.accounts[ai]!.id;
    const prices: Record<string, number> = {};
    for (const i of first.positions) {
      const p = book.accounts[ai]!.positions[i];
      if (p) prices[p.asset] = book.price(p.asset);
    }
    const crossed = this.config.liquidationAt === 'point' ? null : this.crossing(book, first, Object.keys(prices));
    const span = point === 0 ? 0 : bar.intervalMs / 3;
    const end = bar.time + (point * bar.intervalMs) / 3;
    const from = crossed ? this.prev[crossed.j]! : NaN;
    const to = crossed ? book.prices[crossed.j]! : NaN;
    let bucket: Bucket | undefined = first;
    let px = crossed ? crossed.price : NaN;
    let at = end;
    // (bounded: each partial step cuts the large positions by `fraction`, and every other step closes the bucket)
    for (let guard = 0; bucket !== undefined && guard < 10_000; guard++) {
      if (crossed) {
        book.prices[crossed.j] = px;
        book.pricesMoved();
        prices[crossed.asset] = px;
        at = end - span + span * Math.min(1, Math.max(0, (px - from) / (to - from)));
      }
      const t = evaluateBucket(bucket, book.price, this.terms);
      if (!LIQUIDATABLE(t)) break;
      const balance = t.balance;
      const maintenance = t.maintenance;
      const last = this.partialAt.get(id);
      const backstop = balance < pl.backstopBelow * maintenance;
      const partial = !backstop && !(last !== undefined && at - last < pl.cooldownMs);
      const r = this.liquidationStep(book, ai, bucket, balance, partial ? pl : undefined, backstop);
      if (r === null) break;
      const open = bucket.positions.some((i) => {
        const p = book.accounts[ai]!.positions[i];
        return p !== undefined && p.qty !== 0 && p.kind !== 'supply' && p.kind !== 'borrow';
      });
      out.push({
        time: bar.time,
        account: id,
        bucket: bucket.id,
        model: 'tiered',
        point,
        prices: { ...prices },
        balanceBefore: balance,
        maintenanceBefore: maintenance,
        ...r,
        ...(partial && open ? { fraction: pl.fraction } : {}),
        ...(backstop ? { backstop: true as const } : {}),
      });
      if (!partial || !open) break;
      this.partialAt.set(id, at);
      const key: string = bucket.id;
      bucket = book.model(ai).buckets.find((b) => b.id === key);
      if (bucket === undefined || LIQUIDATABLE(evaluateBucket(bucket, book.price, this.terms))) continue;
      if (!crossed) break; // safe at the point's price
      // safe again: the path goes on to the point's price, past the reduced bucket's next liquidation price?
      const roots = bucketLiquidationPrices(bucket, crossed.asset, book.price);
      const next = to < from ? roots.down : roots.up;
      if (next === null || !(to < from ? next >= to && next < px : next <= to && next > px)) break;
      px = next;
    }
    if (crossed) {
      book.prices[crossed.j] = to;
      book.pricesMoved();
    }
  }

  /**
   * One step of liquidateInSteps: closeBucket (partial with `pl`, else whole). An isolated position keeps its P&L
   * and fees in its own margin (set on the position: the venue takes a partial step's loss from the isolated
   * margin, not from the free balance), a margin below zero written off as bad debt. Backstop: the margin left
   * after the fees goes to the venue's liquidator (fee and loss), all of it (Hyperliquid: cross, every collateral
   * balance; isolated, the position's margin), any net deficit written off as bad debt.
   */
  private liquidationStep(book: Book, ai: number, bucket: Bucket, balance: number, pl: PartialLiquidation | undefined, backstop: boolean): { fee: number; badDebt: number; loss: number } | null {
    const account = book.accounts[ai]!;
    const iso = account.mode === 'isolated' ? account.positions[bucket.positions[0]!] : undefined;
    const contract = iso && (iso.kind === 'perp' || iso.kind === 'future') ? iso : undefined;
    const part = pl && { fraction: pl.fraction, above: pl.aboveNotionalUsd };
    if (!contract) {
      const r = this.closeBucket(book, ai, bucket.positions, balance, part, !part && !backstop);
      if (r === null || !backstop) return r;
      // cross backstop: every collateral balance to the liquidator, net
      let net = 0;
      for (const [asset, units] of Object.entries(book.accounts[ai]!.collateral)) {
        net += units * book.price(asset);
        book.credit(ai, asset, -units);
      }
      const taken = Math.max(0, net);
      return { fee: r.fee + taken, badDebt: Math.max(0, -net), loss: r.loss + taken };
    }
    // isolated: the settlement currency's change (realised P&L and fees) moves from the free balance to the margin
    const inverse = contract.settle === 'inverse';
    const unit = inverse ? contract.asset : book.settleAsset(account);
    const held = account.collateral[unit] ?? 0;
    const S = book.price(contract.asset);
    // the margin before (settlement currency): the bucket's balance less the position's uPnL (margin/tiered.ts)
    const margin = inverse ? (balance - contract.qty * (S / contract.entry - 1)) / S : balance - contract.qty * (S - contract.entry);
    const r = this.closeBucket(book, ai, bucket.positions, balance, part, false);
    if (r === null) return null;
    const moved = (book.accounts[ai]!.collateral[unit] ?? 0) - held;
    book.credit(ai, unit, -moved);
    const left = margin + moved;
    const usd = inverse ? S : 1;
    const p = book.accounts[ai]!.positions[contract.index]! as typeof contract;
    book.setPosition(ai, { ...p, margin: backstop ? 0 : Math.max(0, left) });
    const taken = backstop ? Math.max(0, left) * usd : 0;
    return { fee: r.fee + taken, badDebt: Math.max(0, -left) * usd, loss: r.loss + taken };
  }

  /** The liquidation price between the previous and the current point, when one non-stable asset moves the bucket. */
  private crossing(book: Book, bucket: Bucket, assets: readonly string[]): { asset: string; j: number; price: number } | null {
    const moving = assets.filter((a) => !book.isStable(a));
    if (moving.length !== 1) return null;
    const asset = moving[0]!;
    const j = book.assetIndex.get(asset);
    if (j === undefined) return null;
    const from = this.prev[j]!;
    const to = book.prices[j]!;
    if (!(from > 0) || from === to) return null;
    // the bucket must have been safe at the previous point for a crossing to exist in between
    book.prices[j] = from;
    book.pricesMoved();
    const safe = !LIQUIDATABLE(evaluateBucket(bucket, book.price, this.terms));
    const roots = safe ? bucketLiquidationPrices(bucket, asset, book.price) : null;
    book.prices[j] = to;
    book.pricesMoved();
    if (!roots) return null;
    const lo = Math.min(from, to);
    const hi = Math.max(from, to);
    const root = to < from ? roots.down : roots.up;
    return root !== null && root >= lo && root <= hi ? { asset, j, price: root } : null;
  }

  /**
   * Close a bucket's positions at the current prices, where its balance is `balance` (USD): the liquidation fee (rate
   * x notional, from the position, execution or preset) and, on a tiered venue without an execution override, the
   * preset's clearance fee (clearanceFeeRate x the contracts' notional), which takes at most what is left of the
   * balance after the liquidation fee: it never creates bad debt.
   */
  private closeBucket(
    book: Book,
    ai: number,
    indices: readonly number[],
    balance: number,
    part?: { readonly fraction: number; readonly above: number },
    floor = true,
  ): { fee: number; badDebt: number; loss: number } | null {
    let fee = 0;
    let badDebt = 0;
    let any = false;
    // clearance fee owed per contract: USD, and the asset it is paid in (settlement: coin inverse, stable linear)
    const clearance: { usd: number; asset: string; px: number; inverse: boolean }[] = [];
    const market = book.market();
    const venue = book.accounts[ai]!.venue;
    const clearanceRate = this.config.liquidationFeeRate === undefined && venue.model === 'tiered' ? (venue.clearanceFeeRate ?? 0) : 0;
    for (const i of indices) {
      const account = book.accounts[ai]!;
      const p = account.positions[i];
      if (!p || p.qty === 0 || p.kind === 'supply' || p.kind === 'borrow') continue;
      const px = book.price(p.asset);
      any = true;
      const rate = p.kind === 'perp' || p.kind === 'future' ? (p.liquidationFeeRate ?? this.config.liquidationFeeRate ?? (account.venue.model === 'tiered' ? account.venue.liquidationFeeRate : 0)) : (this.config.liquidationFeeRate ?? 0);
      if (p.kind === 'option') {
        const value = valuePosition(p, px, market).value;
        book.setPosition(ai, { ...p, qty: 0 });
        const usd = Math.abs(value) * rate;
        const settleInCoin = p.settle === 'inverse';
        if (settleInCoin) book.credit(ai, p.asset, (value - usd) / px);
        else book.credit(ai, book.settleAsset(account), value - usd);
        fee += usd;
        continue;
      }
      const inverse = p.kind !== 'spot' && p.settle === 'inverse';
      const whole = inverse ? Math.abs(p.qty) : Math.abs(p.qty) * px;
      // a partial step: `fraction` of a position above the threshold, the others whole
      const share = part !== undefined && whole > part.above ? part.fraction : 1;
      const notional = whole * share;
      const f = notional * rate;
      fee += f;
      if (clearanceRate > 0 && (p.kind === 'perp' || p.kind === 'future')) clearance.push({ usd: notional * clearanceRate, asset: p.asset, px, inverse });
      book.trade(ai, i, -p.qty * share, px);
      book.credit(ai, inverse ? p.asset : book.settleAsset(book.accounts[ai]!), inverse ? -f / px : -f);
    }
    if (!any) return null;
    // the clearance fee takes at most the balance left after the liquidation fee (never creates bad debt), shared
    // across the contracts pro rata, each paid in its settlement asset
    const owed = clearance.reduce((sum, c) => sum + c.usd, 0);
    const taken = Math.min(owed, Math.max(0, balance - fee));
    if (taken > 0) {
      for (const c of clearance) {
        const usd = (c.usd * taken) / owed;
        book.credit(ai, c.inverse ? c.asset : book.settleAsset(book.accounts[ai]!), c.inverse ? -usd / c.px : -usd);
      }
      fee += taken;
    }
    // a balance left below zero is the venue's loss (insurance fund), not the account's
    if (floor) for (const asset of Object.keys(book.accounts[ai]!.collateral)) badDebt += book.floor(ai, asset) * book.price(asset);
    return { fee, badDebt, loss: fee };
  }

  private lendingCall(book: Book, ai: number, hf: number): { fee: number; badDebt: number; loss: number } | null {
    const account: Account = book.accounts[ai]!;
    const model = account.venue;
    if (model.model !== 'lending') return null;
    const supplied = new Map<string, number>();
    for (const [a, u] of Object.entries(account.collateral)) supplied.set(a, (supplied.get(a) ?? 0) + u);
    const debts = new Map<string, number>();
    for (const p of account.positions) {
      if (p.kind === 'supply') supplied.set(p.asset, (supplied.get(p.asset) ?? 0) + p.qty);
      else if (p.kind === 'borrow') debts.set(p.asset, (debts.get(p.asset) ?? 0) + p.qty);
    }
    const largest = (m: Map<string, number>, eligible: (a: string) => boolean): [string, number] | null => {
      let best: [string, number] | null = null;
      for (const [a, u] of m) if (u > 0 && eligible(a) && (!best || u * book.price(a) > best[1] * book.price(best[0]))) best = [a, u];
      return best;
    };
    const debt = largest(debts, () => true);
    const coll = largest(supplied, (a) => (model.assets[a]?.liquidationThreshold ?? 0) > 0);
    if (!debt || !coll) return null;
    const r = liquidationCall({
      model,
      healthFactor: hf,
      collateralAsset: coll[0],
      debtBalance: debt[1],
      collateralBalance: coll[1],
      debtPrice: book.price(debt[0]),
      collateralPrice: book.price(coll[0]),
      protocolFeeRate: this.config.protocolFeeRate ?? 0.1,
    });
    if (!(r.debtRepaid > 0)) return null;
    const d = book.accounts[ai]!.positions.find((p) => p.kind === 'borrow' && p.asset === debt[0])!;
    book.setPosition(ai, { ...d, qty: Math.max(0, d.qty - r.debtRepaid) });
    this.takeSupplied(book, ai, coll[0], r.collateralSeized);
    const loss = r.collateralSeized * book.price(coll[0]) - r.debtRepaid * book.price(debt[0]);
    return { fee: loss, badDebt: 0, loss };
  }
}
