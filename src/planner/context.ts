/**
 * What the planner precomputes once per portfolio: per account its key builds (./book.ts) and base terms, per
 * position its delta and unit value at the marks, isolated margins, cash assets, fees; per asset its liquidity
 * and half-spread; the book's net delta per underlying.
 *
 * Conventions (see model/types.ts and risk/valuation.ts):
 * - Exposure is in coins of the underlying (delta, as the risk report: linear qty; inverse face / entry; options
 *   qty x BS delta; supply +qty, borrow -qty; non-stable collateral its amount); USD exposure = coins x mark.
 * - Cash: where a trade's USD flows land. Deribit: the position's settlement pool (its coin when inverse, USDC
 *   when linear); tiered coin-margined venues: the coin; otherwise the account's largest stable collateral balance
 *   (by USD value, ties by name), 'USD' when it has none.
 * - Isolated margin (tiered isolated accounts, weighted isolated perps): in the settlement currency (USD linear,
 *   coin inverse); a tiered position without `margin` has the venue's default, notional at entry / leverage.
 */
import { tierFor } from '../margin/tiers.ts';
import type { PriceFn } from '../margin/terms.ts';
import type { Account, Market, Portfolio, Position } from '../model/types.ts';
import { marketPrices } from '../risk/prices.ts';
import { valuePosition } from '../risk/valuation.ts';
import { accountKeys, accountTerms, buildKey, type AccountTerms, type KeyBuild } from './book.ts';
import type { Liquidity } from './cost.ts';
import type { ResolvedOptions } from './config.ts';
import { halfSpreadBps, liquidityOf, optionFeeSchedule, takerFee } from './liquidity.ts';

export interface AccountCtx {
  readonly idx: number;
  readonly account: Account;
  readonly keys: readonly string[];
  readonly base: ReadonlyMap<string, KeyBuild>;
  /** Array indices of the positions of each key. */
  readonly byKey: ReadonlyMap<string, readonly number[]>;
  /** Per position (array index): delta in coins, USD value of one unit (options), vega per unit, isolated margin (NaN: none). */
  readonly delta: Float64Array;
  readonly unitValue: Float64Array;
  readonly unitVega: Float64Array;
  readonly isoMargin: Float64Array;
  readonly cash: string;
  readonly fee: number;
  readonly optionFee: { readonly rate: number; readonly cap: number };
  readonly terms: AccountTerms;
  /** Equity as the risk report defines it: bucket balances, plus all collateral in an isolated-mode account. */
  readonly equity: number;
  /** Exposure in coins per non-stable asset: positions and collateral. */
  readonly exposure: ReadonlyMap<string, number>;
  /** Next free position index (file order) for positions the plan adds. */
  readonly nextIndex: number;
}

export interface BookContext {
  readonly portfolio: Portfolio;
  readonly market: Market;
  readonly prices: PriceFn;
  readonly isStable: (asset: string) => boolean;
  readonly accounts: readonly AccountCtx[];
  readonly byId: ReadonlyMap<string, number>;
  readonly options: ResolvedOptions;
  /** Book net delta (coins) per non-stable asset. */
  readonly net: ReadonlyMap<string, number>;
  liquidity(asset: string): Liquidity | null;
  /** Half-spread as a fraction of notional. */
  halfSpread(asset: string): number;
}

const isTieredInverse = (a: Account): boolean => a.venue.model === 'tiered' && a.venue.settle === 'inverse';

/** Settlement pool (cash asset) of a position's flows, see the module comment. */
export function positionCash(a: AccountCtx, p: Position): string {
  const inverse = 'settle' in p && p.settle === 'inverse';
  if (a.account.venue.model === 'deribit') return inverse ? p.asset : 'USDC';
  if (isTieredInverse(a.account)) return p.asset;
  return a.cash;
}

