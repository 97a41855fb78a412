/**
 * The risk report of a whole book: per account margin, health, liquidation prices and crash moves; per position
 * value and Greeks; portfolio Greeks and leverage. Pure: a Portfolio in, a plain JSON-able document out.
 *
 * Account fields (USD unless stated):
 * - equity: margin balance of every bucket, plus free collateral outside isolated buckets.
 * - initialMargin, maintenanceMargin: sums over buckets (maintenance includes liquidation fees where the venue
 *   charges them). Lending: collateral x (1 - LTV) and collateral x (1 - LT), see margin/terms.ts.
 * - marginRatio = maintenanceMargin / equity (null when equity <= 0).
 * - healthFactor: the lowest bucket health (> 1 safe, <= 1 liquidatable); null when nothing is required.
 * - crashMove: the joint fraction move of all non-stable prices liquidating the first bucket (down < 0 < up).
 * Position fields: see risk/valuation.ts; liquidationPrice is the nearer of `liquidationPrices.down/up` (the price
 * of its underlying, others fixed, at which its bucket reaches maintenance), distanceToLiquidation =
 * |mark - liquidationPrice| / mark, negative when the bucket is already liquidatable.
 * Portfolio (stable assets excluded: they are the unit of account, not a risk underlying): per underlying netDelta (positions + non-stable collateral, underlying units), netDeltaUsd, gamma,
 * vega, theta; grossLeverage = sum of |delta x mark| over positions and non-stable collateral / equity;
 * netLeverage = sum over underlyings of |netDeltaUsd| / equity.
 */
import { buildAccountModel } from '../margin/index.ts';
import type { AccountModel, Bucket, MarginTerms, PriceFn } from '../margin/terms.ts';
import { evaluateBucket, healthFactor, zeroTerms } from '../margin/terms.ts';
import { bucketCrashMove, bucketLiquidationPrices, type Roots } from '../liquidation/price.ts';
import type { Account, Market, Portfolio, Position } from '../model/types.ts';
import { marketPrices } from './prices.ts';
import { valuePosition, type PositionValuation } from './valuation.ts';

export interface PositionRisk {
  asset: string;
  kind: Position['kind'];
  qty: number;
  settle?: 'linear' | 'inverse';
  right?: 'call' | 'put';
  strike?: number;
  expiry?: string;
  entry?: number;
  mark: number;
  value: number;
  unrealizedPnl: number | null;
  liquidationPrice: number | null;
  liquidationPrices: Roots;
  distanceToLiquidation: number | null;
  liquidatable: boolean;
  delta: number;
  deltaCoin?: number;
  gamma: number;
  vega: number;
  theta: number;
}

export interface AccountRisk {
  id: string;
  venue: string;
  model: string;
  mode: string;
  equity: number;
  initialMargin: number;
  maintenanceMargin: number;
  marginRatio: number | null;
  healthFactor: number | null;
  liquidatable: boolean;
  crashMove: Roots;
  positions: PositionRisk[];
}

export interface UnderlyingRisk {
  netDelta: number;
  netDeltaUsd: number;
  gamma: number;
  vega: number;
  theta: number;
}

export interface PortfolioRisk {
  equity: number;
  underlyings: Record<string, UnderlyingRisk>;
  grossLeverage: number | null;
  netLeverage: number | null;
}

