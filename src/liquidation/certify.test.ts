import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildDeribitBuckets } from '../margin/deribit.ts';
import { PortfolioGroup } from '../margin/portfolio-grid.ts';
import type { Bucket, MarginTerms, PriceFn } from '../margin/terms.ts';
import { zeroTerms } from '../margin/terms.ts';
import type { DeribitModel } from '../margin/venue-model.ts';
import type { Account, Market, Position } from '../model/types.ts';
import { MS_PER_YEAR } from '../model/types.ts';
import { certifyStats } from './certify.ts';
import { plainScanCrashMove, plainScanLiquidationPrices, scanCrashMove, scanLiquidationPrices, type Roots } from './price.ts';

const deribit = JSON.parse(readFileSync(new URL('../../data/venues/deribit.json', import.meta.url), 'utf8')) as DeribitModel;
/** Harder grid parameters: vol-down shocks reach zero vol for short expiries, mmFactor x weight above 1. */
const hard: DeribitModel = { ...deribit, portfolio: { ...deribit.portfolio, volDown: 0.6, mmFactor: 1.5, shortOptionContingency: 0.05 } };
const DAY = MS_PER_YEAR / 365;

/** Uniform in [min, max] (fc.double concentrates on extremes and tiny magnitudes). */
const uniform = (min: number, max: number) => fc.integer({ min: 0, max: 1_000_000 }).map((i) => min + ((max - min) * i) / 1_000_000);

const option = fc.record({
  eth: fc.boolean(),
  call: fc.boolean(),
  moneyness: uniform(0.4, 1.8),
  days: uniform(-3, 300), // negative: expired (valued at intrinsic)
  qty: uniform(-3, 2),
  vol: fc.option(uniform(0.05, 2), { nil: undefined }),
});

const bookArb = fc.record({
  usdPool: fc.boolean(),
  twoAssets: fc.boolean(),
  collateral: uniform(0.2, 30),
  lev: uniform(-8, 8),
  entryRatio: uniform(0.8, 1.2),
  options: fc.array(option, { minLength: 1, maxLength: 40 }),
  btc: uniform(5000, 100_000),
  eth: uniform(200, 5000),
  rate: fc.constantFrom(0, 0.05, -0.01),
  hard: fc.boolean(),
});
type BookSpec = typeof bookArb extends fc.Arbitrary<infer T> ? T : never;

/** A Deribit portfolio-margin account: coin pool (inverse) or USDC pool (linear), BTC and maybe ETH, options and perps. */
function build(x: BookSpec): { buckets: Bucket[]; prices: PriceFn; isStable: (a: string) => boolean } {
  const prices: Record<string, number> = { BTC: x.btc, ETH: x.eth, USDC: 1 };
  const market: Market = { asOf: 0, prices, vols: { BTC: 0.6, ETH: 0.75 }, smiles: {}, rate: x.rate, stables: new Set(['USDC']) };
  const settle = x.usdPool ? 'linear' : 'inverse';
  const assets = x.twoAssets ? ['BTC', 'ETH'] : ['BTC'];
  let index = 0;
  const positions: Position[] = assets.map((asset) => {
    const P = prices[asset]!;
    const qty = x.usdPool ? x.lev * x.collateral : x.lev * x.collateral * P;
    return { kind: 'perp', settle, asset, qty: qty / assets.length, entry: P * x.entryRatio, index: index++ };
  });
  for (const o of x.options) {
    const asset = x.twoAssets && o.eth ? 'ETH' : 'BTC';
    const P = prices[asset]!;
    positions.push({
      kind: 'option',
      settle,
      asset,
      qty: Math.round(o.qty * x.collateral * 100) / 100 || 0.01,
      right: o.call ? 'call' : 'put',
      strike: Math.round(P * o.moneyness),
      expiry: o.days * DAY,
      index: index++,
      ...(o.vol !== undefined ? { vol: o.vol } : {}),
    });
  }
  const collateral: Record<string, number> = x.usdPool ? { USDC: x.collateral * x.btc } : Object.fromEntries(assets.map((a) => [a, a === 'BTC' ? x.collateral : x.collateral * 10]));
  const account: Account = { id: 'd', index: 0, venueName: 'deribit', venue: x.hard ? hard : deribit, mode: 'portfolio', collateral, positions };
  return { buckets: buildDeribitBuckets(account, market), prices: (a) => (a === 'USD' ? 1 : prices[a]!), isStable: (a) => a === 'USDC' };
}

