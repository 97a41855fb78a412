/**
 * Weighted health (Drift v2 / Mango v4 style): deposits count at asset weights < 1, borrows at liability weights
 * > 1, perps (linear, USDC quote valued at 1 USD) require notional x margin ratio, all with Drift's IMF size
 * premium. Weighted assets A and liabilities L per category (initial, maintenance):
 *
 *   spot, net units n of an asset at USD price P (collateral + spot qty + supply - borrow):
 *     n >= 0: A += n P AW',  AW' = min(AW, 1.1 / (1 + imf sqrt|n|))        (Drift calculateSizeDiscountAssetWeight)
 *     n <  0: L += |n| P LW', LW' = max(LW, 0.8 LW + imf sqrt|n|)          (calculateSizePremiumLiabilityWeight)
 *   perp, net base q (coins) and cost sum q_i E_i on one asset:
 *     L += |q| P MR',  MR' = max(MR, 0.8 MR + imf sqrt|q|); initial MR' also >= 1 / leverage (Drift per-position
 *     max margin ratio);  uPnL = q P - cost: >= 0 -> A += uPnL w_pnl, < 0 -> L += |uPnL|.
 * Sizes are in tokens (base units), as in Drift. Terms (USD), per group:
 *   balance = n P + uPnL (unweighted equity); maintenance = balance - (A_maint - L_maint);
 *   initial = balance - (A_init - L_init); liabilities = L_maint, so HF = A_maint / L_maint (Mango's A / L) and
 *   balance - maintenance = A - L (Drift's total collateral - margin requirement).
 * A negative uPnL is counted as a liability (Mango: it lands in the settle token's balance); Drift nets it in total
 * collateral. A - L, hence the liquidation point, is identical; only the HF ratio differs when uPnL < 0.
 * Positive uPnL has one weight (unrealizedPnlMaintenanceWeight) in both categories: the model has no initial uPnL
 * weight nor uPnL IMF (Drift's, see unrealizedPnlAssetWeight, is left to a future model field).
 * Isolated perps (account mode 'isolated' or a position `margin`) get their own bucket: margin (USDC at 1 USD,
 * weight 1) + that perp. An asset the preset does not list counts as non-collateral (AW 0); borrowing it, or a
 * perp on an unlisted market, is an error. 'USD' balances are cash (all weights 1).
 * Not modelled: open orders, Drift's scaled initial asset weights and strict (TWAP) prices, Mango stable prices.
 */
import { ValidationError } from '../errors/index.ts';
import type { Account, Market, PerpPosition } from '../model/types.ts';
import type { AssetGroup, Bucket, MarginTerms } from './terms.ts';
import type { WeightedAssetParams, WeightedModel, WeightedPerpParams } from './venue-model.ts';

/** Drift's size premium on a liability weight or margin ratio: max(w, 0.8 w + imf sqrt(size)), size in tokens. */
export const sizePremiumLiabilityWeight = (weight: number, imf: number, size: number): number =>
  imf === 0 ? weight : Math.max(weight, 0.8 * weight + imf * Math.sqrt(Math.abs(size)));

/** Drift's size discount on an asset weight: min(w, 1.1 / (1 + imf sqrt(size))), size in tokens. */
export const sizeDiscountAssetWeight = (weight: number, imf: number, size: number): number =>
  imf === 0 ? weight : Math.min(weight, 1.1 / (1 + imf * Math.sqrt(Math.abs(size))));

/** Drift's unrealized-PnL asset weight: the size discount with size = positive uPnL in USD. */
export const unrealizedPnlAssetWeight = (weight: number, imf: number, pnlUsd: number): number =>
  sizeDiscountAssetWeight(weight, imf, Math.max(pnlUsd, 0));

const CASH: WeightedAssetParams = {
  initialAssetWeight: 1,
  maintenanceAssetWeight: 1,
  initialLiabilityWeight: 1,
  maintenanceLiabilityWeight: 1,
  imf: 0,
};

export type WeightCategory = 'initial' | 'maintenance';

/** Weighted assets, weighted liabilities and unweighted balance of a group at one price (USD). */
export interface WeightedComponents {
  assets: number;
  liabilities: number;
  balance: number;
}

export const zeroComponents = (): WeightedComponents => ({ assets: 0, liabilities: 0, balance: 0 });

/** One asset's spot balance and perp position in a bucket. Weights are size-based, so fixed at build. */
export class WeightedGroup implements AssetGroup {
  readonly awInit: number;
  readonly awMaint: number;
  readonly lwInit: number;
  readonly lwMaint: number;
  readonly mrInit: number;
  readonly mrMaint: number;
  private readonly m = zeroComponents();
  private readonly i = zeroComponents();

  constructor(
    readonly asset: string,
    /** Net spot units (+ deposit, - borrow). */
    readonly units: number,
    spot: WeightedAssetParams,
    /** Net perp base (coins) and cost sum q E (USD). */
    readonly perpQty: number,
    readonly perpCost: number,
    perp: WeightedPerpParams | undefined,
    /** Smallest chosen leverage of the asset's perps (Infinity when none chosen). */
    leverage: number,
    readonly pnlWeight: number,
  ) {
    const n = Math.abs(units);
    this.awInit = sizeDiscountAssetWeight(spot.initialAssetWeight, spot.imf, n);
    this.awMaint = sizeDiscountAssetWeight(spot.maintenanceAssetWeight, spot.imf, n);
    this.lwInit = sizePremiumLiabilityWeight(spot.initialLiabilityWeight, spot.imf, n);
    this.lwMaint = sizePremiumLiabilityWeight(spot.maintenanceLiabilityWeight, spot.imf, n);
    const q = Math.abs(perpQty);
    this.mrInit = perp ? Math.max(sizePremiumLiabilityWeight(perp.initialMarginRatio, perp.imf, q), 1 / leverage) : 0;
    this.mrMaint = perp ? sizePremiumLiabilityWeight(perp.maintenanceMarginRatio, perp.imf, q) : 0;
  }