export interface RiskReport {
  asOf: string;
  accounts: AccountRisk[];
  portfolio: PortfolioRisk;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

const isLiquidatable = (t: MarginTerms): boolean => t.balance - t.maintenance < 0 || (t.maintenance > 0 && t.balance <= t.maintenance);

function nearer(r: Roots, mark: number): number | null {
  if (r.down === null) return r.up;
  if (r.up === null) return r.down;
  return Math.abs(mark - r.down) <= Math.abs(r.up - mark) ? r.down : r.up;
}

/** Earliest joint move over several buckets: the down move closest to zero and the smallest up move. */
function firstMove(moves: Roots[]): Roots {
  let down: number | null = null;
  let up: number | null = null;
  for (const m of moves) {
    if (m.down !== null && (down === null || m.down > down)) down = m.down;
    if (m.up !== null && (up === null || m.up < up)) up = m.up;
  }
  return { down, up };
}

export interface RiskReportOptions {
  /**
   * Margin model of account i, when the caller keeps them (the backtest's Book caches models between bars). It must
   * be the model `buildAccountModel(account, portfolio.market)` would build; default: built here.
   */
  readonly model?: (i: number, account: Account) => AccountModel;
}

/** Which bucket holds each position index, per model (models are immutable: cached once). */
const bucketIndexCache = new WeakMap<AccountModel, Map<number, number>>();
function bucketIndex(model: AccountModel): Map<number, number> {
  let m = bucketIndexCache.get(model);
  if (!m) {
    m = new Map<number, number>();
    const out = m;
    model.buckets.forEach((b, i) => b.positions.forEach((p) => out.set(p, i)));
    bucketIndexCache.set(model, m);
  }
  return m;
}

/**
 * The report. The portfolio summary (equity, per-underlying Greeks, leverage) is computed at once. The per-account
 * and per-position documents are built on the first read of `accounts`, and within them liquidation prices,
 * distances and crash moves (the root solving) on their first read (memoized getters), so a caller that never reads
 * them (a backtest bar whose policies read equity only) does not pay for them. JSON.stringify writes every field;
 * the account and position documents are plain objects (their getters are own properties: spreads and equality
 * read them like data). The values are those of the snapshot given (its own price records and immutable margin
 * models), whenever they are read.
 */
export function riskReport(portfolio: Portfolio, options: RiskReportOptions = {}): RiskReport {
  const prices = marketPrices(portfolio.market);
  const { parts, summary } = summarize(portfolio, prices, options);
  return new Report(parts, portfolio.market, prices, summary);
}

/**
 * The report document. A class, not an object literal with getters: creating a literal with accessors costs about
 * 0.5 us in V8, a class instance a few ns, and a backtest builds one report per bar. `portfolio` is an own data
 * property; `asOf` and `accounts` are computed on first read (prototype getters, memoized) and `toJSON` writes all
 * three, in the order of the RiskReport interface.
 */
class Report implements RiskReport {
  readonly portfolio: PortfolioRisk;
  readonly #parts: readonly AccountPart[];
  readonly #market: Market;
  readonly #prices: PriceFn;
  #accounts: AccountRisk[] | null = null;
  #asOf: string | null = null;

  constructor(parts: readonly AccountPart[], market: Market, prices: PriceFn, portfolio: PortfolioRisk) {
    this.#parts = parts;
    this.#market = market;
    this.#prices = prices;
    this.portfolio = portfolio;
  }

