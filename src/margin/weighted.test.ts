import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Account, Market, Position } from '../model/types.ts';
import type { Bucket, PriceFn } from './terms.ts';
import { evaluateBucket, excess, healthFactor } from './terms.ts';
import type { WeightedAssetParams, WeightedModel } from './venue-model.ts';
import type { WeightedGroup } from './weighted.ts';
import { bisect } from '../testing/bisect.ts';
import {
  buildWeightedBuckets,
  sizeDiscountAssetWeight,
  sizePremiumLiabilityWeight,
  unrealizedPnlAssetWeight,
  zeroComponents,
} from './weighted.ts';

const PROV = { source: 'test', retrieved: '2026-01-01', version: 'test' };
const USDC: WeightedAssetParams = { initialAssetWeight: 1, maintenanceAssetWeight: 1, initialLiabilityWeight: 1, maintenanceLiabilityWeight: 1, imf: 0 };
// Drift's test SOL spot market (tests.rs / getMarginCalculation.ts): 0.8 / 0.9 / 1.2 / 1.1, imf 0
const SOL: WeightedAssetParams = { initialAssetWeight: 0.8, maintenanceAssetWeight: 0.9, initialLiabilityWeight: 1.2, maintenanceLiabilityWeight: 1.1, imf: 0 };

const venue = (over: Partial<WeightedModel> = {}): WeightedModel => ({
  model: 'weighted',
  spot: { USDC, SOL },
  perps: { SOL: { initialMarginRatio: 0.1, maintenanceMarginRatio: 0.05, imf: 0 } },
  unrealizedPnlMaintenanceWeight: 1,
  provenance: PROV,
  ...over,
});

const market = (prices: Record<string, number>): Market => ({ asOf: 0, prices, vols: {}, smiles: {}, rate: 0, stables: new Set(['USDC']) });

const priceFn =
  (prices: Record<string, number>): PriceFn =>
  (a) => {
    const p = prices[a];
    if (p === undefined) throw new Error(`no price ${a}`);
    return p;
  };

let idx = 0;
const perp = (asset: string, qty: number, entry: number, extra: Partial<Extract<Position, { kind: 'perp' }>> = {}): Position => ({
  kind: 'perp',
  settle: 'linear',
  asset,
  qty,
  entry,
  index: idx++,
  ...extra,
});
const spot = (asset: string, qty: number): Position => ({ kind: 'spot', asset, qty, index: idx++ });

const account = (v: WeightedModel, positions: Position[], collateral: Record<string, number> = {}, mode: Account['mode'] = 'cross'): Account => ({
  id: 'w',
  index: 0,
  venueName: 'test',
  venue: v,
  mode,
  collateral,
  positions,
});

/** Weighted assets and liabilities of a bucket per category, summed over its groups. */
function weighted(b: Bucket, prices: Record<string, number>, category: 'initial' | 'maintenance'): { assets: number; liabilities: number } {
  let assets = 0;
  let liabilities = 0;
  const c = zeroComponents();
  for (const g of b.groups as WeightedGroup[]) {
    g.components(g.asset === 'USD' ? 1 : priceFn(prices)(g.asset), category, c);
    assets += c.assets;
    liabilities += c.liabilities;
  }
  return { assets, liabilities };
}


/** Drift integer weights (bps) truncate: ours x 1e4 lies in [expected, expected + 1). */
const expectBps = (x: number, bps: number): void => {
  expect(x * 1e4).toBeGreaterThanOrEqual(bps - 1e-9);
  expect(x * 1e4).toBeLessThan(bps + 1);
};

