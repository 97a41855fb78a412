import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchBook } from '../../bench/book.ts';
import { buildAccountModel } from '../margin/index.ts';
import { evaluateBucket, healthFactor, type PriceFn } from '../margin/terms.ts';
import { parsePortfolio } from '../model/parse.ts';
import type { Account, Market, Portfolio } from '../model/types.ts';
import { marketPrices } from '../risk/prices.ts';
import { accountKeys, accountTerms, buildKey, type KeyBuild } from './book.ts';

const examples = readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.yaml'));
const example = (f: string): Portfolio => parsePortfolio(readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8'), f);

const book = (accounts: string): Portfolio =>
  parsePortfolio(`asOf: 2024-03-01T00:00:00Z\nmarket: { prices: { BTC: 60000, ETH: 3000, SOL: 150, USDT: 1, USDC: 1 }, vols: { BTC: 0.6, ETH: 0.7 }, rate: 0 }\naccounts:\n${accounts}`, 'test.yaml');

/** Books the examples do not cover: weighted cross and isolated, Deribit linear (USDC pool), coin-M. */
const extra = book(`
  - id: drift
    venue: drift
    collateral: { USDC: 20000, SOL: 50 }
    positions:
      - { kind: perp, asset: SOL, qty: -100, entry: 140 }
      - { kind: perp, asset: BTC, qty: 0.3, entry: 59000, margin: 3000 }
      - { kind: spot, asset: ETH, qty: 2 }
      - { kind: borrow, asset: USDC, qty: 5000 }
  - id: deribit-lin
    venue: deribit
    mode: standard
    collateral: { USDC: 50000, BTC: 1 }
    positions:
      - { kind: perp, asset: BTC, settle: linear, qty: 2, entry: 58000 }
      - { kind: option, asset: BTC, settle: linear, right: put, strike: 55000, expiry: 2024-03-29T08:00:00Z, qty: -3 }
      - { kind: future, asset: BTC, qty: -30000, entry: 61000, expiry: 2024-03-29T08:00:00Z }
      - { kind: option, asset: ETH, right: call, strike: 3500, expiry: 2024-03-29T08:00:00Z, qty: -10 }
  - id: coinm
    venue: binance-coinm
    collateral: { BTC: 2 }
    positions:
      - { kind: perp, asset: BTC, qty: 100000, entry: 59000 }
      - { kind: future, asset: BTC, qty: -20000, entry: 61000, expiry: 2024-03-29T08:00:00Z }
  - id: coinm-iso
    venue: binance-coinm
    mode: isolated
    collateral: { BTC: 1 }
    positions:
      - { kind: perp, asset: BTC, qty: -50000, entry: 61000, margin: 0.2 }
`);

function decomposed(a: Account, market: Market, prices: PriceFn): { health: number; balance: number } {
  const builds: KeyBuild[] = accountKeys(a).map((k) => buildKey(a, k, a.positions.filter((p) => p.asset === k), a.collateral[k] ?? 0, market));
  const t = accountTerms(builds, prices, new Map());
  return { health: t.health, balance: t.balance };
}

function whole(a: Account, market: Market, prices: PriceFn): { health: number; balance: number } {
  const terms = buildAccountModel(a, market).buckets.map((b) => evaluateBucket(b, prices));
  return { health: Math.min(Infinity, ...terms.map(healthFactor)), balance: terms.reduce((s, t) => s + t.balance, 0) };
}

const close = (x: number, y: number): boolean => x === y || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));

describe('key decomposition (book.ts)', () => {
  const books: [string, Portfolio][] = [...examples.map((f): [string, Portfolio] => [f, example(f)]), ['extra', extra], ['bench 1000', benchBook(1000)]];
  for (const [name, p] of books) {
    it(`sums to the whole-account model: ${name}, at the marks and at moved marks`, () => {
      for (const move of [1, 0.93, 1.06]) {
        const moved: Record<string, number> = Object.fromEntries(Object.entries(p.market.prices).map(([k, v]) => [k, p.market.stables.has(k) ? v : v * move]));
        const prices = marketPrices({ ...p.market, prices: moved });
        for (const a of p.accounts) {
          const d = decomposed(a, p.market, prices);
          const w = whole(a, p.market, prices);
          expect(close(d.balance, w.balance), `${a.id} balance ${d.balance} vs ${w.balance}`).toBe(true);
          expect(close(d.health, w.health), `${a.id} health ${d.health} vs ${w.health}`).toBe(true);
        }
      }
    });
  }
});