/** The roots of a solver, or the error it throws (both paths must agree on that too). */
const run = (f: () => Roots): Roots | string => {
  try {
    return f();
  } catch (e) {
    return (e as Error).message;
  }
};

/** Same roots to 1e-9 relative, or both null (the certified path in fact returns the same doubles). */
function expectSameRoots(certified: Roots | string, plain: Roots | string): number {
  if (typeof plain === 'string' || typeof certified === 'string') {
    expect(certified).toEqual(plain);
    return 0;
  }
  let found = 0;
  for (const side of ['down', 'up'] as const) {
    const c = certified[side];
    const p = plain[side];
    if (p === null) {
      expect(c).toBeNull();
      continue;
    }
    expect(c).not.toBeNull();
    expect(Math.abs(c! - p)).toBeLessThanOrEqual(1e-9 * Math.abs(p));
    expect(c).toBe(p);
    found++;
  }
  return found;
}

describe('certified scan = plain scan (property, random portfolio-margin books with options)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('liquidation prices and crash moves: the same roots, with far fewer evaluations', () => {
    let roots = 0;
    let plainEvaluations = 0;
    let certifiedEvaluations = 0;
    const accumulate = vi.spyOn(PortfolioGroup.prototype, 'accumulate');
    fc.assert(
      fc.property(bookArb, (x) => {
        const { buckets, prices, isStable } = build(x);
        for (const b of buckets) {
          const cases: [() => Roots, () => Roots][] = [...new Set(b.groups.map((g) => g.asset))]
            .filter((a) => !isStable(a))
            .map((a) => [() => scanLiquidationPrices(b, a, prices), () => plainScanLiquidationPrices(b, a, prices)]);
          cases.push([() => scanCrashMove(b, prices, isStable), () => plainScanCrashMove(b, prices, isStable)]);
          for (const [certified, plain] of cases) {
            const before = certifyStats.full + certifyStats.between;
            const c = run(certified);
            certifiedEvaluations += certifyStats.full + certifyStats.between - before;
            accumulate.mockClear();
            const p = run(plain);
            plainEvaluations += accumulate.mock.calls.length;
            roots += expectSameRoots(c, p);
          }
        }
      }),
      { numRuns: 200 },
    );
    expect(roots).toBeGreaterThan(100); // not vacuous
    expect(certifiedEvaluations).toBeLessThan(plainEvaluations / 3);
  });
});

