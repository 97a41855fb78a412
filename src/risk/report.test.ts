import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildAccountModel } from '../margin/index.ts';
import { evaluateBucket } from '../margin/terms.ts';
import { parsePortfolio } from '../model/parse.ts';
import type { Portfolio } from '../model/types.ts';
import { optionVol } from '../pricing/vol.ts';
import { marketPrices } from './prices.ts';
import { riskReport } from './report.ts';

const examples = readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.yaml'));
const load = (f: string): Portfolio => parsePortfolio(readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8'), f);

/**
 * Options keep the implied vol they have at the current mark while the underlying moves (sticky strike, the
 * convention of liquidation prices and crash moves), so a moved portfolio pins each option's vol first.
 */
const pinVols = (p: Portfolio): Portfolio => ({
  ...p,
  accounts: p.accounts.map((a) => ({
    ...a,
    positions: a.positions.map((q) => (q.kind === 'option' && q.vol === undefined ? { ...q, vol: optionVol(q, p.market, p.market.prices[q.asset]!) } : q)),
  })),
});

/** The portfolio with one asset's price replaced (others fixed). */
const withPrice = (p: Portfolio, asset: string, price: number): Portfolio => {
  const pinned = pinVols(p);
  return { ...pinned, market: { ...p.market, prices: { ...p.market.prices, [asset]: price } } };
};

describe('riskReport on the bundled examples', () => {
  it.each(examples)('%s: every reported liquidation price puts its bucket exactly at maintenance', (file) => {
    const pf = load(file);
    const report = riskReport(pf);
    let checked = 0;
    pf.accounts.forEach((account, ai) => {
      const ar = report.accounts[ai]!;
      expect(ar.id).toBe(account.id);
      account.positions.forEach((pos, pi) => {
        const pr = ar.positions[pi]!;
        expect(pr.asset).toBe(pos.asset);
        expect(pr.qty).toBe(pos.qty);
        for (const lp of [pr.liquidationPrices.down, pr.liquidationPrices.up]) {
          if (lp === null) continue;
          const moved = withPrice(pf, pos.asset, lp);
          const model = buildAccountModel(moved.accounts[ai]!, moved.market);
          const bucket = model.buckets.find((b) => b.positions.includes(pos.index))!;
          const t = evaluateBucket(bucket, marketPrices(moved.market));
          const scale = Math.max(t.maintenance, Math.abs(t.balance), 1);
          expect(Math.abs(t.balance - t.maintenance) / scale).toBeLessThan(1e-9);
          checked++;
        }
      });
    });
    expect(report.accounts).toHaveLength(pf.accounts.length);
    // examples are chosen to have something liquidatable at some price
    expect(checked).toBeGreaterThan(0);
  });

  it.each(examples)('%s: crash moves liquidate exactly at the move and not halfway', (file) => {
    const pf = load(file);
    const report = riskReport(pf);
    pf.accounts.forEach((account, ai) => {
      const { crashMove } = report.accounts[ai]!;
      for (const m of [crashMove.down, crashMove.up]) {
        if (m === null) continue;
        const shift = (k: number): Portfolio => ({
          ...pinVols(pf),
          market: {
            ...pf.market,
            prices: Object.fromEntries(Object.entries(pf.market.prices).map(([a, p]) => [a, pf.market.stables.has(a) ? p : p * (1 + k)])),
          },
        });
        const at = shift(m);
        const model = buildAccountModel(at.accounts[ai]!, at.market);
        const excesses = model.buckets.map((b) => {
          const t = evaluateBucket(b, marketPrices(at.market));
          return (t.balance - t.maintenance) / Math.max(t.maintenance, Math.abs(t.balance), 1);
        });
        expect(Math.min(...excesses.map(Math.abs))).toBeLessThan(1e-8);
        if (!report.accounts[ai]!.liquidatable) expect(riskReport(shift(m / 2)).accounts[ai]!.liquidatable).toBe(false);
      }
    });
  });

  it('multi-venue: margin ratio is maintenance / equity and health is its inverse for cross margin', () => {
    const r = riskReport(load('multi-venue.yaml'));
    const cross = r.accounts.find((a) => a.id === 'binance-cross')!;
    expect(cross.marginRatio).toBeCloseTo(cross.maintenanceMargin / cross.equity, 12);
    expect(cross.healthFactor! * cross.marginRatio!).toBeCloseTo(1, 12);
    const aave = r.accounts.find((a) => a.id === 'aave')!;
    // Aave HF = collateral x LT / debt = 50 x 3400 x 0.825 / 90000 (document overrides LT to 0.825)
    expect(aave.healthFactor).toBeCloseTo((50 * 3400 * 0.825) / 90000, 12);
    // the ETH liquidation price solves 50 P 0.825 = 90000
    expect(aave.positions[0]!.liquidationPrice).toBeCloseTo(90000 / (50 * 0.825), 6);
  });
});

describe('riskReport: positions past liquidation are reported, not hidden', () => {
  const doc = (entry: number, margin: number): string => `
asOf: 2024-03-01T00:00:00Z
market: { prices: { BTC: 50000, USDT: 1 }, vols: {}, rate: 0 }
accounts:
  - id: iso
    venue: binance-usdm
    mode: isolated
    positions:
      - { kind: perp, asset: BTC, qty: 1, entry: ${entry}, margin: ${margin} }
`;
  it('a long below its liquidation price is liquidatable with a negative distance and the threshold above the mark', () => {
    const r = riskReport(parsePortfolio(doc(60000, 5000), 'past.yaml'));
    const a = r.accounts[0]!;
    const p = a.positions[0]!;
    expect(a.liquidatable).toBe(true);
    expect(p.liquidatable).toBe(true);
    expect(a.healthFactor!).toBeLessThan(1);
    expect(p.liquidationPrice!).toBeGreaterThan(50000);
    expect(p.distanceToLiquidation!).toBeLessThan(0);
  });
  it('the same long with enough margin is safe, with the threshold below the mark', () => {
    const r = riskReport(parsePortfolio(doc(60000, 20000), 'safe.yaml'));
    const p = r.accounts[0]!.positions[0]!;
    expect(r.accounts[0]!.liquidatable).toBe(false);
    expect(p.liquidationPrice!).toBeLessThan(50000);
    expect(p.distanceToLiquidation!).toBeGreaterThan(0);
  });
});

describe('portfolio aggregation', () => {
  it('net delta adds positions and non-stable collateral; stables are not underlyings', () => {
    const r = riskReport(load('multi-venue.yaml'));
    const btc = r.portfolio.underlyings.BTC!;
    const btcPositions = r.accounts.flatMap((a) => a.positions).filter((p) => p.asset === 'BTC');
    const deribitBtc = 3; // collateral
    expect(btc.netDelta).toBeCloseTo(btcPositions.reduce((s, p) => s + p.delta, 0) + deribitBtc, 10);
    expect(btc.netDeltaUsd).toBeCloseTo(btc.netDelta * 62000, 6);
    expect(r.portfolio.underlyings.USDC).toBeUndefined();
    expect(r.portfolio.equity).toBeCloseTo(r.accounts.reduce((s, a) => s + a.equity, 0), 6);
  });
});
