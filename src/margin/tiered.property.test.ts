/**
 * fast-check properties of the tiered model and its closed-form liquidation prices, on the real preset tables
 * (binance-usdm for linear, binance-coinm for inverse; both continuous, so the excess is concave in each price).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Account, Market, PerpPosition } from '../model/types.ts';
import { evaluateBucket, healthFactor, type Bucket, type PriceFn } from './terms.ts';
import { buildTieredBuckets } from './tiered.ts';
import { normalizeTiers, tierFor, type RawTier } from './tiers.ts';
import type { TieredModel } from './venue-model.ts';

// ---------------------------------------------------------------------------------------------------------------
// Helpers (kept local: test files do not import each other)

const preset = (name: string): TieredModel => {
  const raw = JSON.parse(readFileSync(new URL(`../../data/venues/${name}.json`, import.meta.url), 'utf8')) as Omit<TieredModel, 'tiers'> & {
    tiers: Record<string, RawTier[]>;
  };
  return { ...raw, tiers: Object.fromEntries(Object.entries(raw.tiers).map(([k, v]) => [k, normalizeTiers(v)])) };
};
const LINEAR = preset('binance-usdm');
const INVERSE = preset('binance-coinm');
const flatVenue = (mmr: number, settle: 'linear' | 'inverse'): TieredModel => ({
  ...LINEAR,
  settle,
  tiers: { '*': normalizeTiers([{ floor: 0, cap: null, mmr, maxLeverage: 1 }]) },
});

const market = (prices: Record<string, number>): Market => ({ asOf: 0, prices, vols: {}, smiles: {}, rate: 0, stables: new Set(['USDT']) });
const priceFn =
  (m: Market): PriceFn =>
  (a) => {
    const p = m.prices[a];
    if (p === undefined) throw new Error(`no price for ${a}`);
    return p;
  };
const moved = (m: Market, asset: string, p: number): PriceFn => priceFn(market({ ...m.prices, [asset]: p }));
const account = (venue: TieredModel, mode: 'cross' | 'isolated', collateral: Record<string, number>, positions: PerpPosition[]): Account => ({
  id: 'p',
  index: 0,
  venueName: 'prop',
  venue,
  mode,
  collateral,
  positions,
});
const terms = (b: Bucket, prices: PriceFn) => evaluateBucket(b, prices);
const excess = (b: Bucket, prices: PriceFn): number => {
  const t = terms(b, prices);
  return t.balance - t.maintenance;
};
const closed = (b: Bucket, asset: string, m: Market): { down: number | null; up: number | null } => {
  const r = b.closedFormLiquidation?.(asset, priceFn(m));
  if (r === undefined) throw new Error('closed form did not apply');
  return r;
};

const logUniform = (lo: number, hi: number): fc.Arbitrary<number> => fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map(Math.exp);

// ---------------------------------------------------------------------------------------------------------------
// Scenarios: 1-3 contracts on BTC / ETH (inverse: BTC), cross or isolated, sizes across every tier.

interface Scenario {
  venue: TieredModel;
  mode: 'cross' | 'isolated';
  market: Market;
  positions: PerpPosition[];
  collateral: Record<string, number>;
}

const legArb = fc.record({
  eth: fc.boolean(),
  long: fc.boolean(),
  /** USD notional at entry: 10 USD to 3e9 USD (the top Binance tiers). */
  notional: logUniform(10, 3e9),
  entryShift: fc.double({ min: -0.4, max: 0.4, noNaN: true }),
  /** Isolated margin as a fraction of the notional at entry; undefined = the default (tier max leverage). */
  marginRatio: fc.option(logUniform(0.005, 2), { nil: undefined }),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    inverse: fc.boolean(),
    cross: fc.boolean(),
    pBTC: logUniform(1000, 200000),
    pETH: logUniform(50, 10000),
    legs: fc.array(legArb, { minLength: 1, maxLength: 3 }),
    collateralRatio: logUniform(0.01, 3),
  })
  .map(({ inverse, cross, pBTC, pETH, legs, collateralRatio }): Scenario => {
    const prices: Record<string, number> = { BTC: pBTC, ETH: pETH, USDT: 1 };
    let total = 0;
    const positions = legs.map((l, index): PerpPosition => {
      const asset = l.eth && !inverse ? 'ETH' : 'BTC';
      const entry = (prices[asset] as number) * (1 + l.entryShift);
      const sign = l.long ? 1 : -1;
      total += l.notional;
      // Linear qty in coins; inverse qty in USD face (a BTC notional of notional / entry coins).
      const qty = inverse ? sign * l.notional : (sign * l.notional) / entry;
      const margin = l.marginRatio === undefined ? undefined : inverse ? (l.marginRatio * l.notional) / entry : l.marginRatio * l.notional;
      return { index, kind: 'perp', asset, qty, entry, settle: inverse ? 'inverse' : 'linear', ...(margin === undefined ? {} : { margin }) };
    });
    const collateral: Record<string, number> = inverse ? { BTC: (collateralRatio * total) / pBTC } : { USDT: collateralRatio * total };
    return { venue: inverse ? INVERSE : LINEAR, mode: cross ? 'cross' : 'isolated', market: market(prices), positions, collateral };
  });

