import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanCrashMove } from '../liquidation/price.ts';
import { validatePortfolio } from '../model/parse.ts';
import { marketPrices } from '../risk/prices.ts';
import { evaluateBucket } from './terms.ts';
import { buildTieredBuckets } from './tiered.ts';

const PRICES = { BTC: 62000, ETH: 3400, SOL: 130, USDT: 1 };

const position = fc.record({
  asset: fc.constantFrom('BTC', 'ETH', 'SOL'),
  usd: fc.double({ min: -3_000_000, max: 3_000_000, noNaN: true }).filter((x) => Math.abs(x) > 1000),
  entryRatio: fc.double({ min: 0.7, max: 1.3, noNaN: true }),
});

const book = fc.record({
  collateral: fc.double({ min: 10_000, max: 2_000_000, noNaN: true }),
  positions: fc.array(position, { minLength: 1, maxLength: 6 }),
  venue: fc.constantFrom('binance-usdm', 'hyperliquid'),
});

const build = (x: typeof book extends fc.Arbitrary<infer T> ? T : never) =>
  validatePortfolio(
    {
      asOf: '2024-03-01T00:00:00Z',
      market: { prices: PRICES, vols: {}, rate: 0 },
      accounts: [
        {
          id: 'a',
          venue: x.venue,
          mode: 'cross',
          collateral: { USDT: x.collateral },
          positions: x.positions.map((p) => ({
            kind: 'perp',
            asset: x.venue === 'hyperliquid' && p.asset === 'SOL' ? 'ETH' : p.asset,
            qty: p.usd / PRICES[p.asset],
            entry: PRICES[p.asset] * p.entryRatio,
          })),
        },
      ],
    },
    'property book',
  );

describe('tiered closed-form crash move', () => {
  it('agrees with the scan-and-Brent crash move and puts the bucket exactly at maintenance', () => {
    fc.assert(
      fc.property(book, (x) => {
        const pf = build(x);
        const isStable = (a: string): boolean => pf.market.stables.has(a);
        const prices = marketPrices(pf.market);
        const [bucket] = buildTieredBuckets(pf.accounts[0]!, pf.market);
        const closed = bucket!.closedFormCrashMove!(prices, isStable);
        const scanned = scanCrashMove(bucket!, prices, isStable);
        for (const side of ['down', 'up'] as const) {
          const c = closed[side];
          const s = scanned[side];
          if (c !== null && c > 999) continue; // beyond the scan's last point (1000x)
          // the closed form never misses a crossing the scan finds
          if (c === null) {
            expect(s).toBeNull();
            continue;
          }
          // the scan can miss a brief crossing inside one of its steps (documented in liquidation/price.ts; a
          // counterexample found here: a net-long book that is safe only for moves between +200 % and ~+210 %);
          // then the closed-form root must still be a true zero of the excess, checked below
          if (s !== null) expect(Math.abs(c - s)).toBeLessThan(1e-9);
          const moved = (a: string): number => (isStable(a) ? prices(a) : prices(a) * (1 + c));
          const t = evaluateBucket(bucket!, moved);
          const scale = Math.max(t.maintenance, Math.abs(t.balance), 1);
          expect(Math.abs(t.balance - t.maintenance) / scale).toBeLessThan(1e-9);
        }
      }),
      { numRuns: 300 },
    );
  });
});
