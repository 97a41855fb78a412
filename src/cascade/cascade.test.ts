import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { impactFraction } from '../planner/cost.ts';
import { BidBook } from './book.ts';
import { bookSpec, DEFAULT_CONFIG, parseConfig, populationSpec, venueSpecs } from './config.ts';
import { drawPopulation, liquidationPrice, marginExcess, type Population, type VenueSpec } from './population.ts';
import { compareGuardians, runCascade, type GuardianSpec, type RunInput } from './simulate.ts';
import { ValidationError } from '../errors/index.ts';

const NO_GUARD: GuardianSpec = { share: 0, threshold: 0.05, fraction: 0.5, takerFeeRate: 0, minNotionalUsd: 0 };
const FLAT_VENUE: VenueSpec = { name: 'flat', weight: 1, tiers: [{ floor: 0, cap: Infinity, mmr: 0.01, mmAmount: 0, maxLeverage: 100 }], liquidationFeeRate: 0, clearanceFeeRate: 0.01 };

const longs = (rows: readonly [number, number, number][]): Population => ({
  n: rows.length,
  side: Int8Array.from(rows.map(() => 1)),
  qty: Float64Array.from(rows.map((r) => r[0])),
  entry: Float64Array.from(rows.map((r) => r[1])),
  wallet: Float64Array.from(rows.map((r) => r[2])),
  venue: new Uint8Array(rows.length),
  cross: new Uint8Array(rows.length),
  guardianDraw: new Float64Array(rows.length).fill(0.5),
  venues: [FLAT_VENUE],
});
/** Levels at 99, 98, ..., 1 with one coin each, no resilience. */
const flatBook = (): BidBook => BidBook.fromLevels(100, Array.from({ length: 99 }, (_, i) => 99 - i), Array.from({ length: 99 }, () => 1), 0);

const cfg = parseConfig({ population: { accounts: 2000 } });
const POP = drawPopulation(populationSpec(cfg));
const input = (over: Partial<RunInput> = {}): RunInput => ({ population: POP, book: bookSpec(cfg), shock: cfg.shock, guardians: cfg.guardians, maxRounds: cfg.maxRounds, ...over });

describe('order book', () => {
  it('sqrt shape reproduces the square-root law of planner/cost.ts within one tick', () => {
    const spec = { ...bookSpec(cfg), depthScale: 1 };
    for (const q of [1e6, 1e7, 1e8, 1e9, 5e9]) {
      const b = new BidBook(spec);
      b.sell(q / spec.startPrice);
      const move = 1 - b.mark / spec.startPrice;
      expect(Math.abs(move - impactFraction(q, { advUsd: spec.advUsd, sigmaDaily: spec.sigmaDaily }))).toBeLessThanOrEqual(spec.tick * 1.01);
    }
  });
  it('flat shape matches the square-root law at the typical trade size', () => {
    const spec = { ...bookSpec(cfg), shape: 'flat' as const, depthScale: 1, tick: 1e-5, typicalTradeUsd: 1e8 };
    const b = new BidBook(spec);
    b.sell(1e8 / spec.startPrice);
    expect(Math.abs(1 - b.mark / spec.startPrice - impactFraction(1e8, { advUsd: spec.advUsd, sigmaDaily: spec.sigmaDaily }))).toBeLessThan(2e-5 + 1e-3 * impactFraction(1e8, spec));
  });
  it('a sell removes exactly its coins and never raises the mark; resilience refills toward the original depth', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 20, noNaN: true }), { maxLength: 10 }), (sells) => {
        const b = flatBook();
        let mark = b.mark;
        for (const c of sells) {
          const before = b.depthCoins();
          const f = b.sell(c);
          if (!f.exhausted) expect(before - b.depthCoins()).toBeCloseTo(c, 9);
          expect(b.mark).toBeLessThanOrEqual(mark);
          mark = b.mark;
        }
      }),
    );
    const b = BidBook.fromLevels(100, [99, 98], [2, 2], 0.25);
    b.sell(3);
    b.recover();
    expect(Array.from(b.sizes)).toEqual([0, 1.25]);
  });
});

