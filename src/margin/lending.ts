/**
 * Lending-protocol health (Aave v3 style): one bucket per account, one group per asset (an asset may be both
 * supplied and borrowed).
 *
 * Conventions (USD; C_a = supplied units x P_a, D_a = borrowed units x P_a):
 * - supplied = `supply` positions + the account's collateral balances (treated as supplied); borrowed = `borrow`
 *   positions (qty is a positive amount, model/types.ts);
 * - balance = sum C - sum D; maintenance = sum C (1 - LT); initial = sum C (1 - LTV); liabilities = sum D, so
 *   balance - maintenance = sum C LT - sum D and HF = sum C LT / sum D (Aave `calculateHealthFactorFromBalances`);
 *   no debt: HF = Infinity (Aave utils return -1 there);
 * - an asset the preset does not list counts as non-collateral (LTV = LT = 0, bonus 0): conservative.
 * Liquidation bonus and close factor are venue data (LendingModel); liquidationCall() applies them.
 * Not modelled: eMode (use eMode LTV / LT as the asset parameters), isolation-mode debt ceilings, interest accrual,
 * Aave v3.3+ dust rules for the close factor.
 */
import { ValidationError } from '../errors/index.ts';
import type { Account, Market } from '../model/types.ts';
import type { AssetGroup, Bucket, MarginTerms, PriceFn } from './terms.ts';
import type { LendingAssetParams, LendingModel } from './venue-model.ts';

const NON_COLLATERAL: LendingAssetParams = { ltv: 0, liquidationThreshold: 0, liquidationBonus: 0 };

export const lendingAssetParams = (model: LendingModel, asset: string): LendingAssetParams => model.assets[asset] ?? NON_COLLATERAL;

/** One asset of a lending account: units supplied and borrowed. */
export class LendingGroup implements AssetGroup {
  constructor(
    readonly asset: string,
    readonly supplied: number,
    readonly borrowed: number,
    readonly params: LendingAssetParams,
  ) {}

  accumulate(price: number, out: MarginTerms): void {
    const c = this.supplied * price;
    const d = this.borrowed * price;
    out.balance += c - d;
    out.maintenance += c * (1 - this.params.liquidationThreshold);
    out.initial += c * (1 - this.params.ltv);
    out.liabilities += d;
  }

  /** This group's contribution to balance - maintenance (= C LT - D) at `price`. */
  excessAt(price: number): number {
    return price * (this.supplied * this.params.liquidationThreshold - this.borrowed);
  }
}

/**
 * Price of `asset` at which sum C LT - D = 0, every other price fixed: the excess is linear in P_a with slope
 * S_a LT_a - B_a (units), so the root is unique when the slope is not zero. Reported as `down` when below the
 * current price and `up` when above (the liquidation solver's convention: an already liquidatable account reports
 * the price at which it becomes safe again); null when there is no positive root.
 */
export function lendingLiquidationPrice(
  groups: readonly LendingGroup[],
  asset: string,
  prices: PriceFn,
): { down: number | null; up: number | null } {
  let rest = 0;
  let slope = 0;
  let found = false;
  for (const g of groups) {
    if (g.asset === asset) {
      slope += g.supplied * g.params.liquidationThreshold - g.borrowed;
      found = true;
    } else rest += g.excessAt(g.asset === 'USD' ? 1 : prices(g.asset));
  }
  if (!found || slope === 0) return { down: null, up: null };
  const root = -rest / slope;
  if (!(root > 0) || !Number.isFinite(root)) return { down: null, up: null };
  const p0 = asset === 'USD' ? 1 : prices(asset);
  return root <= p0 ? { down: root, up: null } : { down: null, up: root };
}

