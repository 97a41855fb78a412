/**
 * Deribit margin: standard margin (per-position formulas) and portfolio margin (./portfolio-grid.ts).
 *
 * Buckets: Deribit's default segregated margin (S:SM / S:PM). Each settlement currency is its own margin pool and
 * is liquidated on its own: inverse positions settle in their underlying coin (bucket `<account>:<coin>`, e.g.
 * BTC collateral + BTC-margined futures and options); linear (USDC-settled) positions share the `<account>:USDC`
 * pool with the USDC collateral. Every collateral balance opens its pool, so the buckets' balances add up to the
 * account equity. Cross-collateral (X:SM / X:PM) is not modelled.
 * Groups: one per underlying within a pool, driven by that underlying's USD price.
 *
 * Units (see model/types.ts): inverse futures/perps qty in USD face value, coin P&L q (1/E - 1/P); options qty in
 * coins, coin mark = Black-Scholes USD value / P (P the underlying's USD mark; Deribit uses the expiry's future).
 * Everything is reported in USD: coin amounts x the current P. Each position's own `settle` decides its pool
 * (the venue's `settle` is the preset default the document parser applies). Futures are valued like perps (no
 * basis, no settlement at expiry).
 *
 * Standard margin (DeribitStandardParams, per coin of underlying, in coin; x P for USD):
 * - futures, size s = |q|/P coins (inverse) or |q| (linear):
 *     IM = (futureImBase + futureSlopePer100 s/100) s,  MM = (futureMmBase + futureSlopePer100 s/100) s
 *   (a position's `mmr` replaces futureMmBase);
 * - short options, c = coin mark, OTM = max(K - P, 0) (call) or max(P - K, 0) (put), per coin:
 *     call: IM = max(optionImBase - OTM/P, optionImFloor) + c,  MM = optionMmBase + c
 *     put:  MM = max(optionMmBase, optionMmBase c) + c,  IM = max(max(optionImBase - OTM/P, optionImFloor) + c, MM)
 *   (the Deribit option margin table, doc.tslab.pro mirror; USDC-settled options use the same per-coin formula);
 * - long options: none (premium paid).
 * balance = equity incl. option marks (long +, short -); liabilities = maintenance, so HF = equity / MM.
 */
import { MissingMarketDataError, ValidationError } from '../errors/index.ts';
import type { Account, FuturePosition, Market, OptionPosition, PerpPosition, Position } from '../model/types.ts';
import { newGreeks } from '../pricing/black.ts';
import { optionVol } from '../pricing/vol.ts';
import type { BookMeasure, UnderlyingBook } from './portfolio-grid.ts';
import { PortfolioGroup, bookEquity, buildBook } from './portfolio-grid.ts';
import type { AssetGroup, Bucket, MarginTerms } from './terms.ts';
import type { DeribitModel, DeribitStandardParams } from './venue-model.ts';

/** Settlement currency of Deribit's linear contracts. */
export const LINEAR_SETTLE = 'USDC';

type Future = PerpPosition | FuturePosition;

const invalid = (account: Account, path: string, value: unknown, message: string): ValidationError =>
  new ValidationError(`account ${account.id}`, [{ path, value, message }]);

function deribitVenue(account: Account): DeribitModel {
  if (account.venue.model !== 'deribit') throw invalid(account, 'venue.model', account.venue.model, 'expected a deribit venue');
  return account.venue;
}

/** Settlement pool of a position: its coin when inverse, USDC when linear. */
const poolOf = (p: Future | OptionPosition): string => (p.settle === 'inverse' ? p.asset : LINEAR_SETTLE);

const isUsdPool = (pool: string, market: Market): boolean => pool === 'USD' || pool === LINEAR_SETTLE || market.stables.has(pool);

interface Pool {
  readonly key: string;
  readonly positions: number[];
  /** Positions by underlying. */
  readonly byAsset: Map<string, { futures: Future[]; options: OptionPosition[] }>;
}

/** Split an account into its settlement pools and, within each, its underlyings' books. */
export function deribitBooks(account: Account, market: Market): { key: string; positions: number[]; books: UnderlyingBook[] }[] {
  const pools = new Map<string, Pool>();
  const pool = (key: string): Pool => {
    let p = pools.get(key);
    if (!p) {
      p = { key, positions: [], byAsset: new Map() };
      pools.set(key, p);
    }
    return p;
  };
  const slot = (p: Pool, asset: string): { futures: Future[]; options: OptionPosition[] } => {
    let s = p.byAsset.get(asset);
    if (!s) {
      s = { futures: [], options: [] };
      p.byAsset.set(asset, s);
    }
    return s;
  };
  for (const [asset, units] of Object.entries(account.collateral)) if (units !== 0) slot(pool(asset), asset);
  account.positions.forEach((p: Position, j) => {
    if (p.kind !== 'perp' && p.kind !== 'future' && p.kind !== 'option')
      throw invalid(account, `positions[${j}].kind`, p.kind, 'Deribit accounts hold perps, futures and options only');
    const pl = pool(poolOf(p));
    pl.positions.push(p.index);
    const s = slot(pl, p.asset);
    if (p.kind === 'option') s.options.push(p);
    else s.futures.push(p);
  });
  return [...pools.values()].map((pl) => {
    const measure: BookMeasure = isUsdPool(pl.key, market) ? 'usd' : 'coin';
    const books = [...pl.byAsset.entries()].map(([asset, s]) => {
      const spot = market.prices[asset];
      if (s.options.length > 0 && spot === undefined) throw new MissingMarketDataError('price', asset, `options of account ${account.id}`);
      const optionVols = s.options.map((o) => optionVol(o, market, spot ?? NaN));
      return buildBook({
        asset,
        measure,
        collateral: asset === pl.key ? (account.collateral[asset] ?? 0) : 0,
        futures: s.futures,
        options: s.options,
        optionVols,
        asOf: market.asOf,
        rate: market.rate,
      });
    });
    return { key: pl.key, positions: pl.positions, books };
  });
}