describe('population', () => {
  it('liquidation price zeroes the margin excess (tiered, both sides)', () => {
    const venues = populationSpec(cfg).venues;
    fc.assert(
      fc.property(fc.boolean(), fc.double({ min: 1e3, max: 5e8, noNaN: true }), fc.double({ min: 1.01, max: 50, noNaN: true }), fc.integer({ min: 0, max: venues.length - 1 }), (long, usd, lev, vi) => {
        const v = venues[vi]!;
        const s = long ? 1 : -1;
        const q = usd / 60000;
        const lp = liquidationPrice(s, q, 60000, usd / lev, v);
        if (lp === 0) return;
        expect(Math.abs(marginExcess(s, q, 60000, usd / lev, v, lp))).toBeLessThan(1e-6 * usd);
        expect(marginExcess(s, q, 60000, usd / lev, v, lp * (1 + 1e-6 * s))).toBeGreaterThan(0);
      }),
    );
  });
  it('is seeded, sums to the open interest and starts every account at least minStartDistance away', () => {
    const again = drawPopulation(populationSpec(cfg));
    expect(Array.from(again.qty)).toEqual(Array.from(POP.qty));
    let oi = 0;
    for (let i = 0; i < POP.n; i++) {
      oi += POP.qty[i]! * cfg.startPrice;
      const lp = liquidationPrice(POP.side[i]!, POP.qty[i]!, POP.entry[i]!, POP.wallet[i]!, POP.venues[POP.venue[i]!]!);
      expect((POP.side[i]! * (cfg.startPrice - lp)) / cfg.startPrice).toBeGreaterThanOrEqual(cfg.population.minStartDistance - 1e-12);
    }
    expect(oi).toBeCloseTo(cfg.population.openInterestUsd, 0);
  });
});

describe('cascade', () => {
  it('tiny case: 3 longs on a flat one-coin-per-dollar book, checked by hand', () => {
    // LP = (W - qE) / (q 0.01 - q): A 95.7576, B 96.4646, C 98.9899. Shock 2 coins: fills 99, 98 -> mark 98.
    // r1 C (2 coins) fills 97, 96 at 96.5: equity 4 - 7 = -3. r2 B at 95: 4.5 - 5 = -0.5. r3 A at 94: 5.2 - 6 = -0.8.
    const pop = longs([
      [1, 100, 5.2],
      [1, 100, 4.5],
      [2, 100, 4],
    ]);
    const r = runCascade({ population: pop, book: flatBook, shock: { sellUsd: 200 }, guardians: NO_GUARD, maxRounds: 50 });
    expect(r.pricePath).toEqual([100, 98, 96, 95, 94]);
    expect(r.rounds).toBe(3);
    expect(r.minPrice).toBe(94);
    expect(r.liquidatedAccounts).toBe(3);
    expect(r.liquidatedNotional).toBeCloseTo(193 + 95 + 94, 12);
    expect(r.badDebt).toBeCloseTo(4.3, 12);
    expect(r.clearanceFees).toBe(0);
  });
  it('a guardian deleverages before its liquidation price, by hand', () => {
    // 10x long q 1, E 100, W 10: LP 90.909. Shock 5 coins -> mark 95, distance 0.043 < 0.05: sells 0.5 at 94.
    // W = 10 + 0.5 (94 - 100) = 7, q 0.5: LP = (7 - 50) / (0.005 - 0.5) = 86.87, distance at 94 = 0.076: done.
    const pop = { ...longs([[1, 100, 10]]), guardianDraw: Float64Array.of(0) };
    const r = runCascade({ population: pop, book: flatBook, shock: { sellUsd: 500 }, guardians: { ...NO_GUARD, share: 1 }, maxRounds: 50 });
    expect(r.pricePath).toEqual([100, 95, 94]);
    expect(r.liquidatedAccounts).toBe(0);
    expect(r.guardianActions).toBe(1);
    expect(r.guardianDeleveragedNotional).toBe(47);
    const none = runCascade({ population: pop, book: flatBook, shock: { sellUsd: 500 }, guardians: NO_GUARD, maxRounds: 50 });
    expect(none.pricePath).toEqual([100, 95]);
  });
  it('clearance fee: rate x liquidated notional at the fill, at most the equity left, never bad debt, by hand', () => {
    // mmr 0.01, clearance 0.005: LP = (W - 100) / (0.01 - 1) for q 1, E 100: A 97.4747, B 97.3737, C 96.9697.
    // Shock 1 coin fills 97.4. r1 A fills 97.3: equity 0.8, fee 0.005 x 97.3 = 0.4865. r2 B fills 96.5: equity
    // 0.1 < 0.4825, fee 0.1 (capped). r3 C fills 95: equity -1, fee 0, bad debt 1. The fee feeds back into nothing.
    const venue = { ...FLAT_VENUE, clearanceFeeRate: 0.005 };
    const pop = { ...longs([[1, 100, 3.5], [1, 100, 3.6], [1, 100, 4]]), venues: [venue] };
    const book = (): BidBook => BidBook.fromLevels(100, [97.4, 97.3, 96.5, 95, 94], [1, 1, 1, 1, 1], 0);
    const run = (v: VenueSpec) => runCascade({ population: { ...pop, venues: [v] }, book, shock: { sellUsd: 100 }, guardians: NO_GUARD, maxRounds: 50 });
    const r = run(venue);
    expect(r.pricePath).toEqual([100, 97.4, 97.3, 96.5, 95]);
    expect(r.liquidatedAccounts).toBe(3);
    expect(r.liquidatedNotional).toBeCloseTo(97.3 + 96.5 + 95, 12);
    expect(r.clearanceFees).toBeCloseTo(0.4865 + 0.1, 12);
    expect(r.badDebt).toBeCloseTo(1, 12);
    expect({ ...run({ ...venue, clearanceFeeRate: 0 }), clearanceFees: r.clearanceFees }).toEqual(r);
  });
  it("the default population: the preset's clearance fee is collected and changes nothing but clearanceFees", () => {
    const r = runCascade(input());
    expect(r.liquidatedAccounts).toBeGreaterThan(0);
    expect(r.clearanceFees).toBeGreaterThan(0);
    expect(r.clearanceFees).toBeLessThanOrEqual(0.0125 * r.liquidatedNotional);
    const free = parseConfig({ population: { accounts: 2000 }, venues: cfg.venues.map((v) => ({ ...v, clearanceFeeRate: 0 })) });
    const r0 = runCascade(input({ population: drawPopulation(populationSpec(free)) }));
    expect(r0.clearanceFees).toBe(0);
    expect({ ...r0, clearanceFees: r.clearanceFees }).toEqual(r);
  });
  it('conservation: book coins taken = shock + liquidated coins, notional = closed positions, price never rises (longs, no guardians)', () => {
    const longOnly = drawPopulation({ ...populationSpec(cfg), longShare: 1 });
    let sold = 0;
    const book = (): BidBook => {
      const b = new BidBook({ ...bookSpec(cfg), resilience: 0 });
      const sell = b.sell.bind(b);
      b.sell = (c) => {
        sold += c;
        return sell(c);
      };
      return b;
    };
    const r = runCascade({ ...input(), population: longOnly, book, guardians: NO_GUARD });
    expect(r.liquidatedAccounts).toBeGreaterThan(0);
    expect(sold).toBeCloseTo(cfg.shock.sellUsd! / cfg.startPrice + r.liquidatedCoins, 6);
    for (let i = 1; i < r.pricePath.length; i++) expect(r.pricePath[i]!).toBeLessThanOrEqual(r.pricePath[i - 1]!);
    expect(r.liquidatedNotional / r.liquidatedCoins).toBeLessThanOrEqual(r.pricePath[1]!);
  });
  it('monotone: a bigger shock never gives a higher minimum price (no guardians)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 3e9, noNaN: true }), fc.double({ min: 0, max: 1e9, noNaN: true }), (a, extra) => {
        const lo = runCascade(input({ shock: { sellUsd: a }, guardians: NO_GUARD }));
        const hi = runCascade(input({ shock: { sellUsd: a + extra }, guardians: NO_GUARD }));
        expect(hi.minPrice).toBeLessThanOrEqual(lo.minPrice);
      }),
      { numRuns: 30 },
    );
  });
  it('is deterministic, and guardian share 0 equals the run without guardians', () => {
    expect(runCascade(input())).toEqual(runCascade(input()));
    const c = compareGuardians(input({ guardians: { ...cfg.guardians, share: 0 } }));
    expect(c.withGuardians).toEqual(c.withoutGuardians);
  });
});

