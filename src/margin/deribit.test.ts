import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Account, Market, OptionPosition, Position } from '../model/types.ts';
import { MS_PER_YEAR } from '../model/types.ts';
import { blackScholes } from '../pricing/black.ts';
import { buildDeribitBuckets, deribitScenarioPnl } from './deribit.ts';
import { scenarioGrid } from './portfolio-grid.ts';
import type { Bucket, PriceFn } from './terms.ts';
import { evaluateBucket, excess, healthFactor } from './terms.ts';
import type { DeribitModel } from './venue-model.ts';
import { bisect } from '../testing/bisect.ts';

const deribit = JSON.parse(readFileSync(new URL('../../data/venues/deribit.json', import.meta.url), 'utf8')) as DeribitModel;
const DAY = MS_PER_YEAR / 365;

const market = (prices: Record<string, number>, vols: Record<string, number> = { BTC: 0.6, ETH: 0.7 }): Market => ({
  asOf: 0,
  prices,
  vols,
  smiles: {},
  rate: 0,
  stables: new Set(['USDC']),
});

const priceFn =
  (prices: Record<string, number>): PriceFn =>
  (a) => {
    const p = prices[a];
    if (p === undefined) throw new Error(`no price ${a}`);
    return p;
  };

let idx = 0;
const invPerp = (qty: number, entry: number, asset = 'BTC'): Position => ({ kind: 'perp', settle: 'inverse', asset, qty, entry, index: idx++ });
const linPerp = (qty: number, entry: number, asset = 'BTC'): Position => ({ kind: 'perp', settle: 'linear', asset, qty, entry, index: idx++ });
const option = (qty: number, right: 'call' | 'put', strike: number, days: number, extra: Partial<OptionPosition> = {}): OptionPosition => ({
  kind: 'option',
  settle: 'inverse',
  asset: 'BTC',
  qty,
  right,
  strike,
  expiry: days * DAY,
  index: idx++,
  ...extra,
});

const account = (mode: Account['mode'], positions: Position[], collateral: Record<string, number>, venue: DeribitModel = deribit): Account => ({
  id: 'd',
  index: 0,
  venueName: 'deribit',
  venue,
  mode,
  collateral,
  positions,
});

const bucketOf = (buckets: Bucket[], key: string): Bucket => {
  const b = buckets.find((x) => x.id === `d:${key}`);
  if (!b) throw new Error(`no bucket ${key}`);
  return b;
};


describe('Deribit preset', () => {
  it('preset: documented numbers', () => {
    expect(deribit.standard).toEqual({ futureImBase: 0.02, futureMmBase: 0.015, futureSlopePer100: 0.005, optionImBase: 0.15, optionImFloor: 0.1, optionMmBase: 0.075 });
    expect(deribit.portfolio).toMatchObject({ priceRange: 0.16, bucketsPerSide: 4, volUp: 0.5, volDown: 0.25, shortTermVegaPower: 0.3, longTermVegaPower: 0.13, mmFactor: 0.8 });
  });
});