describe('Drift vectors', () => {
  // drift-labs/protocol-v2 programs/drift/src/math/margin/tests.rs `spot_market_asset_weight` (commit 0272ab43):
  // IAW 9000, ILW 11000, size 1000 tokens; imf_factor in 1e6 precision. Integer truncation: within 1 bp.
  it('spot_market_asset_weight: IMF size discount / premium', () => {
    expectBps(sizeDiscountAssetWeight(0.9, 0, 1000), 9000);
    expectBps(sizePremiumLiabilityWeight(1.1, 0, 1000), 11000);
    expectBps(sizeDiscountAssetWeight(0.9, 10 / 1e6, 1000), 9000);
    expectBps(sizePremiumLiabilityWeight(1.1, 10 / 1e6, 1000), 11000);
    expectBps(sizeDiscountAssetWeight(0.9, 10 / 1e6, 1000 * 1e6), 8357);
    expectBps(sizeDiscountAssetWeight(0.9, 10000 / 1e6, 1000), 8357);
    expectBps(sizePremiumLiabilityWeight(1.1, 10000 / 1e6, 1000), 11962);
    expectBps(sizeDiscountAssetWeight(0.9, 0.1, 1000), 2642);
    expectBps(sizePremiumLiabilityWeight(1.1, 0.1, 1000), 40422);
    expectBps(sizePremiumLiabilityWeight(0, 0.1, 1000), 31622); // maintenance_liability_weight defaults to 0 there
    // spot_market2: IAW 1500, MAW 7500, size 100000, imf 0.1 -> 337 for every category
    expectBps(sizeDiscountAssetWeight(0.15, 0.1, 100000), 337);
    expectBps(sizeDiscountAssetWeight(0.75, 0.1, 100000), 337);
  });

  // tests.rs `calculate_user_equity_value_tests`: unrealized_pnl_imf_factor 1000 (0.001), weight 10000; uPnL in USD.
  it('get_unrealized_asset_weight', () => {
    const pnl = 24282.786896;
    const cases: [number, number][] = [
      [22699.050905, 9559],
      [pnl, 9516],
      [pnl * 10, 7368],
      [pnl * 100, 4299],
      [pnl * 1000, 1855],
      [pnl * 10000, 663],
      [pnl * 800000, 78],
    ];
    for (const [x, bps] of cases) expectBps(unrealizedPnlAssetWeight(1, 0.001, x), bps);
  });

  // Drift docs (docs.drift.trade/getting-started/cross-collateral-deposits): 2000 SOL, IAW 0.8, imf 0.003:
  // min(0.80, 1.1 / (1 + 0.003 sqrt(2000))) = min(0.80, ~0.96987) = 0.80.
  it('docs example: 2000 SOL initial asset weight', () => {
    expect(1.1 / (1 + 0.003 * Math.sqrt(2000))).toBeCloseTo(0.96987, 4); // the docs truncate 0.969877
    expect(sizeDiscountAssetWeight(0.8, 0.003, 2000)).toBe(0.8);
  });

  // tests.rs `calculate_user_equity_value_tests`: margin_ratio_initial 1000, imf_factor 1000, short 6.1475409835 BTC
  // (base -12295081967/2 at 1e9), quote 153688.524588 (entry 25000): initial requirement 13555327867 at oracle 22050
  // and 12940573769 at 21050 (QUOTE_PRECISION 1e6; truncated).
  it('perp initial margin requirement with IMF', () => {
    const v = venue({ perps: { BTC: { initialMarginRatio: 0.1, maintenanceMarginRatio: 0.05, imf: 0.001 } } });
    const base = 12295081967 / 2 / 1e9;
    const acc = account(v, [perp('BTC', -base, 153688.524588 / base)]);
    const [b] = buildWeightedBuckets(acc, market({ BTC: 22050 }));
    expect(Math.abs(weighted(b!, { BTC: 22050 }, 'initial').liabilities - 13555.327867)).toBeLessThan(2e-6);
    expect(Math.abs(weighted(b!, { BTC: 21050 }, 'initial').liabilities - 12940.573769)).toBeLessThan(2e-6);
  });

  // tests.rs `user_custom_margin_ratio`: USDC 100 deposit, SOL borrow 100 at $100, perp long 100 SOL (MR 10 % / 5 %):
  // maintenance requirement 11500000000 = 100 x 100 x .05 + 100 x $100 x 1.1.
  it('user_custom_margin_ratio: maintenance requirement', () => {
    const prices = { SOL: 100, USDC: 1 };
    const [b] = buildWeightedBuckets(account(venue(), [spot('SOL', -100), perp('SOL', 100, 0)], { USDC: 100 }), market(prices));
    expect(weighted(b!, prices, 'maintenance').liabilities).toBeCloseTo(11500, 9);
  });

  // tests.rs `user_perp_positions_custom_margin_ratio`: perp max_margin_ratio 2 (0.5x leverage): initial 20000000000.
  it('user_perp_positions_custom_margin_ratio: per-position leverage', () => {
    const prices = { SOL: 100, USDC: 1 };
    const [b] = buildWeightedBuckets(account(venue(), [perp('SOL', 100, 0, { leverage: 0.5 })], { USDC: 100 }), market(prices));
    expect(weighted(b!, prices, 'initial').liabilities).toBeCloseTo(20000, 9);
  });

  // sdk/tests/user/getMarginCalculation.ts 'isolated position margin requirement (SDK parity)': cross USDC 20000
  // deposit + SOL borrow 100 at $100 (ILW 1.2): MR 12000000000, TC 20000000000; isolated long 100 SOL-PERP, quote
  // -11000, isolated deposit 100: MR 1000000000, TC -900000000.
  it('SDK isolated position parity', () => {
    const prices = { SOL: 100, USDC: 1 };
    const buckets = buildWeightedBuckets(account(venue(), [spot('SOL', -100), perp('SOL', 100, 110, { margin: 100 })], { USDC: 20000 }), market(prices));
    expect(buckets).toHaveLength(2);
    const [cross, iso] = buckets;
    const wc = weighted(cross!, prices, 'initial');
    expect(wc.liabilities).toBeCloseTo(12000, 9);
    expect(wc.assets).toBeCloseTo(20000, 9);
    const t = evaluateBucket(cross!, priceFn(prices));
    expect(t.balance - t.initial).toBeCloseTo(20000 - 12000, 9); // Drift free collateral TC - MR
    const ti = evaluateBucket(iso!, priceFn(prices));
    expect(ti.balance).toBeCloseTo(-900, 9); // TC (weights 1: equity)
    expect(ti.initial).toBeCloseTo(1000, 9); // MR
    expect(iso!.positions).toEqual([buckets[1]!.positions[0]]);
  });
});

