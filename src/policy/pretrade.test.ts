import { describe, expect, it } from 'vitest';
import { preTradeCheck, type OrderLike, type PreTradeConfig } from './pretrade.ts';
import { at, contextOf } from './testkit.ts';
import type { TradingState } from './types.ts';

// position 0: 1 BTC long, position 1: 10 ETH short
const ctx = at({ prices: { BTC: 100000, ETH: 3000 }, positions: [{ asset: 'BTC', qty: 1, entry: 100000 }, { asset: 'ETH', qty: -10, entry: 3000 }] });
const config: PreTradeConfig = { maxOrderNotionalUsd: 50000, priceBand: 0.05, protectiveExits: ['close', 'buy-option'], maxDataAgeMs: 300000 };
const o = (x: Partial<OrderLike>): OrderLike => ({ account: 'main', asset: 'BTC', side: 'buy', qty: 0.1, ...x });
const check = (order: OrderLike, state: TradingState, c: PreTradeConfig = config, context = ctx): string[] => {
  const r = preTradeCheck(order, context, c, state);
  return r.allowed ? [] : r.denials.map((d) => d.code);
};

describe('preTradeCheck: size and price (ACTIVE)', () => {
  it.each([
    [o({ qty: 0.5 }), []], // 50,000 USD: at the maximum
    [o({ qty: 0.50001 }), ['MAX_ORDER_NOTIONAL']],
    [o({ notionalUsd: 50001 }), ['MAX_ORDER_NOTIONAL']],
    [o({ price: 105000 }), []], // 5 % from the oracle: at the band
    [o({ price: 105001 }), ['PRICE_BAND']],
    [o({ price: 95000 }), []],
    [o({ price: 94999 }), ['PRICE_BAND']],
    [o({ kind: 'buy-option', price: 5000 }), []], // an option premium is not checked against the underlying
    [o({ qty: 0 }), ['INVALID_ORDER']],
    [o({ qty: Number.NaN }), ['INVALID_ORDER']],
    [o({ asset: 'SOL', price: 100 }), ['MISSING_INPUT', 'MISSING_INPUT']],
    [o({ kind: 'transfer', asset: 'USDT', qty: 1e9 }), []],
  ] as const)('%j -> %j', (order, expected) => {
    expect(check(order, 'ACTIVE')).toEqual(expected);
  });

  it('stale oracle: a priced order cannot be checked', () => {
    const stale = at({ prices: { BTC: 100000 } }, 0, { dataAgeMs: 300001 });
    expect(check(o({ price: 100000 }), 'ACTIVE', config, stale)).toEqual(['STALE_MARKET_DATA']);
    expect(check(o({}), 'ACTIVE', config, stale)).toEqual([]);
  });

  it('inverse contracts: qty is the USD face', () => {
    const deribit = contextOf(`
asOf: 2024-03-01T00:00:00Z
market: { prices: { BTC: 60000 } }
accounts:
  - { id: d, venue: deribit, collateral: { BTC: 10 }, positions: [{ kind: future, asset: BTC, qty: 100000, entry: 60000, expiry: 2024-06-28T08:00:00Z }] }
`);
    expect(check(o({ account: 'd', side: 'sell', qty: 50000, position: 0 }), 'ACTIVE', config, deribit)).toEqual([]);
    expect(check(o({ account: 'd', side: 'sell', qty: 50001, position: 0 }), 'ACTIVE', config, deribit)).toEqual(['MAX_ORDER_NOTIONAL']);
  });
});

describe('preTradeCheck: reduce-only in REDUCING', () => {
  it.each([
    [o({ kind: 'reduce', side: 'sell', qty: 0.5, position: 0 }), []],
    [o({ kind: 'reduce', side: 'sell', qty: 1, position: 0 }), ['MAX_ORDER_NOTIONAL']], // closes: reduces, but too large
    [o({ kind: 'reduce', side: 'buy', position: 0 }), ['REDUCE_ONLY']], // adds to the long
    [o({ kind: 'reduce', side: 'sell', qty: 1.00001, position: 0, notionalUsd: 1 }), ['REDUCE_ONLY']], // would flip
    [o({ kind: 'reduce', asset: 'ETH', side: 'buy', qty: 10, position: 1 }), []], // buys back the short
    [o({ kind: 'reduce', asset: 'ETH', side: 'buy', qty: 10, position: 0 }), ['REDUCE_ONLY']], // position 0 is BTC
    [o({ kind: 'hedge', side: 'sell', deltaUsd: -20000 }), []],
    [o({ kind: 'hedge', side: 'buy', deltaUsd: 20000 }), ['REDUCE_ONLY']],
    [o({ kind: 'hedge', side: 'sell', deltaUsd: -200001, notionalUsd: 1 }), ['REDUCE_ONLY']], // overshoots past -net
    [o({ kind: 'open' }), ['REDUCE_ONLY']], // cannot tell: denied
    [o({}), ['REDUCE_ONLY']],
    [o({ kind: 'buy-option' }), []], // named protective exit
    [o({ kind: 'buy-option', asset: 'ETH' }), []],
    [o({ kind: 'transfer', asset: 'USDT', qty: 1000 }), []],
    [o({ kind: 'repay', asset: 'USDT', qty: 1000 }), []],
  ] as const)('%j -> %j', (order, expected) => {
    expect(check(order, 'REDUCING')).toEqual(expected);
  });
});

describe('preTradeCheck: HALTED lets only named protective exits through', () => {
  it.each([
    [o({ kind: 'close', side: 'sell', qty: 0.5, position: 0 }), []], // named and reducing
    [o({ kind: 'reduce', side: 'sell', qty: 0.5, position: 0 }), ['HALTED']], // reducing but not named
    [o({ kind: 'close', side: 'buy', qty: 0.5, position: 0 }), ['HALTED']], // named but adds risk
    [o({ kind: 'buy-option' }), []],
    [o({ kind: 'transfer', asset: 'USDT', qty: 1 }), ['HALTED']],
    [o({ kind: 'close', side: 'sell', qty: 1, position: 0 }), ['MAX_ORDER_NOTIONAL']], // size limits still apply
  ] as const)('%j -> %j', (order, expected) => {
    expect(check(order, 'HALTED')).toEqual(expected);
  });

  it('REDUCING: an unnamed buy-option must show it reduces delta', () => {
    const none = { ...config, protectiveExits: [] };
    expect(check(o({ kind: 'buy-option' }), 'REDUCING', none)).toEqual(['REDUCE_ONLY']);
    expect(check(o({ kind: 'buy-option', deltaUsd: -5000 }), 'REDUCING', none)).toEqual([]);
  });

  it('nothing named: everything stops, with the reason', () => {
    const r = preTradeCheck(o({ kind: 'close', side: 'sell', position: 0 }), ctx, { ...config, protectiveExits: [] }, 'HALTED');
    expect(r).toMatchObject({ allowed: false, code: 'HALTED', message: 'trading halted: close is not a protective exit (named: none)' });
  });
});
