import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { benchBook } from '../../bench/book.ts';
import { parsePortfolio } from '../model/parse.ts';
import type { Portfolio } from '../model/types.ts';
import { riskReport } from '../risk/report.ts';
import { applyScenario } from '../stress/apply.ts';
import { compileBook, evaluateScenarios, riskAssets } from './engine.ts';

const examples = readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.yaml'));
const example = (f: string): Portfolio => parsePortfolio(readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8'), f);
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));

const book = (accounts: string): Portfolio =>
  parsePortfolio(`asOf: 2024-03-01T00:00:00Z\nmarket: { prices: { BTC: 60000, ETH: 3000, USDT: 1, USDC: 1 }, vols: { BTC: 0.6, ETH: 0.7 }, rate: 0 }\naccounts:\n${accounts}`, 'test.yaml');

describe('riskAssets', () => {
  it('lists the non-stable assets of positions and collateral, sorted', () => {
    expect(riskAssets(example('multi-venue.yaml'))).toEqual(['BTC', 'ETH']);
    expect(riskAssets(example('perp-cross.yaml'))).toEqual(['BTC', 'DOGE', 'ETH', 'LINK', 'SOL']);
    expect(riskAssets(example('aave-loop.yaml'))).toEqual(['ETH']);
  });
});

describe('full revaluation = the stress module (risk report of the shocked book)', () => {
  it.each(examples)('%s: base equity is the risk report equity', (f) => {
    const p = example(f);
    const r = evaluateScenarios(compileBook(p, riskAssets(p)), { assets: riskAssets(p), count: 0, multipliers: new Float64Array(0) });
    riskReport(p).accounts.forEach((a, i) => expect(rel(r.baseEquity[i]!, a.equity)).toBeLessThan(1e-12));
  });

  it.each(examples)('%s: equity and liquidation flags under random price and vol shocks', (f) => {
    const p = example(f);
    const assets = riskAssets(p);
    const compiled = compileBook(p, assets);
    const before = riskReport(p);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(fc.double({ min: 0.4, max: 1.8, noNaN: true }), { minLength: assets.length, maxLength: assets.length }), fc.constantFrom(1, 0.7, 1.6)), { minLength: 1, maxLength: 6 }),
        (rows) => {
          const multipliers = Float64Array.from(rows.flatMap(([m]) => m));
          const volMultipliers = Float64Array.from(rows, ([, v]) => v);
          const r = evaluateScenarios(compiled, { assets, count: rows.length, multipliers, volMultipliers });
          rows.forEach(([m, v], s) => {
            const shocked = riskReport(applyScenario(p, { name: 's', prices: Object.fromEntries(assets.map((a, j) => [a, m[j]!])), ...(v === 1 ? {} : { vol: { multiplier: v } }) }));
            shocked.accounts.forEach((a, i) => {
              expect(rel(r.pnl[i * rows.length + s]!, a.equity - before.accounts[i]!.equity)).toBeLessThan(1e-9);
              expect(r.liquidated![i * rows.length + s]).toBe(a.liquidatable ? 1 : 0);
            });
            const total = shocked.accounts.reduce((x, a, i) => x + a.equity - before.accounts[i]!.equity, 0);
            expect(rel(r.bookPnl[s]!, total)).toBeLessThan(1e-9);
          });
        },
      ),
      { numRuns: 15 },
    );
  });

  it("mode 'equity' gives the P&L of mode 'terms' (Deribit books valued by the batch kernel), on the bench book too", () => {
    for (const p of [example('multi-venue.yaml'), example('deribit-options.yaml'), benchBook(400)]) {
      const assets = riskAssets(p);
      const compiled = compileBook(p, assets);
      const count = 300; // more than one block
      const multipliers = Float64Array.from({ length: count * assets.length }, (_, k) => Math.exp(0.25 * Math.sin(k * 12.9898)));
      const a = evaluateScenarios(compiled, { assets, count, multipliers }, { mode: 'terms' });
      const b = evaluateScenarios(compiled, { assets, count, multipliers }, { mode: 'equity' });
      expect(b.liquidated).toBeNull();
      a.pnl.forEach((x, i) => expect(Math.abs(x - b.pnl[i]!)).toBeLessThan(1e-7 * Math.max(1, Math.abs(a.baseEquity[Math.floor(i / count)]!))));
    }
  });
});

describe('properties of the scenario P&L', () => {
  const linear = (k: number): Portfolio =>
    book(`
  - id: cross
    venue: binance-usdm
    mode: cross
    collateral: { USDT: 50000 }
    positions:
      - { kind: perp, asset: BTC, qty: ${0.5 * k}, entry: 58000 }
      - { kind: perp, asset: ETH, qty: ${-4 * k}, entry: 3100 }
  - id: iso
    venue: bybit-linear
    mode: isolated
    collateral: { USDT: 1000 }
    positions:
      - { kind: perp, asset: BTC, qty: ${-0.3 * k}, entry: 61000, margin: ${3000 * k} }
`);

  it('P&L of a linear book scales with its positions', () => {
    const rows = 50;
    const multipliers = Float64Array.from({ length: rows * 2 }, (_, k) => 0.8 + 0.4 * ((k * 0.618) % 1));
    const run = (k: number): Float64Array => {
      const p = linear(k);
      return evaluateScenarios(compileBook(p, riskAssets(p)), { assets: ['BTC', 'ETH'], count: rows, multipliers }).pnl;
    };
    const one = run(1);
    const three = run(3);
    one.forEach((x, i) => expect(three[i]).toBeCloseTo(3 * x, 6));
  });

  it('a book without positions has zero P&L in every scenario', () => {
    const p = book(`
  - id: cash
    venue: binance-usdm
    mode: cross
    collateral: { USDT: 50000, USDC: 20000 }
    positions:
      - { kind: perp, asset: BTC, qty: 0, entry: 58000 }
`);
    const r = evaluateScenarios(compileBook(p, riskAssets(p)), { assets: ['BTC'], count: 3, multipliers: Float64Array.from([0.5, 1, 2]) });
    expect(Array.from(r.pnl)).toEqual([0, 0, 0]);
  });

  it('rejects a malformed scenario matrix naming the field', () => {
    const p = linear(1);
    const c = compileBook(p, ['BTC', 'ETH']);
    expect(() => evaluateScenarios(c, { assets: ['ETH', 'BTC'], count: 1, multipliers: Float64Array.from([1, 1]) })).toThrow(/assets/);
    expect(() => evaluateScenarios(c, { assets: ['BTC', 'ETH'], count: 2, multipliers: Float64Array.from([1, 1]) })).toThrow(/multipliers/);
    expect(() => evaluateScenarios(c, { assets: ['BTC', 'ETH'], count: 1, multipliers: Float64Array.from([1, -1]) })).toThrow(/multipliers\[0\]\[1\]/);
    expect(() => evaluateScenarios(c, { assets: ['BTC', 'ETH'], count: 1, multipliers: Float64Array.from([1, 1]), volMultipliers: Float64Array.from([0]) })).toThrow(/volMultipliers/);
    expect(() => compileBook(p, ['BTC'])).toThrow(/ETH/);
  });
});
