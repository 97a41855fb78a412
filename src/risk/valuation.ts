/**
 * Per-position valuation and Greeks for the risk report, in one consistent convention:
 * - mark:   USD price of the underlying.
 * - value:  USD. Perps, futures, spot: signed notional qty x mark (inverse contracts: the signed USD face value);
 *           options: qty x option mark value; supply: +qty x mark; borrow: -qty x mark.
 * - unrealizedPnl: USD. Linear: qty (mark - entry). Inverse: coin PnL qty (1/entry - 1/mark) valued at the mark.
 *           Options: qty (value - entry premium) when the entry premium is given, else null.
 * - delta:  sensitivity of the position's USD value to a 1 USD move of its underlying, in underlying units, so
 *           deltas add up with coin collateral into the account's net exposure. Linear perp: qty. Inverse
 *           future: qty/entry (its coin PnL rides the price too). Option: qty x BS delta.
 * - deltaCoin (inverse only, Deribit convention): exposure of the coin-denominated value: inverse future
 *           qty/mark; inverse option qty x (BS delta - coin price), the premium's own exposure included.
 * - gamma:  d(delta)/dS per 1 USD move. vega: USD per vol point (0.01). theta: USD per calendar day (/365).
 */
import type { Market, Position } from '../model/types.ts';
import { newGreeks } from '../pricing/black.ts';
import { valueOption } from '../pricing/option.ts';

export interface PositionValuation {
  mark: number;
  value: number;
  unrealizedPnl: number | null;
  delta: number;
  deltaCoin: number | null;
  gamma: number;
  vega: number;
  theta: number;
}

const g = newGreeks();

export function valuePosition(p: Position, mark: number, market: Market): PositionValuation {
  const v: PositionValuation = { mark, value: 0, unrealizedPnl: null, delta: 0, deltaCoin: null, gamma: 0, vega: 0, theta: 0 };
  switch (p.kind) {
    case 'perp':
    case 'future':
      if (p.settle === 'linear') {
        v.value = p.qty * mark;
        v.unrealizedPnl = p.qty * (mark - p.entry);
        v.delta = p.qty;
      } else {
        v.value = p.qty;
        v.unrealizedPnl = p.qty * (1 / p.entry - 1 / mark) * mark;
        v.delta = p.qty / p.entry;
        v.deltaCoin = p.qty / mark;
      }
      return v;
    case 'option': {
      valueOption(p, mark, market, g);
      v.value = p.qty * g.price;
      v.delta = p.qty * g.delta;
      v.gamma = p.qty * g.gamma;
      v.vega = p.qty * g.vega * 0.01;
      v.theta = (p.qty * g.theta) / 365;
      if (p.settle === 'inverse') {
        v.deltaCoin = p.qty * (g.delta - g.price / mark);
        if (p.entry !== undefined) v.unrealizedPnl = p.qty * (g.price / mark - p.entry) * mark;
      } else if (p.entry !== undefined) v.unrealizedPnl = p.qty * (g.price - p.entry);
      return v;
    }
    case 'spot':
      v.value = p.qty * mark;
      v.delta = p.qty;
      if (p.entry !== undefined) v.unrealizedPnl = p.qty * (mark - p.entry);
      return v;
    case 'supply':
      v.value = p.qty * mark;
      v.delta = p.qty;
      return v;
    case 'borrow':
      v.value = -p.qty * mark;
      v.delta = -p.qty;
      return v;
  }
}