const bucketsOf = (s: Scenario): Bucket[] => buildTieredBuckets(account(s.venue, s.mode, s.collateral, s.positions), s.market);
const assetsOf = (b: Bucket): string[] => b.groups.map((g) => g.asset).filter((a) => a === 'BTC' || a === 'ETH');

/** Reference: scan outward by 1 % steps over [1e-6, 1e6] x mark, then plain bisection on the state flip. */
function bisectionRoots(b: Bucket, m: Market, asset: string): { down: number | null; up: number | null } {
  const p0 = m.prices[asset] as number;
  const f = (p: number): number => excess(b, moved(m, asset, p));
  const safe0 = f(p0) > 0;
  const side = (mult: number): number | null => {
    let x = p0;
    for (;;) {
      const y = x * mult;
      if (y < p0 * 1e-6 || y > p0 * 1e6) return null;
      if (f(y) > 0 !== safe0) {
        let lo = x;
        let hi = y;
        for (let i = 0; i < 200 && Math.abs(hi - lo) > 1e-15 * Math.abs(hi); i++) {
          const mid = (lo + hi) / 2;
          if (f(mid) > 0 === safe0) lo = mid;
          else hi = mid;
        }
        return (lo + hi) / 2;
      }
      x = y;
    }
  };
  return { down: side(1 / 1.01), up: side(1.01) };
}

const RUNS = { numRuns: 300 };

/** Sum of the absolute USD terms that make up a bucket's balance at `prices` (the scale of its rounding error). */
function grossTerms(s: Scenario, b: Bucket, prices: PriceFn): number {
  let gross = 0;
  if (s.mode === 'cross') for (const [a, amount] of Object.entries(s.collateral)) gross += Math.abs(amount) * (a === 'USDT' ? 1 : prices(a));
  for (const p of s.positions) {
    if (!b.positions.includes(p.index)) continue;
    const px = prices(p.asset);
    const margin = p.margin ?? 0;
    gross += p.settle === 'inverse' ? Math.abs(p.qty) * (1 + px / p.entry) + margin * px : Math.abs(p.qty) * (px + p.entry) + margin;
  }
  return gross;
}

// ---------------------------------------------------------------------------------------------------------------