describe('config', () => {
  it('defaults validate; bad fields name their path and value', () => {
    expect(parseConfig(undefined)).toEqual(DEFAULT_CONFIG);
    try {
      parseConfig({ population: { leverage: { max: 0.5 } }, venues: [{ name: 'deribit', weight: 1, clearanceFeeRate: 0 }] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => [i.path, i.value])).toContainEqual(['population.leverage.max', 0.5]);
    }
    expect(() => parseConfig({ shock: { drop: 0.1, sellUsd: 1 } })).toThrow(/shock/);
    expect(parseConfig({ shock: { drop: 0.1 } }).shock).toEqual({ drop: 0.1 });
  });
  it("venue clearanceFeeRate: the preset's when not given (binance-usdm 0.0125, none -> 0), an explicit value overrides", () => {
    const rate = (doc: unknown) => venueSpecs(parseConfig(doc)).map((v) => [v.name, v.clearanceFeeRate]);
    expect(rate(undefined)).toEqual([
      ['binance-usdm', 0.0125],
      ['hyperliquid', 0],
    ]);
    expect(rate({ venues: [{ name: 'binance-usdm', weight: 1 }] })).toEqual([['binance-usdm', 0.0125]]);
    expect(
      rate({
        venues: [
          { name: 'binance-usdm', weight: 0.5, clearanceFeeRate: 0.02 },
          { name: 'hyperliquid', weight: 0.3, clearanceFeeRate: 0.001 },
          { name: 'binance-usdm', weight: 0.2, clearanceFeeRate: 0 },
        ],
      }),
    ).toEqual([
      ['binance-usdm', 0.02],
      ['hyperliquid', 0.001],
      ['binance-usdm', 0],
    ]);
    try {
      parseConfig({ venues: [{ name: 'binance-usdm', weight: 1, clearanceFeeRate: 1 }] });
      expect.unreachable();
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => [i.path, i.value])).toEqual([['venues[0].clearanceFeeRate', 1]]);
    }
  });
});