  get asOf(): string {
    return (this.#asOf ??= new Date(this.#market.asOf).toISOString());
  }

  get accounts(): AccountRisk[] {
    return (this.#accounts ??= this.#parts.map((part) => accountRisk(part, this.#market, this.#prices)));
  }

  toJSON(): { asOf: string; accounts: AccountRisk[]; portfolio: PortfolioRisk } {
    return { asOf: this.asOf, accounts: this.accounts, portfolio: this.portfolio };
  }
}

/** One account's document (built on the first read of the report's `accounts`). */
function accountRisk({ account, model, terms, values, equity }: AccountPart, market: Market, prices: PriceFn): AccountRisk {
  const isStable = (a: string): boolean => market.stables.has(a);
  const bucketOf = bucketIndex(model);
  let lpCache: Map<string, Roots> | null = null;
  const lp = (bi: number, bucket: Bucket, asset: string): Roots => {
    const key = `${bi}:${asset}`;
    lpCache ??= new Map<string, Roots>();
    let r = lpCache.get(key);
    if (!r) lpCache.set(key, (r = bucketLiquidationPrices(bucket, asset, prices)));
    return r;
  };
  const positions = account.positions.map((p, k): PositionRisk => {
    const v = values[k]!;
    const mark = v.mark;
    const bi = bucketOf.get(p.index);
    const liquidatable = bi !== undefined && isLiquidatable(terms[bi]!);
    const rootsOf = (): Roots => (bi === undefined ? { down: null, up: null } : lp(bi, model.buckets[bi]!, p.asset));
    return {
      asset: p.asset,
      kind: p.kind,
      qty: p.qty,
      ...('settle' in p ? { settle: p.settle } : {}),
      ...(p.kind === 'option' ? { right: p.right, strike: p.strike, expiry: new Date(p.expiry).toISOString() } : {}),
      ...(p.kind === 'future' ? { expiry: new Date(p.expiry).toISOString() } : {}),
      ...('entry' in p && p.entry !== undefined ? { entry: p.entry } : {}),
      mark,
      value: v.value,
      unrealizedPnl: v.unrealizedPnl,
      get liquidationPrice(): number | null {
        return nearer(rootsOf(), mark);
      },
      get liquidationPrices(): Roots {
        return rootsOf();
      },
      get distanceToLiquidation(): number | null {
        const liq = nearer(rootsOf(), mark);
        return liq === null ? null : (Math.abs(mark - liq) / mark) * (liquidatable ? -1 : 1);
      },
      liquidatable,
      delta: v.delta,
      ...(v.deltaCoin !== null ? { deltaCoin: v.deltaCoin } : {}),
      gamma: v.gamma,
      vega: v.vega,
      theta: v.theta,
    };
  });

  const sum = zeroTerms();
  let minHf = Infinity;
  for (const t of terms) {
    sum.initial += t.initial;
    sum.maintenance += t.maintenance;
    minHf = Math.min(minHf, healthFactor(t));
  }
  let crash: Roots | null = null;
  return {
    id: account.id,
    venue: account.venueName,
    model: account.venue.model,
    mode: account.mode,
    equity,
    initialMargin: sum.initial,
    maintenanceMargin: sum.maintenance,
    marginRatio: equity > 0 ? sum.maintenance / equity : null,
    healthFactor: finiteOrNull(minHf),
    liquidatable: terms.some(isLiquidatable),
    get crashMove(): Roots {
      return (crash ??= firstMove(
        model.buckets.map((b, bi) => {
          // A bucket moved by one non-stable asset only: its crash move is that asset's liquidation price as a
          // fraction of the mark (same root as the positions' liquidation prices), so it is not solved twice.
          const moving = new Set(b.groups.filter((g) => g.asset !== 'USD' && !isStable(g.asset)).map((g) => g.asset));
          if (moving.size !== 1) return bucketCrashMove(b, prices, isStable);
          const asset = moving.values().next().value as string;
          const mark = prices(asset);
          const r = lp(bi, b, asset);
          return { down: r.down === null ? null : r.down / mark - 1, up: r.up === null ? null : r.up / mark - 1 };
        }),
      ));
    },
    positions,
  };
}

/** One account's margin terms per bucket and valuation per position: the summary's inputs, kept for the documents. */
interface AccountPart {
  readonly account: Account;
  readonly model: AccountModel;
  readonly terms: MarginTerms[];
  readonly values: PositionValuation[];
  readonly equity: number;
}

function newUnderlying(): UnderlyingRisk {
  return { netDelta: 0, netDeltaUsd: 0, gamma: 0, vega: 0, theta: 0 };
}

/** The portfolio summary, with plain loops (it runs on every backtest bar). */
function summarize(portfolio: Portfolio, prices: PriceFn, options: RiskReportOptions): { parts: AccountPart[]; summary: PortfolioRisk } {
  const { market } = portfolio;
  const stables = market.stables;
  const underlyings: Record<string, UnderlyingRisk> = {};
  let totalEquity = 0;
  let gross = 0;
  const parts: AccountPart[] = [];
  for (let ai = 0; ai < portfolio.accounts.length; ai++) {
    const account = portfolio.accounts[ai]!;
    const model = options.model ? options.model(ai, account) : buildAccountModel(account, market);
    const terms: MarginTerms[] = [];
    let balance = 0;
    for (const b of model.buckets) {
      const t = evaluateBucket(b, prices, zeroTerms());
      balance += t.balance;
      terms.push(t);
    }
    const values: PositionValuation[] = [];
    for (const p of account.positions) {
      const mark = prices(p.asset);
      const v = valuePosition(p, mark, market);
      values.push(v);
      if (stables.has(p.asset)) continue;
      const u = (underlyings[p.asset] ??= newUnderlying());
      u.netDelta += v.delta;
      u.gamma += v.gamma;
      u.vega += v.vega;
      u.theta += v.theta;
      gross += Math.abs(v.delta * mark);
    }
    for (const asset in account.collateral) {
      if (stables.has(asset)) continue;
      const amount = account.collateral[asset]!;
      (underlyings[asset] ??= newUnderlying()).netDelta += amount;
      gross += Math.abs(amount * prices(asset));
    }
    const equity = balance + (account.mode === 'isolated' ? collateralValue(account, prices) : 0);
    totalEquity += equity;
    parts.push({ account, model, terms, values, equity });
  }
  let net = 0;
  for (const asset in underlyings) {
    const u = underlyings[asset]!;
    u.netDeltaUsd = u.netDelta * prices(asset);
    net += Math.abs(u.netDeltaUsd);
  }
  return {
    parts,
    summary: { equity: totalEquity, underlyings, grossLeverage: totalEquity > 0 ? gross / totalEquity : null, netLeverage: totalEquity > 0 ? net / totalEquity : null },
  };
}

/** The lowest health factor over an account's buckets at these prices (Infinity when nothing is required). */
export function accountHealth(model: AccountModel, prices: PriceFn, scratch: MarginTerms = zeroTerms()): number {
  let h = Infinity;
  for (const b of model.buckets) {
    const hf = healthFactor(evaluateBucket(b, prices, scratch));
    if (hf < h) h = hf;
  }
  return h;
}

function collateralValue(account: Account, prices: PriceFn): number {
  let v = 0;
  for (const asset in account.collateral) v += account.collateral[asset]! * prices(asset);
  return v;
}
