import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePortfolio } from '../model/parse.ts';
import type { Portfolio } from '../model/types.ts';
import { riskReport } from '../risk/report.ts';
import { applyScenario } from './apply.ts';
import { stressReport, stressScenario } from './revalue.ts';
import { fundingScenario, moveScenario } from './scenario.ts';

const examples = readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.yaml'));
const example = (f: string): Portfolio => parsePortfolio(readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8'), f);

const applyMove = (p: Portfolio, m: number): Portfolio => applyScenario(p, moveScenario(m));

const ASSETS = ['BTC', 'ETH', 'SOL'] as const;
const PRICES: Record<(typeof ASSETS)[number], number> = { BTC: 60000, ETH: 3000, SOL: 150 };

/** A Binance cross account of linear perps (qty signed) and USDT collateral. */
const linearBook = (collateral: number, legs: readonly { asset: (typeof ASSETS)[number]; qty: number; entry: number }[]): Portfolio =>
  parsePortfolio(
    JSON.stringify({
      asOf: '2024-03-01T00:00:00Z',
      market: { prices: { ...PRICES, USDT: 1 }, rate: 0 },
      accounts: [
        {
          id: 'book',
          venue: 'binance-usdm',
          mode: 'cross',
          collateral: { USDT: collateral },
          positions: legs.map((l) => ({ kind: 'perp', asset: l.asset, qty: l.qty, entry: l.entry })),
        },
      ],
    }),
    'book.json',
    'json',
  );

const leg = (sign: 1 | -1 | 0) =>
  fc.record({
    asset: fc.constantFrom(...ASSETS),
    qty: fc.double({ min: 0.01, max: 50, noNaN: true }).map((q) => (sign === 0 ? q : sign * q)),
    entryFactor: fc.double({ min: 0.8, max: 1.2, noNaN: true }),
  });
const withEntry = (l: { asset: (typeof ASSETS)[number]; qty: number; entryFactor: number }) => ({ asset: l.asset, qty: l.qty, entry: PRICES[l.asset] * l.entryFactor });

describe('stress revaluation', () => {
  it.each(examples)('%s: a zero move changes nothing', (f) => {
    const p = example(f);
    const r = stressReport(p, [moveScenario(0)]);
    const before = riskReport(p);
    r.scenarios[0]!.accounts.forEach((a, i) => {
      expect(a.loss).toBe(0);
      expect(a.equityAfter).toBe(before.accounts[i]!.equity);
      expect(a.marginRatioAfter).toBe(before.accounts[i]!.marginRatio);
      expect(a.liquidated).toBe(before.accounts[i]!.liquidatable);
    });
  });

  it.each(examples)("%s: the move equal to an account's crashMove leaves it exactly at maintenance", (f) => {
    const p = example(f);
    const before = riskReport(p);
    let checked = 0;
    before.accounts.forEach((a, i) => {
      if (a.liquidatable) return;
      for (const m of [a.crashMove.down, a.crashMove.up]) {
        if (m === null) continue;
        const at = riskReport(applyMove(p, m)).accounts[i]!;
        // the first bucket to go has health exactly 1 (balance = maintenance); every other bucket is safer
        expect(Math.abs(at.healthFactor! - 1)).toBeLessThan(1e-7);
        // just short of the move: safe; just past it: liquidated
        expect(riskReport(applyMove(p, m * (1 - 1e-6))).accounts[i]!.liquidatable).toBe(false);
        expect(riskReport(applyMove(p, m * (1 + 1e-6))).accounts[i]!.liquidatable).toBe(true);
        checked++;
      }
    });
    if (f === 'multi-venue.yaml') expect(checked).toBe(3);
  });

  it('the move equal to crashMove.down puts a random linear cross book exactly at maintenance', () => {
    fc.assert(
      fc.property(fc.double({ min: 1000, max: 200000, noNaN: true }), fc.array(leg(0), { minLength: 1, maxLength: 4 }), (collateral, legs) => {
        const p = linearBook(collateral, legs.map(withEntry));
        const a = riskReport(p).accounts[0]!;
        if (a.liquidatable || a.crashMove.down === null) return;
        const at = stressScenario(p, riskReport(p), moveScenario(a.crashMove.down)).accounts[0]!;
        const after = riskReport(applyMove(p, a.crashMove.down)).accounts[0]!;
        expect(Math.abs(at.equityAfter - after.maintenanceMargin)).toBeLessThan(1e-7 * Math.max(1, after.maintenanceMargin, collateral));
      }),
      { numRuns: 60 },
    );
  });

  it('losses grow with the size of a fall for a linear long book', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1000, max: 200000, noNaN: true }),
        fc.array(leg(1), { minLength: 1, maxLength: 4 }),
        fc.double({ min: -0.95, max: 0.5, noNaN: true }),
        fc.double({ min: -0.95, max: 0.5, noNaN: true }),
        (collateral, legs, x, y) => {
          const p = linearBook(collateral, legs.map(withEntry));
          const [small, big] = x >= y ? [x, y] : [y, x]; // big: the larger fall (more negative)
          const r = stressReport(p, [moveScenario(small), moveScenario(big)]);
          const [ls, lb] = r.scenarios.map((s) => s.accounts[0]!.loss) as [number, number];
          expect(lb).toBeGreaterThanOrEqual(ls - 1e-9 * Math.max(1, Math.abs(ls)));
          // and a fall (one that moves a price: 1 + x < 1 in floating point) is a loss
          if (1 + big < 1) expect(lb).toBeGreaterThan(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a positive funding rate costs longs and pays shorts; a negative one the reverse', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, -1),
        fc.double({ min: 1e-6, max: 0.01, noNaN: true }),
        fc.constantFrom(1, -1),
        fc.integer({ min: 1, max: 168 }),
        (side, size, rateSign, hours) => {
          const rate = rateSign * size;
          const p = linearBook(100000, [{ asset: 'BTC', qty: side * 1.5, entry: 60000 }]);
          const loss = stressReport(p, [fundingScenario(rate, hours)]).scenarios[0]!.accounts[0]!.loss;
          expect(Math.sign(loss)).toBe(side * rateSign);
          expect(loss).toBeCloseTo(rate * (hours / 8) * side * 1.5 * 60000, 6);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reports every account of every scenario in file order, with the reverse stress of the unshocked book', () => {
    const p = example('multi-venue.yaml');
    const r = stressReport(p, [moveScenario(-0.3), moveScenario(0.2)]);
    expect(r.scenarios.map((s) => s.name)).toEqual(['move:-0.3', 'move:+0.2']);
    for (const s of r.scenarios) expect(s.accounts.map((a) => a.id)).toEqual(['binance-cross', 'binance-iso', 'deribit', 'aave']);
    expect(r.reverse.first).toEqual({ down: 'deribit', up: 'binance-iso' });
    // -30 %: beyond deribit's crash move (about -21.7 %), short of binance-iso's up move
    const d = r.scenarios[0]!.accounts.find((a) => a.id === 'deribit')!;
    expect(d.liquidated).toBe(true);
    expect(r.scenarios[0]!.shock).toEqual({ prices: {}, others: 0.7 });
  });
});