/** Standard-margin requirement of one book at P, USD. Writes IM and MM into `out` (index 0, 1). */
export function standardRequirement(
  b: UnderlyingBook,
  s: DeribitStandardParams,
  P: number,
  optValue: Float64Array,
  mmBase: Float64Array,
  out: Float64Array,
): void {
  let im = 0;
  let mm = 0;
  for (let i = 0; i < b.invQty.length; i++) {
    const q = Math.abs(b.invQty[i]!);
    const size = q / P; // coins
    const slope = (s.futureSlopePer100 * size) / 100;
    im += (s.futureImBase + slope) * q; // (rate) x size coins x P = rate x |q| USD
    mm += (mmBase[i]! + slope) * q;
  }
  const nInv = b.invQty.length;
  for (let i = 0; i < b.linQty.length; i++) {
    const size = Math.abs(b.linQty[i]!);
    const slope = (s.futureSlopePer100 * size) / 100;
    im += (s.futureImBase + slope) * size * P;
    mm += (mmBase[nInv + i]! + slope) * size * P;
  }
  const o = b.options;
  for (let i = 0; i < o.n; i++) {
    const q = o.qty[i]!;
    if (q >= 0) continue;
    const K = o.strike[i]!;
    const c = optValue[i]! / P; // coin mark per coin of underlying
    const call = o.right[i] === 'call';
    const otm = call ? Math.max(K - P, 0) : Math.max(P - K, 0);
    const imCore = Math.max(s.optionImBase - otm / P, s.optionImFloor) + c;
    const mmc = call ? s.optionMmBase + c : Math.max(s.optionMmBase, s.optionMmBase * c) + c;
    const imc = call ? imCore : Math.max(imCore, mmc);
    im += -q * imc * P;
    mm += -q * mmc * P;
  }
  out[0] = im;
  out[1] = mm;
}

/** Standard-margin group of one book. Allocation-free accumulate. */
export class StandardGroup implements AssetGroup {
  readonly asset: string;
  private readonly optValue: Float64Array;
  private readonly mmBase: Float64Array;
  private readonly req = new Float64Array(2);
  private readonly g = newGreeks();

  constructor(
    readonly book: UnderlyingBook,
    readonly params: DeribitStandardParams,
  ) {
    this.asset = book.asset;
    this.optValue = new Float64Array(book.options.n);
    const futs = [...book.inverseFutures, ...book.linearFutures];
    this.mmBase = Float64Array.from(futs, (p) => p.mmr ?? params.futureMmBase);
  }

  accumulate(price: number, out: MarginTerms): void {
    const eq = bookEquity(this.book, price, this.g, this.optValue);
    standardRequirement(this.book, this.params, price, this.optValue, this.mmBase, this.req);
    out.balance += eq;
    out.initial += this.req[0]!;
    out.maintenance += this.req[1]!;
    out.liabilities += this.req[1]!;
  }
}

/**
 * Buckets of a Deribit account: one per settlement pool. Mode 'portfolio' uses the scenario grid, 'standard' and
 * 'cross' the standard formulas; 'isolated' is rejected (Deribit isolates by subaccount: use a separate account).
 */
export function buildDeribitBuckets(account: Account, market: Market): Bucket[] {
  const venue = deribitVenue(account);
  if (account.mode === 'isolated')
    throw invalid(account, 'mode', account.mode, 'Deribit has no isolated margin; model an isolated position as its own account (subaccount)');
  const portfolio = account.mode === 'portfolio';
  return deribitBooks(account, market).map(({ key, positions, books }) => ({
    id: `${account.id}:${key}`,
    positions,
    groups: books.map((b): AssetGroup => (portfolio ? new PortfolioGroup(b, venue.portfolio) : new StandardGroup(b, venue.standard))),
  }));
}

/**
 * Per-scenario P&L vector (USD; coin P&L converted at the current price for a coin pool) of the book of `asset`
 * in settlement pool `pool` (default: the pool named like the asset, else the USDC pool), in the grid order of
 * scenarioGrid(venue.portfolio). For stress tests; null when the account has no such book.
 */
export function deribitScenarioPnl(account: Account, market: Market, asset: string, pool?: string, price?: number): Float64Array | null {
  const venue = deribitVenue(account);
  const pools = deribitBooks(account, market);
  const pl = pools.find((p) => p.key === (pool ?? asset)) ?? (pool === undefined ? pools.find((p) => p.key === LINEAR_SETTLE) : undefined);
  const book = pl?.books.find((b) => b.asset === asset);
  if (!book) return null;
  const group = new PortfolioGroup(book, venue.portfolio);
  const P = price ?? market.prices[asset];
  if (P === undefined) return null;
  return group.scenarioPnl(P, new Float64Array(group.grid.count));
}