describe('closed-form liquidation price (properties)', () => {
  it('at the closed-form price, balance equals maintenance to 1e-9 relative', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const b of bucketsOf(s)) {
          for (const asset of assetsOf(b)) {
            const r = closed(b, asset, s.market);
            for (const p of [r.down, r.up]) {
              if (p === null) continue;
              const prices = moved(s.market, asset, p);
              const t = terms(b, prices);
              // 1e-9 of balance / maintenance, plus the rounding of summing the balance's terms (collateral, margin,
              // |q| E, ...): it dominates only for roots near P = 0 of nearly fully collateralised positions, where
              // balance and maintenance are themselves tiny differences of large terms.
              const rounding = 1e-13 * grossTerms(s, b, prices);
              expect(Math.abs(t.balance - t.maintenance)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(t.balance), Math.abs(t.maintenance)) + rounding);
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('equals the root of a plain bisection on balance - maintenance (bucket safe at the mark)', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const b of bucketsOf(s)) {
          for (const asset of assetsOf(b)) {
            const p0 = s.market.prices[asset] as number;
            if (!(excess(b, priceFn(s.market)) > 0)) continue;
            const want = bisectionRoots(b, s.market, asset);
            const got = closed(b, asset, s.market);
            for (const [g, w] of [
              [got.down, want.down],
              [got.up, want.up],
            ] as const) {
              // The reference only looks within [1e-6, 1e6] x mark.
              const gIn = g !== null && g >= p0 * 1e-6 && g <= p0 * 1e6 ? g : null;
              if (w === null) expect(gIn).toBeNull();
              else expect(Math.abs((gIn ?? NaN) / w - 1)).toBeLessThan(1e-9);
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('already liquidatable at the mark: the reported prices are the first state flips on each side', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const b of bucketsOf(s)) {
          if (excess(b, priceFn(s.market)) > 0) continue;
          for (const asset of assetsOf(b)) {
            const p0 = s.market.prices[asset] as number;
            const r = closed(b, asset, s.market);
            for (const p of [r.down, r.up]) {
              if (p === null) continue;
              // still liquidatable between the mark and p (sampled), safe just beyond p
              for (let i = 0; i < 20; i++) {
                const prices = moved(s.market, asset, p0 + ((p - p0) * i) / 20);
                expect(excess(b, prices)).toBeLessThanOrEqual(1e-13 * grossTerms(s, b, prices));
              }
              const beyond = p + (p - p0) * 1e-6;
              expect(excess(b, moved(s.market, asset, beyond))).toBeGreaterThan(0);
            }
          }
        }
      }),
      RUNS,
    );
  });

  it("a cross liquidation price is never safer than the one ignoring the other positions' maintenance", () => {
    const arb = fc.record({
      focal: legArb.map((l) => ({ ...l, eth: false })),
      others: fc.array(
        legArb.map((l) => ({ ...l, eth: true })),
        { minLength: 1, maxLength: 2 },
      ),
      pBTC: logUniform(1000, 200000),
      pETH: logUniform(50, 10000),
      collateralRatio: logUniform(0.05, 3),
    });
    fc.assert(
      fc.property(arb, ({ focal, others, pBTC, pETH, collateralRatio }) => {
        const m = market({ BTC: pBTC, ETH: pETH, USDT: 1 });
        const mk = (l: typeof focal, index: number, asset: string, p: number): PerpPosition => {
          const entry = p * (1 + l.entryShift);
          return { index, kind: 'perp', asset, qty: ((l.long ? 1 : -1) * l.notional) / entry, entry, settle: 'linear' };
        };
        const total = [focal, ...others].reduce((a, l) => a + l.notional, 0);
        const full = [mk(focal, 0, 'BTC', pBTC), ...others.map((l, i) => mk(l, i + 1, 'ETH', pETH))];
        // The same book with the ETH positions' maintenance (rate, amount, fee) set to zero.
        const ignoring = full.map((p, i) => (i === 0 ? p : { ...p, mmr: 0, mmAmount: 0, liquidationFeeRate: 0 }));
        const build = (ps: PerpPosition[]): Bucket => buildTieredBuckets(account(LINEAR, 'cross', { USDT: collateralRatio * total }, ps), m)[0] as Bucket;
        const bFull = build(full);
        const bIgn = build(ignoring);
        fc.pre(excess(bFull, priceFn(m)) > 0);
        const rFull = closed(bFull, 'BTC', m);
        const rIgn = closed(bIgn, 'BTC', m);
        const tol = 1e-9 * pBTC;
        if (rIgn.down !== null) expect(rFull.down ?? -Infinity).toBeGreaterThanOrEqual(rIgn.down - tol);
        if (rIgn.up !== null) expect(rFull.up ?? Infinity).toBeLessThanOrEqual(rIgn.up + tol);
        // and where the ignoring book is never liquidated on a side, the full one may be: never the reverse
        if (rFull.down === null) expect(rIgn.down).toBeNull();
        if (rFull.up === null) expect(rIgn.up).toBeNull();
      }),
      RUNS,
    );
  });

  it('tier re-solve: the answer lies in the tier used to compute it (single-tier solve with that tier agrees)', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const p of s.positions) {
          const one = { ...s, mode: 'isolated' as const, positions: [p] };
          const b = bucketsOf(one)[0] as Bucket;
          const r = closed(b, p.asset, s.market);
          for (const [side, x] of [
            ['down', r.down],
            ['up', r.up],
          ] as const) {
            if (x === null) continue;
            const tiers = s.venue.tiers[p.asset] ?? [];
            const t = tierFor(tiers, p.settle === 'inverse' ? Math.abs(p.qty) / x : Math.abs(p.qty) * x);
            const pinned = bucketsOf({ ...one, positions: [{ ...p, mmr: t.mmr, mmAmount: t.mmAmount }] })[0] as Bucket;
            const y = closed(pinned, p.asset, s.market)[side];
            expect(y).not.toBeNull();
            expect(Math.abs((y as number) / x - 1)).toBeLessThan(1e-9);
          }
        }
      }),
      RUNS,
    );
  });
});