/** Isolated margin of a position in its settlement currency; NaN when it has none. */
function isolatedMargin(a: Account, p: Position): number {
  if (p.kind !== 'perp' && p.kind !== 'future') return NaN;
  const v = a.venue;
  if (v.model === 'tiered' && a.mode === 'isolated') {
    if (p.margin !== undefined) return p.margin;
    const tiers = v.tiers[p.asset] ?? v.tiers['*'];
    const size = Math.abs(p.qty);
    const notional = p.settle === 'inverse' ? size / p.entry : size * p.entry;
    const lev = p.leverage ?? (tiers ? tierFor(tiers, notional).maxLeverage : 1);
    return notional / lev;
  }
  if (v.model === 'weighted' && p.kind === 'perp' && (a.mode === 'isolated' || p.margin !== undefined)) return p.margin ?? 0;
  return NaN;
}

function stableCash(a: Account, market: Market): string {
  let best = 'USD';
  let bestUsd = 0;
  for (const [asset, amount] of Object.entries(a.collateral).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    if (!market.stables.has(asset) || !(amount > 0)) continue;
    const usd = amount * (market.prices[asset] ?? 1);
    if (usd > bestUsd) {
      best = asset;
      bestUsd = usd;
    }
  }
  return best;
}

export function buildContext(portfolio: Portfolio, options: ResolvedOptions): BookContext {
  const market = portfolio.market;
  const prices = marketPrices(market, 'planner');
  const isStable = (a: string): boolean => a === 'USD' || market.stables.has(a);
  const net = new Map<string, number>();
  const accounts = portfolio.accounts.map((account, idx): AccountCtx => {
    const keys = accountKeys(account);
    const byKey = new Map<string, number[]>();
    account.positions.forEach((p, j) => {
      const list = byKey.get(p.asset);
      if (list) list.push(j);
      else byKey.set(p.asset, [j]);
    });
    const base = new Map<string, KeyBuild>();
    for (const k of keys) {
      const js = byKey.get(k) ?? [];
      base.set(k, buildKey(account, k, js.map((j) => account.positions[j]!), account.collateral[k] ?? 0, market));
    }
    const n = account.positions.length;
    const delta = new Float64Array(n);
    const unitValue = new Float64Array(n);
    const unitVega = new Float64Array(n);
    const isoMargin = new Float64Array(n);
    const exposure = new Map<string, number>();
    account.positions.forEach((p, j) => {
      isoMargin[j] = isolatedMargin(account, p);
      if (p.asset === 'USD') return;
      const v = valuePosition(p, prices(p.asset), market);
      delta[j] = v.delta;
      if (p.kind === 'option' && p.qty !== 0) {
        unitValue[j] = v.value / p.qty;
        unitVega[j] = (v.vega * 100) / p.qty;
      }
      if (!isStable(p.asset)) exposure.set(p.asset, (exposure.get(p.asset) ?? 0) + v.delta);
    });
    for (const [asset, amount] of Object.entries(account.collateral)) if (!isStable(asset) && amount !== 0) exposure.set(asset, (exposure.get(asset) ?? 0) + amount);
    for (const [asset, e] of exposure) net.set(asset, (net.get(asset) ?? 0) + e);
    const terms = accountTerms([...base.values()], prices, new Map());
    let free = 0;
    if (account.mode === 'isolated') for (const [asset, amount] of Object.entries(account.collateral)) free += amount * prices(asset);
    return {
      idx,
      account,
      keys,
      base,
      byKey,
      delta,
      unitValue,
      unitVega,
      isoMargin,
      cash: stableCash(account, market),
      fee: takerFee(account.venueName, options.fees),
      optionFee: optionFeeSchedule(account.venueName),
      terms,
      equity: terms.balance + free,
      exposure,
      nextIndex: Math.max(-1, ...account.positions.map((p) => p.index)) + 1,
    };
  });
  const liq = new Map<string, Liquidity | null>();
  return {
    portfolio,
    market,
    prices,
    isStable,
    accounts,
    byId: new Map(portfolio.accounts.map((a, i) => [a.id, i])),
    options,
    net,
    liquidity(asset) {
      if (!liq.has(asset)) liq.set(asset, liquidityOf(asset, isStable(asset), options.liquidity));
      return liq.get(asset) ?? null;
    },
    halfSpread: (asset) => halfSpreadBps(asset, isStable(asset), options.halfSpreadBps) / 1e4,
  };
}
