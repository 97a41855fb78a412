/**
 * The book a backtest trades: the portfolio's accounts (immutable objects, replaced when they change) plus the
 * current marks and vols in typed arrays, with each account's margin model cached until the account changes (or,
 * with options, until the bar's vol and time change). `snapshot()` is the normalized Portfolio the core computes
 * on. Position indices are stable: a closed position stays with qty 0, so orders keep pointing at it.
 *
 * Settlement: linear contracts and spot settle in the account's stable collateral (USDT first, then the first
 * stable it holds, else USDT); inverse contracts in the coin. Realised P&L is booked into it when a contract is
 * reduced; an increase moves the entry to the quantity-weighted average.
 */
import { buildAccountModel } from '../margin/index.ts';
import type { AccountModel, PriceFn } from '../margin/terms.ts';
import type { Account, Market, Portfolio, Position } from '../model/types.ts';

export class Book {
  accounts: Account[];
  readonly base: Market;
  readonly assets: readonly string[];
  readonly assetIndex: ReadonlyMap<string, number>;
  /** Current mark per asset (index of `assets`). */
  readonly prices: Float64Array;
  /** Current flat vol per asset (options), NaN: keep the portfolio's. */
  readonly vols: Float64Array;
  asOf: number;
  /** Incremented whenever an account changes (positions or collateral): caches keyed on the book's content. */
  version = 0;
  /** Some account holds (or held) an option: models are rebuilt when the bar's vol and time change. */
  hasOptions: boolean;
  private models: (AccountModel | null)[];
  private marketCache: Market | null = null;
  readonly price: PriceFn;

  constructor(portfolio: Portfolio, assets: readonly string[]) {
    this.accounts = [...portfolio.accounts];
    this.base = portfolio.market;
    this.assets = assets;
    this.assetIndex = new Map(assets.map((a, i) => [a, i]));
    const initial = assets.map((a) => portfolio.market.prices[a] ?? NaN);
    this.vols = new Float64Array(assets.length).fill(NaN);
    this.asOf = portfolio.market.asOf;
    this.hasOptions = this.accounts.some((a) => a.positions.some((p) => p.kind === 'option'));
    this.models = this.accounts.map(() => null);
    const idx = this.assetIndex;
    const base = this.base;
    // prices that do not move in the backtest (assets outside the feed: the portfolio's; stables without one: 1),
    // one map lookup each (this is called for every margin group at every intrabar point)
    const fixed = new Map<string, number>([['USD', 1]]);
    for (const a of base.stables) fixed.set(a, base.prices[a] ?? 1);
    for (const [a, p] of Object.entries(base.prices)) if (!idx.has(a)) fixed.set(a, p);
    // one slot array: the feed's assets first (`prices` is a view of them), then the fixed ones
    const slot = new Map<string, number>(idx);
    const all = new Float64Array(assets.length + fixed.size);
    all.set(initial);
    for (const [a, p] of fixed) {
      if (slot.has(a)) continue;
      all[slot.size] = p;
      slot.set(a, slot.size);
    }
    this.prices = all.subarray(0, assets.length);
    this.price = (asset) => {
      const i = slot.get(asset);
      if (i === undefined) throw new Error(`no price for ${asset}`);
      return all[i]!;
    };
  }

  /** Marks moved inside a bar: the market snapshot is stale (margin models read prices when evaluated). */
  pricesMoved(): void {
    this.marketCache = null;
  }

  /** Vols or time changed (a new bar): the market snapshot is stale, and margin models holding options too. */
  marketChanged(): void {
    this.marketCache = null;
    if (this.hasOptions) this.models = this.accounts.map(() => null);
  }

  market(): Market {
    if (this.marketCache) return this.marketCache;
    const prices: Record<string, number> = { ...this.base.prices };
    const vols: Record<string, number> = { ...this.base.vols };
    this.assets.forEach((a, i) => {
      prices[a] = this.prices[i]!;
      if (Number.isFinite(this.vols[i]!)) vols[a] = this.vols[i]!;
    });
    return (this.marketCache = { ...this.base, asOf: this.asOf, prices, vols });
  }