describe('Deribit portfolio margin', () => {
  // docs.deribit.com/api-reference/account-management/private-simulate, example response (timestamp 1718619740501):
  // initial_risk_vectors["BTC-PERPETUAL"].standard, in BTC, scenario order price-major. A long inverse perpetual's
  // coin P&L is (q/P) m / (1 + m); the example's size is q/P = 0.314538364 BTC (from its first entry).
  it('reproduces the pme/simulate BTC-PERPETUAL risk vector', () => {
    const published = [
      -0.05991206933333334, -0.05991206933333334, -0.05991206933333334, -0.04289159509090909, -0.04289159509090909, -0.04289159509090909,
      -0.027351162086956524, -0.027351162086956524, -0.027351162086956524, -0.013105765166666668, -0.013105765166666668, -0.013105765166666668,
      0, 0, 0, 0.012097629384615385, 0.012097629384615385, 0.012097629384615385,
    ];
    const P = 66000;
    const acc = account('portfolio', [invPerp(P * 0.314538364, 60000)], { BTC: 2 });
    const pnl = deribitScenarioPnl(acc, market({ BTC: P }), 'BTC')!;
    expect(pnl).toHaveLength(35);
    published.forEach((x, i) => expect(Math.abs(pnl[i]! / P - x)).toBeLessThan(1e-15));
    expect((pnl[18]! / P).toFixed(9)).toBe('0.023299138'); // the 19th entry, truncated in the stored copy
    // extended table: perpetual-only portfolio -> zeros (the example's extended vector)
    expect(Array.from(pnl.subarray(27)).every((x) => x === 0)).toBe(true);
  });

  it('USDC pool: USD P&L of linear positions and collateral; extended moves skip futures', () => {
    const P = 3000;
    const acc = account('portfolio', [linPerp(-4, 3100, 'ETH')], { USDC: 1000 });
    const pnl = deribitScenarioPnl(acc, market({ ETH: P, USDC: 1 }), 'ETH', 'USDC')!;
    const g = scenarioGrid(deribit.portfolio);
    for (let s = 0; s < g.count; s++) expect(pnl[s]).toBeCloseTo(s < g.standardCount ? -4 * P * g.moves[s]! : 0, 9);
    expect(deribitScenarioPnl(acc, market({ ETH: P, USDC: 1 }), 'BTC')).toBeNull();
  });

  it('long perpetual: IM = worst standard loss, MM = 0.8 IM, HF = equity / MM', () => {
    const P = 50000;
    const q = 1e6; // USD face
    const b = buildDeribitBuckets(account('portfolio', [invPerp(q, P)], { BTC: 1 }), market({ BTC: P }))[0]!;
    const t = evaluateBucket(b, priceFn({ BTC: P }));
    const worst = q * (1 / 0.84 - 1); // coin loss at -16 % x P
    expect(t.initial).toBeCloseTo(worst, 6);
    expect(t.maintenance).toBeCloseTo(0.8 * worst, 6);
    expect(t.balance).toBeCloseTo(P, 9);
    expect(healthFactor(t)).toBeCloseTo(P / (0.8 * worst), 12);
  });

  it('short option: contingency per net short contract, extended moves on options, netting per strike', () => {
    const P = 60000;
    const m = market({ BTC: P });
    const short = [option(-2, 'put', 40000, 20)];
    const b = buildDeribitBuckets(account('portfolio', short, { BTC: 1 }), m)[0]!;
    const pnl = deribitScenarioPnl(account('portfolio', short, { BTC: 1 }), m, 'BTC')!;
    const g = scenarioGrid(deribit.portfolio);
    let worst = 0;
    for (let s = 0; s < g.count; s++) worst = Math.max(worst, -g.weights[s]! * pnl[s]!);
    expect(pnl[27]).toBeLessThan(0); // -66 % move hurts a short put
    const t = evaluateBucket(b, priceFn({ BTC: P }));
    expect(t.initial).toBeCloseTo(worst + 0.01 * 2 * P, 6);
    // long + short call at one strike and expiry: flat book, no contingency, no scenario loss
    const flat = [option(1, 'call', 70000, 20), option(-1, 'call', 70000, 20)];
    const tf = evaluateBucket(buildDeribitBuckets(account('portfolio', flat, { BTC: 1 }), m)[0]!, priceFn({ BTC: P }));
    expect(tf.initial).toBeCloseTo(0, 9);
    // a call and a put at one strike net per strike (Deribit's example: call +10, put -20 -> 10 net short)
    const mixed = [option(10, 'call', 70000, 20), option(-20, 'put', 70000, 20)];
    const grp = buildDeribitBuckets(account('portfolio', mixed, { BTC: 1 }), m)[0]!.groups[0] as unknown as { netShort: number };
    expect(grp.netShort).toBe(10);
  });

  it('a long and a short in one instrument net to a flat position (no margin) in both modes', () => {
    // Deribit keeps one net position per instrument, so a buy against a short closes it.
    const P = 60000;
    const m = market({ BTC: P });
    const book = [option(1, 'call', 70000, 30), option(-1, 'call', 70000, 30)];
    const std = evaluateBucket(buildDeribitBuckets(account('standard', book, { BTC: 1 }), m)[0]!, priceFn({ BTC: P }));
    const pm = evaluateBucket(buildDeribitBuckets(account('portfolio', book, { BTC: 1 }), m)[0]!, priceFn({ BTC: P }));
    expect(std.maintenance).toBeCloseTo(0, 9);
    expect(pm.maintenance).toBeCloseTo(0, 9);
  });

  it('PM offsets a call spread that standard margin charges leg by leg', () => {
    const P = 60000;
    const m = market({ BTC: P });
    const book = [option(1, 'call', 66000, 30), option(-1, 'call', 68000, 30)];
    const std = evaluateBucket(buildDeribitBuckets(account('standard', book, { BTC: 1 }), m)[0]!, priceFn({ BTC: P }));
    const pm = evaluateBucket(buildDeribitBuckets(account('portfolio', book, { BTC: 1 }), m)[0]!, priceFn({ BTC: P }));
    expect(std.maintenance).toBeGreaterThan(0);
    expect(pm.maintenance).toBeGreaterThan(0);
    expect(pm.maintenance).toBeLessThan(std.maintenance);
  });
});

