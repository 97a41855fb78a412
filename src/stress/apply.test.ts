import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePortfolio } from '../model/parse.ts';
import type { OptionPosition, Portfolio, SviSlice } from '../model/types.ts';
import { sviVol } from '../pricing/svi.ts';
import { riskReport } from '../risk/report.ts';
import { valuePosition } from '../risk/valuation.ts';
import { applyScenario, shockMarket } from './apply.ts';
import type { Scenario } from './scenario.ts';

const examples = readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.yaml'));
const example = (f: string): Portfolio => parsePortfolio(readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8'), f);

const book = (accounts: string, prices = '{ BTC: 60000, ETH: 3000, SOL: 150, USDT: 1, USDC: 1 }'): Portfolio =>
  parsePortfolio(`asOf: 2024-03-01T00:00:00Z\nmarket: { prices: ${prices}, vols: { BTC: 0.6 }, rate: 0 }\naccounts:\n${accounts}`, 'test.yaml');

const equities = (p: Portfolio): number[] => riskReport(p).accounts.map((a) => a.equity);
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));

/** Books on every margin model and mode the charges take a different path for. */
const BOOKS: Record<string, Portfolio> = {
  'tiered cross (linear perps, spot)': book(`
  - id: a
    venue: binance-usdm
    mode: cross
    collateral: { USDT: 20000 }
    positions:
      - { kind: perp, asset: BTC, qty: 0.5, entry: 58000 }
      - { kind: perp, asset: ETH, qty: -4, entry: 3100 }
      - { kind: spot, asset: SOL, qty: 10 }
`),
  'tiered isolated linear, margin defaulted (Bybit, maintenance at entry)': book(`
  - id: a
    venue: bybit-linear
    mode: isolated
    positions:
      - { kind: perp, asset: BTC, qty: 0.5, entry: 58000, leverage: 20 }
      - { kind: perp, asset: BTC, qty: -0.2, entry: 61000, margin: 1500 }
`),
  'tiered isolated inverse (coin margin)': book(`
  - id: a
    venue: binance-coinm
    mode: isolated
    positions:
      - { kind: perp, asset: BTC, qty: 30000, entry: 58000, settle: inverse, leverage: 20 }
      - { kind: perp, asset: BTC, qty: -5000, entry: 61000, settle: inverse, margin: 0.02 }
`),
  'deribit standard (inverse and USDC pools)': book(`
  - id: a
    venue: deribit
    mode: standard
    collateral: { BTC: 1, USDC: 10000 }
    positions:
      - { kind: perp, asset: BTC, qty: 40000, entry: 59000 }
      - { kind: option, asset: BTC, right: put, strike: 50000, expiry: 2024-03-29T08:00:00Z, qty: -2 }
      - { kind: perp, asset: ETH, qty: 3, entry: 2900, settle: linear }
`),
  'weighted (cross and an isolated perp)': book(`
  - id: a
    venue: drift
    collateral: { USDC: 30000 }
    positions:
      - { kind: perp, asset: SOL, qty: 100, entry: 140 }
      - { kind: perp, asset: BTC, qty: -0.2, entry: 61000, margin: 2000 }
      - { kind: spot, asset: ETH, qty: 2 }
`),
  'lending': book(`
  - id: a
    venue: aave-v3
    positions:
      - { kind: supply, asset: ETH, qty: 10 }
      - { kind: borrow, asset: USDC, qty: 15000 }
`),
};

/** USD value of each position of account 0 at the portfolio's marks. */
const values = (p: Portfolio): { kind: string; value: number; stable: boolean }[] =>
  p.accounts[0]!.positions.map((q) => ({ kind: q.kind, value: valuePosition(q, p.market.prices[q.asset]!, p.market).value, stable: p.market.stables.has(q.asset) }));

