import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Account, Market, Position } from '../model/types.ts';
import { buildLendingBuckets, liquidationCall } from './lending.ts';
import type { Bucket, PriceFn } from './terms.ts';
import { evaluateBucket, excess, healthFactor } from './terms.ts';
import type { LendingAssetParams, LendingModel } from './venue-model.ts';
import { bisect } from '../testing/bisect.ts';

const PROV = { source: 'test', retrieved: '2026-01-01', version: 'test' };

const model = (assets: LendingModel['assets']): LendingModel => ({ model: 'lending', assets, closeFactor: 0.5, closeFactorHfThreshold: 0.95, provenance: PROV });

const market = (prices: Record<string, number>): Market => ({
  asOf: 0,
  prices,
  vols: {},
  smiles: {},
  rate: 0,
  stables: new Set(['USDC']),
});

let nextIndex = 0;
const supply = (asset: string, qty: number): Position => ({ kind: 'supply', asset, qty, index: nextIndex++ });
const borrow = (asset: string, qty: number): Position => ({ kind: 'borrow', asset, qty, index: nextIndex++ });

const account = (venue: LendingModel, positions: Position[], collateral: Record<string, number> = {}): Account => ({
  id: 'a',
  index: 0,
  venueName: 'test',
  venue,
  mode: 'cross',
  collateral,
  positions,
});

const priceFn =
  (prices: Record<string, number>): PriceFn =>
  (a) => {
    const p = prices[a];
    if (p === undefined) throw new Error(`no price ${a}`);
    return p;
  };


const single = (acc: Account, m: Market): Bucket => {
  const b = buildLendingBuckets(acc, m);
  expect(b).toHaveLength(1);
  return b[0]!;
};

describe('lending terms reproduce aave-utilities', () => {
  // aave/aave-utilities packages/math-utils/src/pool-math.test.ts, 'should calculate health factor':
  // collateral 1e17, borrows 5e16 -> '1'; borrows 3e16 -> '1.66666666666666666667' (LT 5000 bps).
  it('pool-math calculateHealthFactorFromBalances', () => {
    const v = model({ C: { ltv: 0.4, liquidationThreshold: 0.5, liquidationBonus: 0.05 }, D: { ltv: 0, liquidationThreshold: 0, liquidationBonus: 0 } });
    const m = market({ C: 1, D: 1 });
    const t1 = evaluateBucket(single(account(v, [supply('C', 1e17), borrow('D', 5e16)]), m), priceFn(m.prices));
    expect(healthFactor(t1)).toBe(1);
    const t2 = evaluateBucket(single(account(v, [supply('C', 1e17), borrow('D', 3e16)]), m), priceFn(m.prices));
    expect(healthFactor(t2)).toBeCloseTo(1.66666666666666666667, 15);
    // 'should return -1 health factor if borrowBalance is 0': Aave's sentinel -1 is Infinity here.
    const t3 = evaluateBucket(single(account(v, [supply('C', 1e17)]), m), priceFn(m.prices));
    expect(healthFactor(t3)).toBe(Infinity);
  });

  // aave/aave-utilities packages/math-utils/src/formatters/user/generate-raw-user-summary.test.ts (commit 7a2ea1e9):
  // two reserves (UserReserveMock: LTV 5000, LT 6000, eMode LTV 6000 / LT 7000), each supply 200 and borrow 100 at
  // 1 reserve token = 100 USD. Expected: totalCollateralUSD 40000, totalBorrowsUSD 20000, availableBorrowsUSD 0,
  // currentLoanToValue 5000, currentLiquidationThreshold 6000, healthFactor '1.2'; eMode: availableBorrowsUSD 4000,
  // LTV 6000, LT 7000, healthFactor '1.4'. eMode is applied as the assets' parameters (what eMode does).
  it.each([
    { name: 'no eMode', ltv: 0.5, lt: 0.6, available: 0, hf: 1.2 },
    { name: 'eMode 1', ltv: 0.6, lt: 0.7, available: 4000, hf: 1.4 },
  ])('generateRawUserSummary ($name)', ({ ltv, lt, available, hf }) => {
    const p = { ltv, liquidationThreshold: lt, liquidationBonus: 0 };
    const v = model({ USDC: p, ETH: p });
    const m = market({ USDC: 100, ETH: 100 });
    const acc = account(v, [supply('USDC', 200), borrow('USDC', 100), supply('ETH', 200), borrow('ETH', 100)]);
    const t = evaluateBucket(single(acc, m), priceFn(m.prices));
    const collateral = t.balance + t.liabilities;
    expect(collateral).toBeCloseTo(40000, 9);
    expect(t.liabilities).toBeCloseTo(20000, 9);
    expect(t.balance - t.initial).toBeCloseTo(available, 9); // available borrows = sum C LTV - D
    expect(1 - t.initial / collateral).toBeCloseTo(ltv, 12); // currentLoanToValue / 1e4
    expect(1 - t.maintenance / collateral).toBeCloseTo(lt, 12); // currentLiquidationThreshold / 1e4
    expect(healthFactor(t)).toBeCloseTo(hf, 12);
  });
});