describe('PortfolioGroup bounds (property)', () => {
  const group = (x: BookSpec): PortfolioGroup | undefined =>
    build(x)
      .buckets.flatMap((b) => b.groups)
      .find((g): g is PortfolioGroup => g instanceof PortfolioGroup && g.book.options.n > 0 && g.snapshotSize > 0);
  const excessOf = (t: MarginTerms): number => t.balance - t.maintenance;
  const same = (a: MarginTerms, b: MarginTerms): void => {
    expect(Object.is(a.balance, b.balance) && Object.is(a.initial, b.initial) && Object.is(a.maintenance, b.maintenance)).toBe(true);
    expect(Object.is(a.liabilities, b.liabilities)).toBe(true);
  };
  const moves = fc.record({ a: uniform(0.05, 3), b: uniform(0.05, 3), c: uniform(0, 1), p: uniform(0, 1), out: uniform(0.001, 20) });

  it('bounds contain the computed excess (between two snapshots, from one, from a pruned one, from a probe); bounded evaluation = accumulate to the bit', () => {
    fc.assert(
      fc.property(bookArb, moves, (x, m) => {
        const g = group(x);
        if (!g) return;
        const mark = g.asset === 'ETH' ? x.eth : x.btc;
        const [a, b] = [mark * Math.min(m.a, m.b), mark * Math.max(m.a, m.b)];
        if (!(b > a)) return;
        const size = g.snapshotSize;
        const snap = new Float64Array(4 * size);
        const exact = (p: number): MarginTerms => {
          const t = zeroTerms();
          new PortfolioGroup(g.book, g.params).accumulate(p, t); // a fresh group: no cached rows
          return t;
        };
        const bounded = (p: number, offA: number, offB: number, off: number): MarginTerms => {
          const t = zeroTerms();
          g.accumulateBounded(p, t, snap, offA, offB, off);
          return t;
        };
        same(bounded(a, -1, -1, 0), exact(a));
        same(bounded(b, 0, -1, size), exact(b)); // one-sided from a, may skip rows
        const c = a + (b - a) * m.c;
        same(bounded(c, 0, size, 2 * size), exact(c)); // between a and b, may skip rows (a pruned snapshot)
        const out = new Float64Array(3);
        const contains = (p: number, offA: number, offB: number): void => {
          const f = excessOf(exact(p));
          for (const refine of [false, true]) {
            g.excessBounds(p, snap, offA, offB, refine, out);
            expect(out[0]! - out[2]!).toBeLessThanOrEqual(f);
            expect(out[1]! + out[2]!).toBeGreaterThanOrEqual(f);
          }
          same(bounded(p, offA, offB, 3 * size), exact(p));
        };
        // a probe (the unshocked row only): its bounds contain the excess, and so do bounds from its snapshot
        const probed = a + (c - a) * (1 - m.p);
        const f = excessOf(exact(probed));
        const snap5 = new Float64Array(5 * size);
        snap5.set(snap.subarray(0, 3 * size));
        if (g.probe(probed, snap5, 0, 2 * size, 4 * size, out)) {
          expect(out[0]! - out[2]!).toBeLessThanOrEqual(f);
          expect(out[1]! + out[2]!).toBeGreaterThanOrEqual(f);
          snap.set(snap5.subarray(4 * size), 3 * size); // the probe's snapshot in slot 3
          const q = a + (probed - a) * m.c;
          const fq = excessOf(exact(q));
          for (const [oa, ob] of [
            [0, 3 * size],
            [3 * size, -1],
          ] as const) {
            g.excessBounds(q, snap, oa, ob, true, out);
            expect(out[0]! - out[2]!).toBeLessThanOrEqual(fq);
            expect(out[1]! + out[2]!).toBeGreaterThanOrEqual(fq);
          }
        }
        const p = a + (b - a) * m.p;
        contains(p, 0, size);
        contains(a + (c - a) * m.p, 0, 2 * size);
        contains(c + (b - c) * m.p, 2 * size, size);
        contains(b * (1 + m.out), size, -1); // above, from b alone
        contains(a / (1 + m.out), 0, -1); // below, from a alone
        contains(c * (m.p < 0.5 ? 1 + m.out : 1 / (1 + m.out)), 2 * size, -1); // from the pruned snapshot alone
      }),
      { numRuns: 150 },
    );
  });

  it('the revaluation cache: a bounded (partial) evaluation in between does not leak into the next full one', () => {
    fc.assert(
      fc.property(bookArb, uniform(0.3, 3), (x, k) => {
        const g = group(x);
        if (!g) return;
        const mark = g.asset === 'ETH' ? x.eth : x.btc;
        const snap = new Float64Array(3 * g.snapshotSize);
        const first = zeroTerms();
        g.accumulateBounded(mark, first, snap, -1, -1, 0);
        g.accumulateBounded(mark * k, zeroTerms(), snap, 0, -1, g.snapshotSize); // prices some rows only
        const again = zeroTerms();
        g.accumulate(mark, again);
        const fresh = zeroTerms();
        new PortfolioGroup(g.book, g.params).accumulate(mark, fresh);
        same(again, fresh);
        same(first, fresh);
      }),
      { numRuns: 100 },
    );
  });
});