describe('Deribit standard margin (hand-derived from the documented formulas)', () => {
  const P = 50000;
  const m = market({ BTC: P });
  const terms = (positions: Position[], collateral: Record<string, number> = { BTC: 10 }) =>
    evaluateBucket(bucketOf(buildDeribitBuckets(account('standard', positions, collateral), m), 'BTC'), priceFn({ BTC: P }));

  // test.deribit.com/pages/docs/futures: IM 2 % + 0.5 % per 100 BTC, MM 1.5 % + 0.5 % per 100 BTC.
  it('futures: 200 BTC position -> IM 3 %, MM 2.5 % of 200 BTC', () => {
    const t = terms([invPerp(200 * P, P)]);
    expect(t.initial).toBeCloseTo(0.03 * 200 * P, 6);
    expect(t.maintenance).toBeCloseTo(0.025 * 200 * P, 6);
    expect(t.liabilities).toBe(t.maintenance);
    // inverse P&L q (1/E - 1/P) coins: long 10 BTC face from 40000 -> 0.25 x 10 / ... valued at P
    const t2 = terms([invPerp(400000, 40000)], { BTC: 1 });
    expect(t2.balance).toBeCloseTo(P + 400000 * (1 / 40000 - 1 / P) * P, 9);
    // a position's mmr replaces the base maintenance rate
    const t3 = terms([{ ...(invPerp(200 * P, P) as Extract<Position, { kind: 'perp' }>), mmr: 0.05 }]);
    expect(t3.maintenance).toBeCloseTo(0.06 * 200 * P, 6);
  });

  // Deribit option margin table (doc.tslab.pro mirror). Per coin, c = BS USD value / P:
  // short call IM = max(0.15 - OTM/U, 0.1) + c, MM = 0.075 + c; short put MM = max(0.075, 0.075 c) + c,
  // IM = max(max(0.15 - OTM/U, 0.1) + c, MM); long: none.
  it('short options per the table', () => {
    const T = 30 / 365;
    const cCall = blackScholes('call', P, 55000, T, 0.6, 0).price / P; // OTM 5000 -> 0.15 - 0.1 = 0.05 -> floor 0.1
    const tc = terms([option(-3, 'call', 55000, 30)]);
    expect(tc.initial).toBeCloseTo(3 * (0.1 + cCall) * P, 6);
    expect(tc.maintenance).toBeCloseTo(3 * (0.075 + cCall) * P, 6);
    const cPut = blackScholes('put', P, 48000, T, 0.6, 0).price / P; // OTM 2000 -> 0.15 - 0.04 = 0.11
    const tp = terms([option(-1, 'put', 48000, 30)]);
    expect(tp.initial).toBeCloseTo((0.11 + cPut) * P, 6);
    expect(tp.maintenance).toBeCloseTo((0.075 + cPut) * P, 6);
    // deep in-the-money put: coin mark > 1, MM = 0.075 c + c
    const cDeep = blackScholes('put', P, 150000, T, 0.6, 0).price / P;
    expect(cDeep).toBeGreaterThan(1);
    const td = terms([option(-1, 'put', 150000, 30)]);
    expect(td.maintenance).toBeCloseTo((0.075 * cDeep + cDeep) * P, 6);
    expect(td.initial).toBeCloseTo(Math.max(0.15 + cDeep, 0.075 * cDeep + cDeep) * P, 6);
    // long options: no margin; equity carries their mark
    const tl = terms([option(2, 'call', 55000, 30)], { BTC: 1 });
    expect(tl.maintenance).toBe(0);
    expect(tl.balance).toBeCloseTo(P + 2 * cCall * P, 9);
  });

  it('segregated pools: coin pool and USDC pool; balances add up to equity', () => {
    const prices = { BTC: P, USDC: 1 };
    const acc = account('standard', [invPerp(100000, P), linPerp(2, 45000)], { BTC: 1, USDC: 5000 });
    const buckets = buildDeribitBuckets(acc, market(prices));
    expect(buckets.map((b) => b.id).sort()).toEqual(['d:BTC', 'd:USDC']);
    const usd = evaluateBucket(bucketOf(buckets, 'USDC'), priceFn(prices));
    expect(usd.balance).toBeCloseTo(5000 + 2 * (P - 45000), 9);
    expect(usd.initial).toBeCloseTo((0.02 + 0.005 * 0.02) * 2 * P, 9);
    const btc = evaluateBucket(bucketOf(buckets, 'BTC'), priceFn(prices));
    expect(btc.balance).toBeCloseTo(P, 9);
    expect(() => buildDeribitBuckets(account('isolated', [], {}), market(prices))).toThrow(/isolated/);
    expect(() => buildDeribitBuckets(account('standard', [{ kind: 'spot', asset: 'BTC', qty: 1, index: 0 }], {}), market(prices))).toThrow(/perps, futures and options/);
  });
});