describe('weighted model', () => {
  const drift = JSON.parse(readFileSync(new URL('../../data/venues/drift.json', import.meta.url), 'utf8')) as WeightedModel;

  it('preset: Drift docs SOL row', () => {
    expect(drift.spot.SOL).toEqual({ initialAssetWeight: 0.8, maintenanceAssetWeight: 0.9, initialLiabilityWeight: 1.2, maintenanceLiabilityWeight: 1.1, imf: 0.00125 });
  });

  it('terms: balance = equity, balance - maintenance = A - L, HF = A / L', () => {
    const prices = { SOL: 150, USDC: 1 };
    const [b] = buildWeightedBuckets(account(venue(), [spot('SOL', 10), perp('SOL', -20, 160)], { USDC: 1000 }), market(prices));
    const t = evaluateBucket(b!, priceFn(prices));
    const w = weighted(b!, prices, 'maintenance');
    expect(t.balance).toBeCloseTo(1000 + 1500 + -20 * (150 - 160), 9);
    expect(excess(t)).toBeCloseTo(w.assets - w.liabilities, 9);
    expect(healthFactor(t)).toBeCloseTo(w.assets / w.liabilities, 12);
    // A = 1000 + 1500 x 0.9 + pnl 200; L = 20 x 150 x 0.05
    expect(w.assets).toBeCloseTo(1000 + 1350 + 200, 9);
    expect(w.liabilities).toBeCloseTo(150, 9);
  });

  it('rejects borrowing an unlisted asset and inverse perps', () => {
    const m = market({ XYZ: 1 });
    expect(() => buildWeightedBuckets(account(venue(), [spot('XYZ', -1)]), m)).toThrow(/no spot weights/);
    expect(() => buildWeightedBuckets(account(venue(), [perp('SOL', 1, 100, { settle: 'inverse' })]), m)).toThrow(/linear/);
  });

  /** Amounts in [min, max], with sub-1e-6 values snapped to 0 (no denormal sizes). */
  const amount = (max: number) => fc.double({ min: 0, max, noNaN: true }).map((v) => (v < 1e-6 ? 0 : v));
  // A leveraged long book: USDC collateral = q x price x cover (cover < 1 mostly leaves a liquidation price below).
  const book = fc
    .record({
      cover: fc.double({ min: 0.03, max: 1.5, noNaN: true }),
      units: amount(50),
      q: fc.double({ min: 0.01, max: 1e3, noNaN: true }),
      entryRatio: fc.double({ min: 0.7, max: 1.3, noNaN: true }),
      mr: fc.double({ min: 0.01, max: 0.3, noNaN: true }),
      imf: fc.double({ min: 0, max: 0.01, noNaN: true }),
      pnlWeight: fc.double({ min: 0.5, max: 1, noNaN: true }),
      borrowShare: fc.double({ min: 0, max: 0.5, noNaN: true }),
      price: fc.double({ min: 1, max: 1e4, noNaN: true }),
    })
    .map((x) => ({ ...x, usdc: x.q * x.price * x.cover, borrowUsdc: x.q * x.price * x.cover * x.borrowShare }));

  const build = (x: typeof book extends fc.Arbitrary<infer T> ? T : never, mode: Account['mode']): Bucket[] => {
    const v = venue({
      spot: { USDC, SOL: { ...SOL, imf: x.imf } },
      perps: { SOL: { initialMarginRatio: Math.min(2 * x.mr, 1), maintenanceMarginRatio: x.mr, imf: x.imf } },
      unrealizedPnlMaintenanceWeight: x.pnlWeight,
    });
    const positions = [perp('SOL', x.q, x.price * x.entryRatio, mode === 'isolated' ? { margin: x.usdc } : {}), spot('USDC', -x.borrowUsdc), spot('SOL', x.units)];
    return buildWeightedBuckets(account(v, positions, { USDC: x.usdc }, mode), market({ SOL: x.price, USDC: 1 }));
  };

  it('property: maintenance health A - L rises with the price of a net-long asset', () => {
    fc.assert(
      fc.property(book, fc.double({ min: 0.01, max: 0.99, noNaN: true }), (x, f) => {
        for (const b of build(x, 'cross')) {
          const lo = weighted(b, { SOL: x.price * f, USDC: 1 }, 'maintenance');
          const hi = weighted(b, { SOL: x.price, USDC: 1 }, 'maintenance');
          // rounding allowance scaled by every term (a hedged book is flat: A - L is then a difference of large terms)
          const scale = 1 + Math.abs(lo.assets) + Math.abs(lo.liabilities) + Math.abs(hi.assets) + Math.abs(hi.liabilities);
          expect(hi.assets - hi.liabilities).toBeGreaterThanOrEqual(lo.assets - lo.liabilities - 1e-12 * scale);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: at the root of maintenance health (bisection on balance - maintenance) HF = 1 (1e-9)', () => {
    let roots = 0;
    fc.assert(
      fc.property(book, fc.constantFrom<Account['mode']>('cross', 'isolated'), (x, mode) => {
        for (const b of build(x, mode)) {
          const f = (p: number): number => excess(evaluateBucket(b, priceFn({ SOL: p, USDC: 1 })));
          const f0 = f(x.price);
          const fz = f(1e-9);
          if (!(f0 > 0) || fz > 0) continue; // only safe buckets with a liquidation price below the mark
          const root = bisect(f, 1e-9, x.price);
          const t = evaluateBucket(b, priceFn({ SOL: root, USDC: 1 }));
          expect(Math.abs(healthFactor(t) - 1)).toBeLessThan(1e-9);
          expect(f(root * (1 - 1e-6))).toBeLessThan(0);
          roots++;
        }
      }),
      { numRuns: 300 },
    );
    expect(roots).toBeGreaterThan(50); // not vacuous
  });
});
