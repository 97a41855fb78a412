/**
 * Debiting cash from the margin bucket a position belongs to, so every margin model sees it exactly as a realised
 * loss (a negative amount is a credit). Per model (margin/*.ts):
 * - tiered, cross: the account's `USD` balance (cash at 1 USD in the cross bucket);
 *   isolated: the position's own margin (USD linear, coin inverse at the shocked price), its current margin read
 *   off its bucket (balance - uPnL), so a defaulted margin is not re-derived here; spot: the free `USD` balance.
 * - deribit: the position's settlement pool: its coin (inverse) or USDC (linear), converted at the shocked price.
 * - weighted: an isolated perp's margin (USDC at 1 USD); everything else the cross `USD` cash balance.
 * - lending: a `USD` borrow added as one more position (debt: balance - D, excess - D); a credit becomes a `USD`
 *   supply, which a lending venue that does not list USD does not count (conservative).
 * Pure: returns a new account.
 */
import { BallastError } from '../errors/index.ts';
import { LINEAR_SETTLE } from '../margin/deribit.ts';
import { buildAccountModel } from '../margin/index.ts';
import { evaluateBucket } from '../margin/terms.ts';
import type { Account, Market, Position } from '../model/types.ts';
import { marketPrices } from '../risk/prices.ts';
import { valuePosition } from '../risk/valuation.ts';

export interface Charge {
  /** Position index (file order) the cash is charged for. */
  readonly index: number;
  /** USD, > 0 a debit. */
  readonly usd: number;
}

const addTo = (rec: Readonly<Record<string, number>>, asset: string, amount: number): Record<string, number> => ({ ...rec, [asset]: (rec[asset] ?? 0) + amount });

/** USD debited from the collateral balance `asset` (coin amounts at the shocked price). */
const debitCollateral = (a: Account, asset: string, usd: number, shocked: Market): Account => ({
  ...a,
  collateral: addTo(a.collateral, asset, -usd / marketPrices(shocked, 'stress charge')(asset)),
});

/** Current isolated margin of a tiered position, in its settlement currency: its bucket's balance less its uPnL. */
function isolatedMargin(a: Account, p: Position, market: Market): number {
  const bucket = buildAccountModel(a, market).buckets.find((b) => b.positions.length === 1 && b.positions[0] === p.index);
  if (bucket === undefined) throw new BallastError(`stress: no isolated bucket for position #${p.index} of account ${a.id}`);
  const prices = marketPrices(market, 'stress charge');
  const mark = prices(p.asset);
  const marginUsd = evaluateBucket(bucket, prices).balance - (valuePosition(p, mark, market).unrealizedPnl ?? 0);
  return 'settle' in p && p.settle === 'inverse' ? marginUsd / mark : marginUsd;
}

const withPosition = (a: Account, index: number, f: (p: Position) => Position): Account => ({
  ...a,
  positions: a.positions.map((p) => (p.index === index ? f(p) : p)),
});

/** The account with the charges debited; `market` is the unshocked one (current margins), `shocked` for coin prices. */
export function chargeAccount(account: Account, charges: readonly Charge[], market: Market, shocked: Market): Account {
  const byIndex = new Map(account.positions.map((p) => [p.index, p]));
  const model = account.venue.model;
  if (model === 'lending') {
    const total = charges.reduce((s, c) => s + c.usd, 0);
    if (total === 0) return account;
    const index = Math.max(-1, ...account.positions.map((p) => p.index)) + 1;
    const cash: Position = total > 0 ? { kind: 'borrow', asset: 'USD', qty: total, index } : { kind: 'supply', asset: 'USD', qty: -total, index };
    return { ...account, positions: [...account.positions, cash] };
  }
  let out = account;
  for (const c of charges) {
    const p = byIndex.get(c.index);
    if (p === undefined) throw new BallastError(`stress: account ${account.id} has no position #${c.index}`);
    const contract = p.kind === 'perp' || p.kind === 'future' ? p : undefined;
    if (model === 'tiered' && account.mode === 'isolated' && contract) {
      const inverse = contract.settle === 'inverse';
      const margin = isolatedMargin(account, contract, market) - (inverse ? c.usd / marketPrices(shocked, 'stress charge')(p.asset) : c.usd);
      out = withPosition(out, c.index, (q) => ({ ...q, margin }));
    } else if (model === 'weighted' && p.kind === 'perp' && (account.mode === 'isolated' || p.margin !== undefined)) {
      out = withPosition(out, c.index, (q) => ({ ...q, margin: (p.margin ?? 0) - c.usd }));
    } else if (model === 'deribit' && (p.kind === 'perp' || p.kind === 'future' || p.kind === 'option')) {
      out = debitCollateral(out, p.settle === 'inverse' ? p.asset : LINEAR_SETTLE, c.usd, shocked);
    } else {
      out = debitCollateral(out, 'USD', c.usd, shocked);
    }
  }
  return out;
}