describe('lending model', () => {
  const aave = JSON.parse(readFileSync(new URL('../../data/venues/aave-v3.json', import.meta.url), 'utf8')) as LendingModel;

  it('preset: WETH 80.5 / 83 / 5 %, close factor 50 % above HF 0.95', () => {
    expect(aave.assets.WETH).toEqual({ ltv: 0.805, liquidationThreshold: 0.83, liquidationBonus: 0.05 });
    expect(aave.closeFactor).toBe(0.5);
    expect(aave.closeFactorHfThreshold).toBe(0.95);
  });

  it('single collateral: P_liq = D / (q LT), collateral balances count as supplied', () => {
    const m = market({ ETH: 2000, USDC: 1 });
    const acc = account(aave, [borrow('USDC', 10000)], { ETH: 10 });
    const b = single(acc, m);
    const r = b.closedFormLiquidation!('ETH', priceFn(m.prices))!;
    expect(r.up).toBeNull();
    expect(r.down).toBeCloseTo(10000 / (10 * 0.83), 9);
    const t = evaluateBucket(b, priceFn({ ...m.prices, ETH: r.down! }));
    expect(Math.abs(healthFactor(t) - 1)).toBeLessThan(1e-12);
    // the debt asset's own liquidation price is above the mark
    const u = b.closedFormLiquidation!('USDC', priceFn(m.prices))!;
    expect(u.down).toBeNull();
    expect(u.up).toBeCloseTo((10 * 2000 * 0.83) / 10000, 12);
  });

  it('no debt: HF Infinity and no liquidation price', () => {
    const m = market({ ETH: 2000 });
    const b = single(account(aave, [supply('ETH', 1)]), m);
    expect(healthFactor(evaluateBucket(b, priceFn(m.prices)))).toBe(Infinity);
    expect(b.closedFormLiquidation!('ETH', priceFn(m.prices))).toEqual({ down: null, up: null });
  });

  it('an unlisted asset counts as non-collateral; non-lending positions are rejected', () => {
    const m = market({ XYZ: 10, USDC: 1 });
    const t = evaluateBucket(single(account(aave, [supply('XYZ', 100), borrow('USDC', 1)]), m), priceFn(m.prices));
    expect(excess(t)).toBeCloseTo(-1, 12);
    const bad = account(aave, [{ kind: 'spot', asset: 'ETH', qty: 1, index: 0 }]);
    expect(() => buildLendingBuckets(bad, m)).toThrow(/supply and borrow/);
  });

  it('property: at the closed-form liquidation price HF = 1 (1e-9), and HF rises with a collateral price', () => {
    const asset = fc.record({
      q: fc.double({ min: 0.01, max: 1e4, noNaN: true }),
      p: fc.double({ min: 0.1, max: 1e5, noNaN: true }),
      lt: fc.double({ min: 0.3, max: 0.95, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(asset, { minLength: 1, maxLength: 4 }), fc.double({ min: 0.05, max: 3, noNaN: true }), (cs, debtShare) => {
        const assets: Record<string, LendingAssetParams> = { DEBT: { ltv: 0, liquidationThreshold: 0, liquidationBonus: 0 } };
        const prices: Record<string, number> = { DEBT: 1 };
        const positions: Position[] = [];
        let cap = 0;
        cs.forEach((c, i) => {
          assets[`C${i}`] = { ltv: c.lt * 0.9, liquidationThreshold: c.lt, liquidationBonus: 0.05 };
          prices[`C${i}`] = c.p;
          positions.push(supply(`C${i}`, c.q));
          cap += c.q * c.p * c.lt;
        });
        positions.push(borrow('DEBT', cap * debtShare));
        const m = market(prices);
        const b = single(account(model(assets), positions), m);
        const pf = priceFn(prices);
        for (let i = 0; i < cs.length; i++) {
          const a = `C${i}`;
          const r = b.closedFormLiquidation!(a, pf)!;
          const root = r.down ?? r.up;
          if (root === null) {
            // no positive root: the other collateral alone covers the debt
            expect(excess(evaluateBucket(b, priceFn({ ...prices, [a]: 0 })))).toBeGreaterThanOrEqual(0);
            continue;
          }
          expect(Math.abs(healthFactor(evaluateBucket(b, priceFn({ ...prices, [a]: root }))) - 1)).toBeLessThan(1e-9);
          // the same point found by bisection on balance - maintenance
          const f = (x: number): number => excess(evaluateBucket(b, priceFn({ ...prices, [a]: x })));
          const found = bisect(f, root * 0.5, root * 2);
          expect(Math.abs(found / root - 1)).toBeLessThan(1e-9);
          expect(Math.abs(healthFactor(evaluateBucket(b, priceFn({ ...prices, [a]: found }))) - 1)).toBeLessThan(1e-9);
          // monotone: HF increases with the collateral price
          const lo = healthFactor(evaluateBucket(b, priceFn({ ...prices, [a]: root * 0.9 })));
          const hi = healthFactor(evaluateBucket(b, priceFn({ ...prices, [a]: root * 1.1 })));
          expect(lo).toBeLessThan(1);
          expect(hi).toBeGreaterThan(1);
          expect(hi).toBeGreaterThan(lo);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('liquidationCall (Aave v3 LiquidationLogic formulas; hand-derived numbers)', () => {
  const v = model({
    ETH: { ltv: 0.805, liquidationThreshold: 0.83, liquidationBonus: 0.05 },
    USDC: { ltv: 0.77, liquidationThreshold: 0.8, liquidationBonus: 0.045 },
  });
  const base = { model: v, collateralAsset: 'ETH', debtBalance: 10000, collateralBalance: 10, debtPrice: 1, collateralPrice: 1200 };

  it('HF above the threshold: 50 % close factor, collateral = repaid / price x 1.05', () => {
    const r = liquidationCall({ ...base, healthFactor: 0.97, protocolFeeRate: 0.1 });
    expect(r.closeFactor).toBe(0.5);
    expect(r.debtRepaid).toBe(5000);
    expect(r.collateralSeized).toBeCloseTo((5000 / 1200) * 1.05, 12); // 4.375 ETH
    expect(r.protocolFee).toBeCloseTo((4.375 - 4.375 / 1.05) * 0.1, 12);
    expect(r.toLiquidator + r.protocolFee).toBeCloseTo(r.collateralSeized, 12);
    expect(r.liquidatorGainUsd).toBeCloseTo(r.toLiquidator * 1200 - 5000, 9);
  });

  it('HF at or below 0.95: 100 % close factor (Aave: HF > threshold keeps 50 %)', () => {
    expect(liquidationCall({ ...base, healthFactor: 0.95 }).closeFactor).toBe(1);
    const r = liquidationCall({ ...base, healthFactor: 0.9 });
    expect(r.debtRepaid).toBe(10000);
    expect(r.collateralSeized).toBeCloseTo((10000 / 1200) * 1.05, 12);
  });

  it('collateral cap: seize all of it and repay only what it covers', () => {
    const r = liquidationCall({ ...base, collateralBalance: 5, healthFactor: 0.5 });
    expect(r.collateralSeized).toBe(5);
    expect(r.debtRepaid).toBeCloseTo((5 * 1200) / 1.05, 9);
  });

  it('healthy positions and smaller offers', () => {
    expect(liquidationCall({ ...base, healthFactor: 1 }).debtRepaid).toBe(0);
    expect(liquidationCall({ ...base, healthFactor: 0.97, debtToCover: 1000 }).debtRepaid).toBe(1000);
  });
});