export function buildLendingBuckets(account: Account, _market: Market): Bucket[] {
  const venue = account.venue;
  if (venue.model !== 'lending')
    throw new ValidationError(`account ${account.id}`, [{ path: 'venue.model', value: venue.model, message: 'expected a lending venue' }]);
  const supplied = new Map<string, number>();
  const borrowed = new Map<string, number>();
  const add = (m: Map<string, number>, a: string, q: number): void => {
    m.set(a, (m.get(a) ?? 0) + q);
  };
  for (const [asset, units] of Object.entries(account.collateral)) if (units !== 0) add(supplied, asset, units);
  account.positions.forEach((p, j) => {
    if (p.kind !== 'supply' && p.kind !== 'borrow')
      throw new ValidationError(`account ${account.id}`, [
        { path: `positions[${j}].kind`, value: p.kind, message: 'lending accounts hold supply and borrow positions only' },
      ]);
    if (p.qty < 0)
      throw new ValidationError(`account ${account.id}`, [
        { path: `positions[${j}].qty`, value: p.qty, message: 'must be >= 0 (an amount of the asset; the kind gives the direction)' },
      ]);
    add(p.kind === 'supply' ? supplied : borrowed, p.asset, p.qty);
  });
  const assets = [...new Set([...supplied.keys(), ...borrowed.keys()])];
  const groups = assets.map((a) => new LendingGroup(a, supplied.get(a) ?? 0, borrowed.get(a) ?? 0, lendingAssetParams(venue, a)));
  return [
    {
      id: account.id,
      positions: account.positions.map((p) => p.index),
      groups,
      closedFormLiquidation: (asset: string, prices: PriceFn) => lendingLiquidationPrice(groups, asset, prices),
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Liquidation call (Aave v3 LiquidationLogic, v3.0-v3.2 close-factor rule)

export interface LiquidationCallInput {
  readonly model: LendingModel;
  /** Health factor before the call. */
  readonly healthFactor: number;
  readonly collateralAsset: string;
  /** Units of the debt asset the borrower owes and of the collateral asset supplied. */
  readonly debtBalance: number;
  readonly collateralBalance: number;
  /** USD prices of the debt and collateral assets. */
  readonly debtPrice: number;
  readonly collateralPrice: number;
  /** Units of debt the liquidator offers to repay; default: as much as the close factor allows. */
  readonly debtToCover?: number;
  /** Share of the bonus kept by the protocol (Aave `liquidationProtocolFee`, e.g. 0.1); default 0. */
  readonly protocolFeeRate?: number;
}

export interface LiquidationCallResult {
  /** Share of the debt repayable in this call: closeFactor when HF > closeFactorHfThreshold, else 1. */
  readonly closeFactor: number;
  /** Units of debt repaid. */
  readonly debtRepaid: number;
  /** Units of collateral taken from the borrower, bonus included. */
  readonly collateralSeized: number;
  /** Of which to the liquidator and to the protocol (fee on the bonus part). */
  readonly toLiquidator: number;
  readonly protocolFee: number;
  /** Liquidator's gross gain in USD: collateral received x its price - debt repaid x its price. */
  readonly liquidatorGainUsd: number;
}

const NOTHING = (closeFactor: number): LiquidationCallResult => ({
  closeFactor,
  debtRepaid: 0,
  collateralSeized: 0,
  toLiquidator: 0,
  protocolFee: 0,
  liquidatorGainUsd: 0,
});

/**
 * One liquidation call, pure (Aave v3: debt repaid capped by close factor x debt; collateral = repaid value /
 * collateral price x (1 + bonus), capped by the collateral balance, in which case the debt repaid shrinks to match).
 * Nothing happens when HF >= 1.
 */
export function liquidationCall(x: LiquidationCallInput): LiquidationCallResult {
  const closeFactor = x.healthFactor > x.model.closeFactorHfThreshold ? x.model.closeFactor : 1;
  if (!(x.healthFactor < 1) || x.debtBalance <= 0 || x.collateralBalance <= 0) return NOTHING(closeFactor);
  const bonus = lendingAssetParams(x.model, x.collateralAsset).liquidationBonus;
  const maxDebt = x.debtBalance * closeFactor;
  let debt = Math.min(x.debtToCover ?? maxDebt, maxDebt);
  if (!(debt > 0)) return NOTHING(closeFactor);
  let collateral = ((debt * x.debtPrice) / x.collateralPrice) * (1 + bonus);
  if (collateral > x.collateralBalance) {
    collateral = x.collateralBalance;
    debt = (collateral * x.collateralPrice) / x.debtPrice / (1 + bonus);
  }
  const bonusPart = collateral - collateral / (1 + bonus);
  const protocolFee = bonusPart * (x.protocolFeeRate ?? 0);
  const toLiquidator = collateral - protocolFee;
  return {
    closeFactor,
    debtRepaid: debt,
    collateralSeized: collateral,
    toLiquidator,
    protocolFee,
    liquidatorGainUsd: toLiquidator * x.collateralPrice - debt * x.debtPrice,
  };
}