describe('property: HF = 1 at the liquidation price found by bisection (1e-9)', () => {
  /** Uniform in [min, max] (fc.double concentrates on extremes and tiny magnitudes). */
  const uniform = (min: number, max: number) => fc.integer({ min: 0, max: 1_000_000 }).map((i) => min + ((max - min) * i) / 1_000_000);
  const book = fc.record({
    collateral: uniform(0.1, 10),
    price: uniform(1000, 100000),
    lev: uniform(-15, 15),
    entryRatio: uniform(0.8, 1.2),
    options: fc.array(
      fc.record({
        qty: uniform(-1.5, 1.5), // x collateral
        call: fc.boolean(),
        moneyness: uniform(0.5, 1.5),
        days: uniform(0.5, 200),
        vol: uniform(0.2, 1.5),
      }),
      { maxLength: 3 },
    ),
  });

  it.each(['standard', 'portfolio'] as const)('%s', (mode) => {
    let roots = 0;
    fc.assert(
      fc.property(book, (x) => {
        const positions: Position[] = [invPerp(x.lev * x.collateral * x.price, x.price * x.entryRatio)];
        for (const o of x.options) positions.push(option(o.qty * x.collateral, o.call ? 'call' : 'put', o.moneyness * x.price, o.days, { vol: o.vol }));
        const b = buildDeribitBuckets(account(mode, positions, { BTC: x.collateral }), market({ BTC: x.price }))[0]!;
        const f = (p: number): number => excess(evaluateBucket(b, priceFn({ BTC: p })));
        if (!(f(x.price) > 0)) return;
        for (const dir of [0.9, 1.1]) {
          let lo = x.price;
          let hi = x.price * dir;
          while (f(hi) > 0 && hi > x.price * 1e-3 && hi < x.price * 1e3) [lo, hi] = [hi, hi * dir];
          if (f(hi) > 0) continue;
          const root = bisect(f, lo, hi);
          const t = evaluateBucket(b, priceFn({ BTC: root }));
          expect(Math.abs(healthFactor(t) - 1)).toBeLessThan(1e-9);
          roots++;
        }
      }),
      { numRuns: 200 },
    );
    expect(roots).toBeGreaterThan(50); // not vacuous
  });
});