describe('health is monotone in price for a single position', () => {
  const grid = (p0: number): number[] => Array.from({ length: 120 }, (_, i) => p0 * Math.exp(-4.5 + (7 * i) / 119)); // 1 % .. 20x

  it('linear, cross with USDT: the excess rises with the price for a long and falls for a short, across tiers', () => {
    const arb = fc.record({ long: fc.boolean(), notional: logUniform(10, 3e9), shift: fc.double({ min: -0.4, max: 0.4, noNaN: true }), c: logUniform(0.01, 3) });
    fc.assert(
      fc.property(arb, ({ long, notional, shift, c }) => {
        const m = market({ BTC: 50000, USDT: 1 });
        const entry = 50000 * (1 + shift);
        const b = buildTieredBuckets(account(LINEAR, 'cross', { USDT: c * notional }, [{ index: 0, kind: 'perp', asset: 'BTC', qty: ((long ? 1 : -1) * notional) / entry, entry, settle: 'linear' }]), m)[0] as Bucket;
        const xs = grid(50000).map((p) => excess(b, moved(m, 'BTC', p)));
        for (let i = 1; i < xs.length; i++) expect(long ? (xs[i] as number) > (xs[i - 1] as number) : (xs[i] as number) < (xs[i - 1] as number)).toBe(true);
      }),
      RUNS,
    );
  });

  it('inverse, isolated: the excess rises with the price for a long (any tier) and falls for a leveraged short', () => {
    const arb = fc.record({ long: fc.boolean(), face: logUniform(100, 5e7), shift: fc.double({ min: -0.4, max: 0.4, noNaN: true }), lev: fc.double({ min: 1.5, max: 100, noNaN: true }) });
    fc.assert(
      fc.property(arb, ({ long, face, shift, lev }) => {
        const m = market({ BTC: 50000 });
        const entry = 50000 * (1 + shift);
        // Shorts on a flat 0.5 % table: with tier amounts the coin margin plus the amount can outweigh |q| / E.
        const v = long ? INVERSE : flatVenue(0.005, 'inverse');
        const p: PerpPosition = { index: 0, kind: 'perp', asset: 'BTC', qty: long ? face : -face, entry, settle: 'inverse', leverage: lev };
        const b = buildTieredBuckets(account(v, 'isolated', {}, [p]), m)[0] as Bucket;
        const xs = grid(50000).map((px) => excess(b, moved(m, 'BTC', px)));
        for (let i = 1; i < xs.length; i++) expect(long ? (xs[i] as number) > (xs[i - 1] as number) : (xs[i] as number) < (xs[i - 1] as number)).toBe(true);
      }),
      RUNS,
    );
  });

  it('HF = balance / maintenance: falls as the price falls for a leveraged long, rises for a short (first tier)', () => {
    // Within a tier with amount 0: dHF/dP has the sign of q mmr (q E - C) for a long (needs C < q E, i.e. leverage
    // above 1) and of -(C + |q| E) for a short.
    const arb = fc.record({ long: fc.boolean(), notional: logUniform(10, 40000), lev: fc.double({ min: 1.05, max: 100, noNaN: true }) });
    fc.assert(
      fc.property(arb, ({ long, notional, lev }) => {
        const m = market({ BTC: 50000, USDT: 1 });
        const b = buildTieredBuckets(account(LINEAR, 'cross', { USDT: notional / lev }, [{ index: 0, kind: 'perp', asset: 'BTC', qty: ((long ? 1 : -1) * notional) / 50000, entry: 50000, settle: 'linear' }]), m)[0] as Bucket;
        // prices keeping the notional inside the first tier (< 50,000 USDT)
        const top = (50000 * 50000) / notional;
        const ps = Array.from({ length: 60 }, (_, i) => 1000 + ((Math.min(top, 200000) * 0.999 - 1000) * i) / 59);
        const hf = ps.map((p) => healthFactor(terms(b, moved(m, 'BTC', p))));
        for (let i = 1; i < hf.length; i++) expect(long ? (hf[i] as number) > (hf[i - 1] as number) : (hf[i] as number) < (hf[i - 1] as number)).toBe(true);
      }),
      RUNS,
    );
  });

  it('HF is not monotone in general (the excess is): an over-collateralised long, and a 1.17x long in a tier with an amount', () => {
    const m = market({ BTC: 50000, USDT: 1 });
    const hfAt = (collateral: number, qty: number, p: number): number => {
      const b = buildTieredBuckets(account(LINEAR, 'cross', { USDT: collateral }, [{ index: 0, kind: 'perp', asset: 'BTC', qty, entry: 50000, settle: 'linear' }]), m)[0] as Bucket;
      return healthFactor(terms(b, moved(m, 'BTC', p)));
    };
    // 1 BTC long with 60,000 USDT (no liquidation price): HF rises as the price falls (tier 1).
    expect(hfAt(60000, 1, 40000)).toBeGreaterThan(hfAt(60000, 1, 45000));
    // 100 BTC long (5M USDT, tier 3M-12M: 1 %, amount 11,450) with 4.3M USDT: 0.01 (5M - 4.3M) = 7,000 < 11,450.
    expect(hfAt(4.3e6, 100, 40000)).toBeGreaterThan(hfAt(4.3e6, 100, 45000));
  });
});
