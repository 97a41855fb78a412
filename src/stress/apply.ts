/**
 * Applying a scenario (./scenario.ts) to a portfolio: a new, shocked Portfolio; the input is not changed.
 * 1. Prices: listed assets x their multiplier, other non-stable assets x `others`, other stables unchanged.
 * 2. Vols: each option (not expired) first keeps the vol it has at the current mark (sticky strike, the convention
 *    of liquidation prices and crash moves: the margin models pin vols the same way), then the shock applies to
 *    it: x multiplier, or the absolute vol of its underlying. Flat market vols and smiles get the same shock.
 * 3. Cash: funding of perps and the exit haircut (at the shocked marks and vols, valued by risk/valuation.ts) are
 *    debited from the bucket each position belongs to (./charge.ts), so the margin models see them.
 */
import type { Market, OptionPosition, Portfolio, Position, SviSlice } from '../model/types.ts';
import { yearFraction } from '../model/types.ts';
import { optionVol } from '../pricing/vol.ts';
import { marketPrices } from '../risk/prices.ts';
import { valuePosition } from '../risk/valuation.ts';
import { chargeAccount } from './charge.ts';
import { checkScenario, type Scenario, type VolShock } from './scenario.ts';

/** Multiplier of one asset's price under a scenario. */
export const priceMultiplier = (s: Scenario, asset: string, isStable: (a: string) => boolean): number =>
  s.prices[asset] ?? (isStable(asset) ? 1 : (s.others ?? 1));

const shockVol = (vol: number, asset: string, shock: VolShock | undefined): number => {
  if (shock === undefined) return vol;
  if ('multiplier' in shock) return vol * shock.multiplier;
  return shock.absolute[asset] ?? vol;
};

/** SVI total variance scales with vol squared: a and b x m^2 give vol x m at every strike. */
const scaleSlice = (s: SviSlice, m: number): SviSlice => ({ ...s, a: s.a * m * m, b: s.b * m * m });

/** The shocked market: prices and vols (flat and smiles). */
export function shockMarket(market: Market, s: Scenario): Market {
  const isStable = (a: string): boolean => market.stables.has(a);
  const prices = Object.fromEntries(Object.entries(market.prices).map(([a, p]) => [a, p * priceMultiplier(s, a, isStable)]));
  const shock = s.vol;
  if (shock === undefined) return { ...market, prices };
  const vols = Object.fromEntries(Object.entries(market.vols).map(([a, v]) => [a, shockVol(v, a, shock)]));
  let smiles: Record<string, readonly SviSlice[]>;
  if ('multiplier' in shock) {
    smiles = Object.fromEntries(Object.entries(market.smiles).map(([a, sl]) => [a, sl.map((x) => scaleSlice(x, shock.multiplier))]));
  } else {
    // an absolute vol replaces the smile of its underlying, and is its flat vol
    smiles = Object.fromEntries(Object.entries(market.smiles).filter(([a]) => shock.absolute[a] === undefined));
    Object.assign(vols, shock.absolute);
  }
  return { ...market, prices, vols, smiles };
}

/** An option with its vol pinned at the current mark (sticky strike), then shocked. Expired options are kept. */
function shockOption(p: OptionPosition, market: Market, shock: VolShock | undefined): OptionPosition {
  if (!(yearFraction(market.asOf, p.expiry) > 0)) return p;
  const spot = marketPrices(market, 'stress')(p.asset);
  return { ...p, vol: shockVol(optionVol(p, market, spot), p.asset, shock) };
}

/** USD cash a position costs under the scenario: funding (perps) plus the exit haircut; >= 0 is a cost. */
function positionCharge(p: Position, s: Scenario, shocked: Market): number {
  const funding = p.kind === 'perp' ? (s.fundingPer8h ?? 0) * ((s.horizonHours ?? 0) / 8) : 0;
  const haircut = shocked.stables.has(p.asset) ? 0 : (s.haircut ?? 0);
  if (funding === 0 && haircut === 0) return 0;
  const value = valuePosition(p, marketPrices(shocked, 'stress')(p.asset), shocked).value;
  // funding: positive rate, long (value > 0) pays; haircut: a cost whatever the side
  return funding * value + haircut * Math.abs(value);
}

/** The portfolio under the scenario (pure). Throws ValidationError for an invalid scenario. */
export function applyScenario(portfolio: Portfolio, scenario: Scenario): Portfolio {
  const s = checkScenario(scenario);
  const market = shockMarket(portfolio.market, s);
  const accounts = portfolio.accounts.map((a) => {
    const positions = a.positions.map((p) => (p.kind === 'option' ? shockOption(p, portfolio.market, s.vol) : p));
    const shockedAccount = { ...a, positions };
    const charges = positions.map((p) => ({ index: p.index, usd: positionCharge(p, s, market) })).filter((c) => c.usd !== 0);
    return charges.length === 0 ? shockedAccount : chargeAccount(shockedAccount, charges, portfolio.market, market);
  });
  return { ...portfolio, market, accounts };
}