  /** Weighted components at `price` for one category, written into `out` (allocation-free). */
  components(price: number, category: WeightCategory, out: WeightedComponents): WeightedComponents {
    const init = category === 'initial';
    const v = this.units * price;
    let a = 0;
    let l = 0;
    if (v >= 0) a += v * (init ? this.awInit : this.awMaint);
    else l -= v * (init ? this.lwInit : this.lwMaint);
    l += Math.abs(this.perpQty) * price * (init ? this.mrInit : this.mrMaint);
    const pnl = this.perpQty * price - this.perpCost;
    if (pnl >= 0) a += pnl * this.pnlWeight;
    else l -= pnl;
    out.assets = a;
    out.liabilities = l;
    out.balance = v + pnl;
    return out;
  }

  accumulate(price: number, out: MarginTerms): void {
    const m = this.components(price, 'maintenance', this.m);
    const i = this.components(price, 'initial', this.i);
    out.balance += m.balance;
    out.maintenance += m.balance - (m.assets - m.liabilities);
    out.initial += i.balance - (i.assets - i.liabilities);
    out.liabilities += m.liabilities;
  }
}

const fail = (account: Account, path: string, value: unknown, message: string): ValidationError =>
  new ValidationError(`account ${account.id}`, [{ path, value, message }]);

interface Slot {
  units: number;
  perpQty: number;
  perpCost: number;
  leverage: number;
  hasPerp: boolean;
}

function groupsOf(account: Account, venue: WeightedModel, slots: Map<string, Slot>): WeightedGroup[] {
  return [...slots.entries()].map(([asset, s]) => {
    const spot = asset === 'USD' ? CASH : venue.spot[asset];
    if (s.units < 0 && !spot) throw fail(account, 'venue.spot', asset, `no spot weights for borrowed asset ${asset}`);
    const perp = s.hasPerp ? venue.perps[asset] : undefined;
    return new WeightedGroup(
      asset,
      s.units,
      spot ?? { ...CASH, initialAssetWeight: 0, maintenanceAssetWeight: 0 },
      s.perpQty,
      s.perpCost,
      perp,
      s.leverage,
      venue.unrealizedPnlMaintenanceWeight,
    );
  });
}

const emptySlot = (): Slot => ({ units: 0, perpQty: 0, perpCost: 0, leverage: Infinity, hasPerp: false });

export function buildWeightedBuckets(account: Account, _market: Market): Bucket[] {
  const venue = account.venue;
  if (venue.model !== 'weighted') throw fail(account, 'venue.model', venue.model, 'expected a weighted venue');
  const cross = new Map<string, Slot>();
  const slot = (m: Map<string, Slot>, a: string): Slot => {
    let s = m.get(a);
    if (!s) {
      s = emptySlot();
      m.set(a, s);
    }
    return s;
  };
  const addPerp = (s: Slot, p: PerpPosition): void => {
    s.perpQty += p.qty;
    s.perpCost += p.qty * p.entry;
    if (p.leverage !== undefined) s.leverage = Math.min(s.leverage, p.leverage);
    s.hasPerp = true;
  };
  const crossPositions: number[] = [];
  const buckets: Bucket[] = [];
  for (const [asset, units] of Object.entries(account.collateral)) if (units !== 0) slot(cross, asset).units += units;
  account.positions.forEach((p, j) => {
    switch (p.kind) {
      case 'spot':
        slot(cross, p.asset).units += p.qty;
        break;
      case 'supply':
        slot(cross, p.asset).units += p.qty;
        break;
      case 'borrow':
        slot(cross, p.asset).units -= Math.abs(p.qty);
        break;
      case 'perp': {
        if (p.settle !== 'linear') throw fail(account, `positions[${j}].settle`, p.settle, 'weighted venues quote perps in USDC (linear)');
        if (!venue.perps[p.asset]) throw fail(account, `positions[${j}].asset`, p.asset, `no perp market parameters for ${p.asset}`);
        if (account.mode === 'isolated' || p.margin !== undefined) {
          const iso = new Map<string, Slot>();
          addPerp(slot(iso, p.asset), p);
          slot(iso, 'USD').units += p.margin ?? 0;
          buckets.push({ id: `${account.id}:${p.index}`, positions: [p.index], groups: groupsOf(account, venue, iso) });
          return;
        }
        addPerp(slot(cross, p.asset), p);
        break;
      }
      default:
        throw fail(account, `positions[${j}].kind`, p.kind, 'weighted venues hold spot, supply, borrow and perp positions only');
    }
    crossPositions.push(p.index);
  });
  if (cross.size > 0 || buckets.length === 0) buckets.unshift({ id: account.id, positions: crossPositions, groups: groupsOf(account, venue, cross) });
  return buckets;
}