describe('applyScenario', () => {
  it.each(examples)('%s: the null scenario changes no equity, margin or liquidation state', (f) => {
    const p = example(f);
    const before = riskReport(p);
    const after = riskReport(applyScenario(p, { name: 'null', prices: {}, others: 1 }));
    after.accounts.forEach((a, i) => {
      const b = before.accounts[i]!;
      expect(a.equity).toBe(b.equity);
      expect(a.maintenanceMargin).toBe(b.maintenanceMargin);
      expect(a.liquidatable).toBe(b.liquidatable);
    });
  });

  it('does not change its input', () => {
    const p = BOOKS['deribit standard (inverse and USDC pools)']!;
    const text = JSON.stringify(p, (_k, v: unknown) => (v instanceof Set ? [...v] : v));
    applyScenario(p, { name: 's', prices: { BTC: 0.5 }, others: 0.7, vol: { multiplier: 2 }, fundingPer8h: 0.01, horizonHours: 24, haircut: 0.1 });
    expect(JSON.stringify(p, (_k, v: unknown) => (v instanceof Set ? [...v] : v))).toBe(text);
  });

  it('moves listed assets by their multiplier, other non-stables by `others`, stables only when listed', () => {
    const p = book('  - { id: a, venue: binance-usdm, collateral: { USDT: 1 } }\n');
    const m = shockMarket(p.market, { name: 's', prices: { BTC: 0.5, USDC: 0.9 }, others: 0.8 });
    expect(m.prices).toEqual({ BTC: 30000, ETH: 2400, SOL: 120, USDT: 1, USDC: 0.9 });
  });

  it('vol x m scales every option vol: flat, position and SVI smile (a, b x m^2)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.2, max: 4, noNaN: true }),
        fc.double({ min: 0.001, max: 0.1, noNaN: true }),
        fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        fc.double({ min: -0.9, max: 0.9, noNaN: true }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        (mult, a, b, rho, k) => {
          const slice: SviSlice = { expiry: Date.parse('2024-03-29T08:00:00Z'), a, b, rho, m: 0, sigma: 0.2 };
          const p = book('  - { id: a, venue: binance-usdm, collateral: { USDT: 1 } }\n');
          const shocked = shockMarket({ ...p.market, smiles: { BTC: [slice] } }, { name: 'v', prices: {}, vol: { multiplier: mult } });
          expect(shocked.vols.BTC).toBeCloseTo(0.6 * mult, 12);
          const T = 28.33 / 365;
          const s2 = shocked.smiles.BTC![0]!;
          expect(rel(sviVol(s2, 60000, 60000 * k, T), mult * sviVol(slice, 60000, 60000 * k, T))).toBeLessThan(1e-12);
        },
      ),
    );
  });

  it('options are repriced at their shocked vol: x multiplier, or the absolute vol of their underlying', () => {
    const p = BOOKS['deribit standard (inverse and USDC pools)']!;
    const put = (q: Portfolio): OptionPosition => q.accounts[0]!.positions.find((x): x is OptionPosition => x.kind === 'option')!;
    expect(put(applyScenario(p, { name: 'x', prices: {}, vol: { multiplier: 1.5 } })).vol).toBeCloseTo(0.9, 14);
    const abs = applyScenario(p, { name: 'a', prices: {}, vol: { absolute: { BTC: 1.1472, ETH: 2 } } });
    expect(put(abs).vol).toBe(1.1472);
    // more vol: the short put loses value, the account equity falls
    expect(equities(abs)[0]!).toBeLessThan(equities(p)[0]!);
  });

  it.each(Object.keys(BOOKS))('%s: the exit haircut costs exactly h x |value| of each non-stable position', (name) => {
    const p = BOOKS[name]!;
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.3, noNaN: true }), (h) => {
        const expected = values(p).reduce((s, v) => s + (v.stable ? 0 : h * Math.abs(v.value)), 0);
        const loss = equities(p)[0]! - equities(applyScenario(p, { name: 'h', prices: {}, haircut: h }))[0]!;
        expect(Math.abs(loss - expected)).toBeLessThan(1e-9 * Math.max(1, expected, equities(p)[0]!));
      }),
      { numRuns: 20 },
    );
  });

  it.each(Object.keys(BOOKS))('%s: funding costs rate x hours/8 x the signed value of each perp (longs pay a positive rate)', (name) => {
    const p = BOOKS[name]!;
    fc.assert(
      fc.property(fc.double({ min: -0.01, max: 0.01, noNaN: true }), fc.integer({ min: 1, max: 168 }), (rate, hours) => {
        const expected = values(p).reduce((s, v) => s + (v.kind === 'perp' ? rate * (hours / 8) * v.value : 0), 0);
        const loss = equities(p)[0]! - equities(applyScenario(p, { name: 'f', prices: {}, fundingPer8h: rate, horizonHours: hours }))[0]!;
        expect(Math.abs(loss - expected)).toBeLessThan(1e-9 * Math.max(1, Math.abs(expected), equities(p)[0]!));
      }),
      { numRuns: 20 },
    );
  });

  it('an isolated position pays from its own bucket: only its liquidation price moves', () => {
    const p = BOOKS['tiered isolated linear, margin defaulted (Bybit, maintenance at entry)']!;
    const before = riskReport(p).accounts[0]!.positions;
    const after = riskReport(applyScenario(p, { name: 'h', prices: {}, haircut: 0.01 })).accounts[0]!.positions;
    // long: less margin, its liquidation price rises; short: less margin, its liquidation price falls
    expect(after[0]!.liquidationPrice!).toBeGreaterThan(before[0]!.liquidationPrice!);
    expect(after[1]!.liquidationPrice!).toBeLessThan(before[1]!.liquidationPrice!);
  });

  it('a Deribit charge lands in the pool of the position: coin for inverse, USDC for linear', () => {
    const p = BOOKS['deribit standard (inverse and USDC pools)']!;
    const s: Scenario = { name: 'f', prices: { BTC: 0.9 }, fundingPer8h: 0.001, horizonHours: 8 };
    const a = applyScenario(p, s).accounts[0]!;
    expect(a.collateral.BTC).toBeCloseTo(1 - (0.001 * 40000) / 54000, 14);
    expect(a.collateral.USDC).toBeCloseTo(10000 - 0.001 * 3 * 3000, 9);
  });
});
