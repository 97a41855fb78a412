/**
 * Partial liquidation on venues whose preset has `partialLiquidation` (Hyperliquid: 20 % of a position above
 * 100 000 USD, a 30 s cooldown during which liquidations are whole, backstop below 2/3 of maintenance), in the
 * backtest's simulated venue (./venue.ts). Venues without the field keep whole-bucket liquidation.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError, type FieldIssue } from '../errors/index.ts';
import { buildAccountModel } from '../margin/index.ts';
import { getPreset } from '../margin/presets.ts';
import { evaluateBucket } from '../margin/terms.ts';
import type { TieredModel } from '../margin/venue-model.ts';
import { parsePortfolio, validatePortfolio } from '../model/parse.ts';
import type { Portfolio } from '../model/types.ts';
import { riskReport } from '../risk/report.ts';
import { HOUR, T0, syntheticHistory } from '../testing/history.ts';
import { historyFeed, type MarketHistory } from './data.ts';
import { metricsOf } from './metrics.ts';
import { runPipeline, type PipelineResult } from './pipeline.ts';
import { SimulatedVenue, type VenueConfig } from './venue.ts';

type Bar = readonly [number, number, number, number];

/** The Hyperliquid preset file without its partialLiquidation field, as an inline venue. */
const hyperliquidWhole = (): Record<string, unknown> => {
  const raw = JSON.parse(readFileSync(new URL('../../data/venues/hyperliquid.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  delete raw.partialLiquidation;
  delete raw.provenance;
  return raw;
};

/** One BTC perp long (qty coins, entry 50 000) on a Hyperliquid account with `usdc` of collateral. */
const hlBook = (qty: number, usdc: number, o: { mode?: 'cross' | 'isolated'; margin?: number; venue?: unknown } = {}): Portfolio =>
  validatePortfolio(
    {
      asOf: new Date(T0).toISOString(),
      market: { prices: { BTC: 50_000, USDC: 1 } },
      accounts: [
        {
          id: 'hl',
          venue: o.venue ?? 'hyperliquid',
          mode: o.mode ?? 'cross',
          collateral: { USDC: usdc },
          positions: [{ kind: 'perp', asset: 'BTC', qty, entry: 50_000, ...(o.margin === undefined ? {} : { margin: o.margin }) }],
        },
      ],
    },
    'test',
  );

const run = (book: Portfolio, bars: readonly Bar[], config: VenueConfig = {}, history?: MarketHistory): PipelineResult =>
  runPipeline(book, historyFeed(history ?? syntheticHistory(bars)), new SimulatedVenue(config), { policy: null });

/** Balance and maintenance of every bucket of the final book, at its final prices. */
const bucketsOf = (r: PipelineResult) => {
  const account = r.final.accounts[0]!;
  const model = buildAccountModel(account, r.final.market);
  const price = (a: string): number => r.final.market.prices[a]!;
  return model.buckets.map((b) => {
    const t = evaluateBucket(b, price);
    return { balance: t.balance, maintenance: t.maintenance };
  });
};

const qtyOf = (r: PipelineResult): number => r.final.accounts[0]!.positions[0]!.qty;
const lpOf = (book: Portfolio): number => riskReport(book).accounts[0]!.positions[0]!.liquidationPrice!;

describe('the Hyperliquid preset', () => {
  it('carries partialLiquidation: 20 %, above 100 000 USD, 30 s cooldown, backstop below 2/3 of maintenance', () => {
    const v = getPreset('hyperliquid') as TieredModel;
    expect(v.partialLiquidation).toEqual({ fraction: 0.2, aboveNotionalUsd: 100_000, cooldownMs: 30_000, backstopBelow: 2 / 3 });
    expect(v.provenance.notes).toContain('https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations');
    for (const name of ['binance-usdm', 'binance-coinm', 'bybit-linear', 'okx-swap']) expect((getPreset(name) as TieredModel).partialLiquidation).toBeUndefined();
  });

  it('rejects an invalid partialLiquidation, naming the field and its value', () => {
    const issues = (partialLiquidation: unknown): FieldIssue[] => {
      const doc = {
        asOf: new Date(T0).toISOString(),
        market: { prices: { BTC: 50_000, USDC: 1 } },
        accounts: [{ id: 'hl', venue: { ...hyperliquidWhole(), partialLiquidation }, mode: 'cross', collateral: { USDC: 1 }, positions: [] }],
      };
      try {
        parsePortfolio(JSON.stringify(doc), 'doc.json');
        return [];
      } catch (e) {
        if (e instanceof ValidationError) return [...e.issues];
        throw e;
      }
    };
    const ok = { fraction: 0.2, aboveNotionalUsd: 100_000, cooldownMs: 30_000, backstopBelow: 0.6667 };
    expect(issues(ok)).toEqual([]);
    const at = (field: string) => `accounts[0].venue.partialLiquidation.${field}`;
    /** The one issue a value raises: [path, value, message]. */
    const one = (pl: unknown): [string, unknown, string] => {
      const found = issues(pl);
      expect(found).toHaveLength(1);
      return [found[0]!.path, found[0]!.value, found[0]!.message];
    };
    expect(one({ ...ok, fraction: 1 })).toEqual([at('fraction'), 1, 'must be < 1']);
    expect(one({ ...ok, fraction: 0 })).toEqual([at('fraction'), 0, 'must be > 0']);
    expect(one({ ...ok, aboveNotionalUsd: -1 })).toEqual([at('aboveNotionalUsd'), -1, 'must be >= 0']);
    expect(one({ ...ok, cooldownMs: -5 })).toEqual([at('cooldownMs'), -5, 'must be >= 0']);
    expect(one({ ...ok, backstopBelow: 1.5 })).toEqual([at('backstopBelow'), 1.5, 'must be <= 1']);
    expect(issues({ fraction: 0.2 }).map((i) => i.path)).toEqual([at('aboveNotionalUsd'), at('cooldownMs'), at('backstopBelow')]);
    expect(one({ ...ok, extra: 1 })[0]).toContain('partialLiquidation');
  });
});

describe('partial liquidation (Hyperliquid)', () => {
  // 10 BTC long at 50 000 (500 000 USD) on 30 000 USDC, BTC maintenance 1.25 %: liquidation price about 47 595;
  // after a 20 % step the next one is about 0.32 % lower (47 445), the third (47 295) is below this bar's low
  const big = () => hlBook(10, 30_000);
  const crossBar: Bar = [50_000, 50_100, 47_400, 48_000];

  it('a 500k position crossing maintenance is reduced in 20 % steps and ends safe, not flat', () => {
    const lp = lpOf(big());
    expect(lp).toBeGreaterThan(47_400);
    const r = run(big(), [crossBar]);
    expect(r.liquidations).toHaveLength(2);
    for (const l of r.liquidations) {
      expect(l.fraction).toBe(0.2);
      expect(l.backstop).toBeUndefined();
      expect(l.point).toBe(1); // the low, walked first in a down bar
      expect(l.balanceBefore).toBeCloseTo(l.maintenanceBefore, 6); // each at the bucket's liquidation price then
      expect(l.fee).toBe(0); // Hyperliquid: no liquidation or clearance fee
      expect(l.badDebt).toBe(0);
    }
    expect(r.liquidations[0]!.prices.BTC).toBeCloseTo(lp, 6);
    expect(r.liquidations[1]!.prices.BTC!).toBeLessThan(lp);
    expect(r.liquidations[1]!.prices.BTC!).toBeGreaterThan(47_400);
    expect(qtyOf(r)).toBeCloseTo(10 * 0.8 * 0.8, 9);
    const [b] = bucketsOf(r);
    expect(b!.balance).toBeGreaterThan(b!.maintenance);
    // one event per step
    expect(metricsOf(r).liquidations).toBe(2);
    // the second step's fill records the reduced bucket: its maintenance is 80 % of a 8-coin position's
    expect(r.liquidations[1]!.maintenanceBefore).toBeCloseTo(8 * r.liquidations[1]!.prices.BTC! * 0.0125, 6);
  });

  it('a 50k position (at or below 100 000 USD) is closed whole', () => {
    const small = hlBook(1, 3_000); // same leverage: same liquidation price
    const r = run(small, [crossBar]);
    expect(r.liquidations).toHaveLength(1);
    expect(r.liquidations[0]!.fraction).toBeUndefined();
    expect(r.liquidations[0]!.prices.BTC).toBeCloseTo(lpOf(small), 6);
    expect(qtyOf(r)).toBe(0);
    // the maintenance margin left stays with the trader (no fee, not a backstop)
    expect(r.equity.at(-1)).toBeCloseTo(r.liquidations[0]!.balanceBefore, 6);
  });

  it('a gap far below (equity < 2/3 of maintenance at the price) is a backstop: all closed, the margin left forfeited', () => {
    // liquidationAt: point, the gap's price: equity 30 000 + 10 x (47 300 - 50 000) = 3 000 < 2/3 x 5 912.5
    const r = run(big(), [[50_000, 50_100, 47_300, 48_000]], { liquidationAt: 'point' });
    expect(r.liquidations).toHaveLength(1);
    const l = r.liquidations[0]!;
    expect(l.backstop).toBe(true);
    expect(l.fraction).toBeUndefined();
    expect(l.prices.BTC).toBe(47_300);
    expect(l.balanceBefore).toBeCloseTo(3_000, 6);
    expect(l.balanceBefore).toBeLessThan((2 / 3) * l.maintenanceBefore);
    expect(l.fee).toBeCloseTo(3_000, 6);
    expect(l.loss).toBeCloseTo(3_000, 6);
    expect(l.badDebt).toBe(0);
    expect(qtyOf(r)).toBe(0);
    expect(r.final.accounts[0]!.collateral.USDC).toBe(0);
    expect(r.equity.at(-1)).toBe(0);
    // below zero: the deficit is bad debt, nothing forfeited
    const under = run(big(), [[50_000, 50_100, 46_000, 48_000]], { liquidationAt: 'point' }).liquidations[0]!;
    expect(under.backstop).toBe(true);
    expect(under.badDebt).toBeCloseTo(10_000, 6);
    expect(under.fee).toBe(0);
  });

  it('at a fixed price: one step when it makes the bucket safe, else the whole position within the cooldown', () => {
    // equity 5 000 vs maintenance 5 937.5 (ratio 0.84): 20 % off, maintenance 4 750, safe
    const one = run(big(), [[50_000, 50_100, 47_500, 48_000]], { liquidationAt: 'point' });
    expect(one.liquidations.map((l) => l.fraction)).toEqual([0.2]);
    expect(qtyOf(one)).toBeCloseTo(8, 9);
    // equity 4 200 vs 5 927.5 (ratio 0.71, above 2/3): 20 % off leaves it liquidatable (4 200 < 4 742), and the next
    // liquidation, within the 30 s cooldown, is for the whole position; not a backstop (4 200 > 2/3 x 4 742)
    const two = run(big(), [[50_000, 50_100, 47_420, 48_000]], { liquidationAt: 'point' });
    expect(two.liquidations.map((l) => [l.fraction, l.backstop])).toEqual([
      [0.2, undefined],
      [undefined, undefined],
    ]);
    expect(qtyOf(two)).toBe(0);
    expect(two.equity.at(-1)).toBeCloseTo(4_200, 6);
  });

  it('steps closer in time than the cooldown are whole: a gap at the open, or one-minute bars', () => {
    // the open's segment (from the previous close) takes no time: a step at the crossing, then the whole position
    const gap = run(big(), [[47_300, 48_000, 47_200, 47_800]]);
    expect(gap.liquidations.map((l) => [l.point, l.fraction])).toEqual([
      [0, 0.2],
      [0, undefined],
    ]);
    expect(gap.liquidations[1]!.prices.BTC!).toBeLessThan(gap.liquidations[0]!.prices.BTC!);
    expect(qtyOf(gap)).toBe(0);
    // one-minute bars: points 20 s apart, the second crossing comes about 1.2 s after the first
    const h = syntheticHistory([crossBar]);
    const minute = run(big(), [], {}, { ...h, intervalMs: 60_000 });
    expect(minute.liquidations.map((l) => l.fraction)).toEqual([0.2, undefined]);
    expect(qtyOf(minute)).toBe(0);
  });

  it('the cooldown is per account and in time: a later bar steps partially again', () => {
    // bar 0 leaves 6.4 BTC; bar 1 falls further: partial steps again, an hour after the last
    const r = run(big(), [crossBar, [48_000, 48_100, 46_900, 47_500]]);
    expect(r.liquidations.length).toBeGreaterThan(2);
    expect(r.liquidations.filter((l) => l.time === T0 + HOUR)[0]!.fraction).toBe(0.2);
  });

  it('an isolated position keeps its losses in its own margin; the free balance is untouched', () => {
    const iso = hlBook(10, 10_000, { mode: 'isolated', margin: 30_000 });
    const r = run(iso, [crossBar]);
    // the same steps as the cross account with 30 000 (same balance, same maintenance)
    const cross = run(big(), [crossBar]);
    expect(r.liquidations.map((l) => l.prices.BTC)).toEqual(cross.liquidations.map((l) => l.prices.BTC));
    expect(r.liquidations.every((l) => l.fraction === 0.2)).toBe(true);
    expect(r.final.accounts[0]!.collateral.USDC).toBe(10_000);
    const p = r.final.accounts[0]!.positions[0]!;
    expect(p.qty).toBeCloseTo(6.4, 9);
    const [b] = bucketsOf(r);
    expect(b!.balance).toBeGreaterThan(b!.maintenance);
    // equity: the free balance + the bucket's balance (the cross account's, with 30 000)
    expect(r.equity.at(-1)).toBeCloseTo(10_000 + cross.equity.at(-1)!, 6);
  });

  it('a venue without partialLiquidation still liquidates the whole bucket (Binance; Hyperliquid without the field)', () => {
    const whole = run(hlBook(10, 30_000, { venue: hyperliquidWhole() }), [crossBar]);
    expect(whole.liquidations).toHaveLength(1);
    expect(whole.liquidations[0]!.fraction).toBeUndefined();
    expect(whole.liquidations[0]!.backstop).toBeUndefined();
    expect(Object.keys(whole.liquidations[0]!)).not.toContain('fraction');
    expect(qtyOf(whole)).toBe(0);
    const binance = validatePortfolio(
      {
        asOf: new Date(T0).toISOString(),
        market: { prices: { BTC: 50_000, USDT: 1 } },
        accounts: [{ id: 'b', venue: 'binance-usdm', mode: 'cross', collateral: { USDT: 30_000 }, positions: [{ kind: 'perp', asset: 'BTC', qty: 10, entry: 50_000 }] }],
      },
      'test',
    );
    const b = run(binance, [[50_000, 50_100, 40_000, 48_000]]);
    expect(b.liquidations).toHaveLength(1);
    expect(Object.keys(b.liquidations[0]!).sort()).toEqual(['account', 'badDebt', 'balanceBefore', 'bucket', 'fee', 'loss', 'maintenanceBefore', 'model', 'point', 'prices', 'time']);
    expect(b.final.accounts[0]!.positions[0]!.qty).toBe(0);
  });

  it('property: after a partial-liquidation sequence every bucket is safe or flat', () => {
    fc.assert(
      fc.property(
        fc.record({
          qty: fc.double({ min: 0.5, max: 60, noNaN: true }), // 25k to 3M USD at 50 000
          leverage: fc.double({ min: 5, max: 39, noNaN: true }),
          low: fc.double({ min: 0.8, max: 0.999, noNaN: true }), // the bar's low, a fraction of the open
          close: fc.double({ min: 0, max: 1, noNaN: true }), // the close, between the low and the open
          point: fc.boolean(),
          mode: fc.constantFrom<'cross' | 'isolated'>('cross', 'isolated'),
        }),
        ({ qty, leverage, low, close, point, mode }) => {
          const equity = (qty * 50_000) / leverage;
          const book = mode === 'cross' ? hlBook(qty, equity) : hlBook(qty, 1_000, { mode, margin: equity });
          const lo = 50_000 * low;
          const r = run(book, [[50_000, 50_100, lo, lo + close * (50_000 - lo)]], point ? { liquidationAt: 'point' } : {});
          const [b] = bucketsOf(r);
          const flat = qtyOf(r) === 0;
          // safe at the close; a bucket still open after liquidating was left safe at the last step's price, and the
          // close is at or above the low
          expect(flat || b!.balance > b!.maintenance).toBe(true);
          for (const l of r.liquidations) expect(l.badDebt === 0 || l.backstop === true || l.fraction === undefined).toBe(true);
          // partial steps only on positions above 100 000 USD at their price
          // (the notional at the step from its maintenance, BTC's first tier: 1.25 %)
          for (const l of r.liquidations) if (l.fraction !== undefined) expect(l.maintenanceBefore / 0.0125).toBeGreaterThan(100_000);
        },
      ),
      { numRuns: 300, seed: 20261121 },
    );
  });
});
