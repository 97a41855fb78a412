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
import type { Bucket, MarginTerms } from '../margin/terms.ts';
import { evaluateBucket, healthFactor, zeroTerms } from '../margin/terms.ts';
import { bucketCrashMove, bucketLiquidationPrices, type Roots } from '../liquidation/price.ts';
import type { Account, Portfolio, Position } from '../model/types.ts';
import { marketPrices } from './prices.ts';
import { valuePosition } from './valuation.ts';

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

export function riskReport(portfolio: Portfolio): RiskReport {
  const { market } = portfolio;
  const prices = marketPrices(market);
  const isStable = (a: string): boolean => market.stables.has(a);
  const underlyings: Record<string, UnderlyingRisk> = {};
  const under = (asset: string): UnderlyingRisk => (underlyings[asset] ??= { netDelta: 0, netDeltaUsd: 0, gamma: 0, vega: 0, theta: 0 });
  let totalEquity = 0;
  let gross = 0;

  const accounts = portfolio.accounts.map((account): AccountRisk => {
    const model = buildAccountModel(account, market);
    const terms = model.buckets.map((b) => evaluateBucket(b, prices, zeroTerms()));
    const bucketOf = new Map<number, number>();
    model.buckets.forEach((b, i) => b.positions.forEach((p) => bucketOf.set(p, i)));
    const lpCache = new Map<string, Roots>();
    const lp = (bi: number, bucket: Bucket, asset: string): Roots => {
      const key = `${bi}:${asset}`;
      let r = lpCache.get(key);
      if (!r) lpCache.set(key, (r = bucketLiquidationPrices(bucket, asset, prices)));
      return r;
    };

    const positions = account.positions.map((p): PositionRisk => {
      const mark = prices(p.asset);
      const v = valuePosition(p, mark, market);
      const bi = bucketOf.get(p.index);
      const roots: Roots = bi === undefined ? { down: null, up: null } : lp(bi, model.buckets[bi]!, p.asset);
      const liq = nearer(roots, mark);
      const liquidatable = bi !== undefined && isLiquidatable(terms[bi]!);
      const dist = liq === null ? null : (Math.abs(mark - liq) / mark) * (liquidatable ? -1 : 1);
      if (!isStable(p.asset)) {
        const u = under(p.asset);
        u.netDelta += v.delta;
        u.gamma += v.gamma;
        u.vega += v.vega;
        u.theta += v.theta;
        gross += Math.abs(v.delta * mark);
      }
      const out: PositionRisk = {
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
        liquidationPrice: liq,
        liquidationPrices: roots,
        distanceToLiquidation: dist,
        liquidatable,
        delta: v.delta,
        ...(v.deltaCoin !== null ? { deltaCoin: v.deltaCoin } : {}),
        gamma: v.gamma,
        vega: v.vega,
        theta: v.theta,
      };
      return out;
    });

    for (const [asset, amount] of Object.entries(account.collateral)) {
      if (isStable(asset)) continue;
      under(asset).netDelta += amount;
      gross += Math.abs(amount * prices(asset));
    }

    const sum = zeroTerms();
    let minHf = Infinity;
    for (const t of terms) {
      sum.balance += t.balance;
      sum.initial += t.initial;
      sum.maintenance += t.maintenance;
      sum.liabilities += t.liabilities;
      minHf = Math.min(minHf, healthFactor(t));
    }
    const equity = sum.balance + (account.mode === 'isolated' ? collateralValue(account, prices) : 0);
    totalEquity += equity;
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
      crashMove: firstMove(
        model.buckets.map((b, bi) => {
          // A bucket moved by one non-stable asset only: its crash move is that asset's liquidation price as a
          // fraction of the mark (same root, already solved above), so it is not solved twice.
          const moving = new Set(b.groups.filter((g) => g.asset !== 'USD' && !isStable(g.asset)).map((g) => g.asset));
          if (moving.size !== 1) return bucketCrashMove(b, prices, isStable);
          const asset = moving.values().next().value as string;
          const mark = prices(asset);
          const r = lp(bi, b, asset);
          return { down: r.down === null ? null : r.down / mark - 1, up: r.up === null ? null : r.up / mark - 1 };
        }),
      ),
      positions,
    };
  });

  let net = 0;
  for (const [asset, u] of Object.entries(underlyings)) {
    u.netDeltaUsd = u.netDelta * prices(asset);
    net += Math.abs(u.netDeltaUsd);
  }
  return {
    asOf: new Date(market.asOf).toISOString(),
    accounts,
    portfolio: {
      equity: totalEquity,
      underlyings,
      grossLeverage: totalEquity > 0 ? gross / totalEquity : null,
      netLeverage: totalEquity > 0 ? net / totalEquity : null,
    },
  };
}

function collateralValue(account: Account, prices: (a: string) => number): number {
  let v = 0;
  for (const [asset, amount] of Object.entries(account.collateral)) v += amount * prices(asset);
  return v;
}