  snapshot(): Portfolio {
    return { market: this.market(), accounts: this.accounts };
  }

  model(i: number): AccountModel {
    let m = this.models[i];
    if (!m) this.models[i] = m = buildAccountModel(this.accounts[i]!, this.market());
    return m;
  }

  accountIndex(id: string): number {
    return this.accounts.findIndex((a) => a.id === id);
  }

  setAccount(i: number, account: Account): void {
    this.accounts[i] = account;
    this.models[i] = null;
    this.version++;
  }

  isStable(asset: string): boolean {
    return this.base.stables.has(asset) || asset === 'USD';
  }

  /** The stable an account settles linear contracts in. */
  settleAsset(account: Account): string {
    if ('USDT' in account.collateral) return 'USDT';
    return Object.keys(account.collateral).find((a) => this.isStable(a)) ?? 'USDT';
  }

  /** Add `amount` of `asset` to an account's collateral (negative: debit; may go below 0 until `floor`). */
  credit(i: number, asset: string, amount: number): void {
    if (amount === 0) return;
    const a = this.accounts[i]!;
    this.setAccount(i, { ...a, collateral: { ...a.collateral, [asset]: (a.collateral[asset] ?? 0) + amount } });
  }

  /** Floor a negative balance at 0 (the venue writes it off); returns the amount written off, units of `asset`. */
  floor(i: number, asset: string): number {
    const a = this.accounts[i]!;
    const v = a.collateral[asset] ?? 0;
    if (v >= 0) return 0;
    this.setAccount(i, { ...a, collateral: { ...a.collateral, [asset]: 0 } });
    return -v;
  }

  /** Replace position `index` of account i (or append when index === positions.length). */
  setPosition(i: number, p: Position): void {
    const a = this.accounts[i]!;
    const positions = [...a.positions];
    positions[p.index] = p;
    if (p.kind === 'option') this.hasOptions = true; // an option bought during the run
    this.setAccount(i, { ...a, positions });
  }

  /**
   * Trade a contract or spot position by `dq` (signed, instrument units) at `px` (USD per coin): realised P&L to
   * the settlement asset, entry averaged on increases. Returns the realised P&L in USD.
   */
  trade(i: number, index: number, dq: number, px: number): number {
    const a = this.accounts[i]!;
    const p = a.positions[index]!;
    if (p.kind === 'spot') {
      this.setPosition(i, { ...p, qty: p.qty + dq });
      this.credit(i, this.settleAsset(a), -dq * px);
      return 0;
    }
    if (p.kind !== 'perp' && p.kind !== 'future') throw new Error(`cannot trade a ${p.kind} position`);
    const q0 = p.qty;
    const q1 = q0 + dq;
    let realised = 0;
    let entry = p.entry;
    const closing = q0 !== 0 && Math.sign(dq) !== Math.sign(q0);
    const closed = closing ? Math.min(Math.abs(dq), Math.abs(q0)) * Math.sign(q0) : 0;
    if (p.settle === 'linear') realised = closed * (px - p.entry);
    else realised = closed * (1 / p.entry - 1 / px); // coins
    const opened = dq - -closed; // part of dq that opens (same sign as q1 when crossing or increasing)
    if (closing && Math.abs(dq) > Math.abs(q0)) entry = px;
    else if (!closing && dq !== 0) {
      entry = p.settle === 'linear' ? (q0 * p.entry + opened * px) / q1 : q1 / (q0 / p.entry + opened / px);
    }
    this.setPosition(i, { ...p, qty: Math.abs(q1) < 1e-12 * Math.max(1, Math.abs(q0)) ? 0 : q1, entry });
    if (p.settle === 'linear') {
      this.credit(i, this.settleAsset(this.accounts[i]!), realised);
      return realised;
    }
    this.credit(i, p.asset, realised);
    return realised * px;
  }
}
