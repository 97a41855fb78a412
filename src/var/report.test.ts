import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePortfolio } from '../model/parse.ts';
import type { Portfolio } from '../model/types.ts';
import { riskReport } from '../risk/report.ts';
import { barrierHitProbability } from './barrier.ts';
import { riskAssets } from './engine.ts';
import { HOUR_MS, MissingHistoryError } from './history.ts';
import { accountGreeks, varReport, VAR_METHODS, type VarReport } from './report.ts';
import { syntheticHistories } from './synthetic.ts';

const ASOF = Date.parse('2024-03-01T00:00:00Z');
const HOURS = 4000;
const HIST = syntheticHistories({ assets: ['BTC', 'ETH'], start: [40000, 2200], vols: [0.55, 0.7], correlation: [1, 0.8, 0.8, 1], hours: HOURS, from: ASOF - HOURS * HOUR_MS, nu: 5 });
const multiVenue = parsePortfolio(readFileSync(new URL('../../examples/multi-venue.yaml', import.meta.url), 'utf8'), 'multi-venue.yaml');
const book = (accounts: string): Portfolio =>
  parsePortfolio(`asOf: 2024-03-01T00:00:00Z\nmarket: { prices: { BTC: 60000, ETH: 3000, USDT: 1 }, vols: { BTC: 0.6, ETH: 0.7 }, rate: 0 }\naccounts:\n${accounts}`, 'test.yaml');
const FAST = { paths: 2000, liquidation: { stepHours: 4 } } as const;

const everyNumber = (r: VarReport, f: (v: Record<string, Record<string, number>>, e: Record<string, Record<string, number>>, who: string) => void): void => {
  for (const a of r.accounts) f(a.var, a.es, a.id);
  f(r.book.var, r.book.es, 'book');
};

describe.each(VAR_METHODS)('method %s on the multi-venue example (synthetic history)', (method) => {
  const r = varReport(multiVenue, HIST, { method, ...FAST });

  it('reports every horizon and level per account and for the book, keyed var["1d"]["0.99"]', () => {
    expect(r.method).toBe(method);
    expect(r.horizons).toEqual(['1h', '1d', '7d', '30d']);
    expect(r.levels).toEqual(['0.95', '0.99', '0.999']);
    expect(r.accounts.map((a) => a.id)).toEqual(['binance-cross', 'binance-iso', 'deribit', 'aave']);
    for (const a of r.accounts) {
      expect(Object.keys(a.liquidationProbability)).toEqual(['1d', '7d', '30d']);
      expect(Number.isFinite(a.var['1d']!['0.99']!)).toBe(true);
    }
    expect(r.dataWindow).toMatchObject({ to: '2024-03-01T00:00:00.000Z', assets: ['BTC', 'ETH'] });
    expect(Object.keys(r.scenarios)).toEqual(['1h', '1d', '7d', '30d']);
  });

  it('ES >= VaR, VaR and ES do not decrease with the level, losses grow with the horizon for the book', () => {
    everyNumber(r, (v, e, who) => {
      for (const h of r.horizons) {
        r.levels.forEach((l, i) => {
          expect(e[h]![l]!, `${who} ${h} ${l}`).toBeGreaterThanOrEqual(v[h]![l]! - 1e-9);
          if (i > 0) expect(v[h]![l]!, `${who} ${h} ${l}`).toBeGreaterThanOrEqual(v[h]![r.levels[i - 1]!]! - 1e-9);
        });
      }
    });
    expect(r.book.var['30d']!['0.99']!).toBeGreaterThan(r.book.var['1h']!['0.99']!);
  });

  it('equity is the risk report equity', () => {
    riskReport(multiVenue).accounts.forEach((a, i) => expect(r.accounts[i]!.equity).toBeCloseTo(a.equity, 6));
  });
});

describe('properties', () => {
  const linear = (k: number): Portfolio =>
    book(`
  - id: cross
    venue: binance-usdm
    mode: cross
    collateral: { USDT: 400000 }
    positions:
      - { kind: perp, asset: BTC, qty: ${2 * k}, entry: 58000 }
      - { kind: perp, asset: ETH, qty: ${-15 * k}, entry: 3100 }
`);

  it('historical: scaling the positions of a linear book scales VaR and ES', () => {
    const one = varReport(linear(1), HIST, { method: 'historical', liquidation: { skip: true } });
    const k = 2.5;
    const scaled = varReport(linear(k), HIST, { method: 'historical', liquidation: { skip: true } });
    for (const h of one.horizons) for (const l of one.levels) {
      expect(scaled.book.var[h]![l]!).toBeCloseTo(k * one.book.var[h]![l]!, 6);
      expect(scaled.book.es[h]![l]!).toBeCloseTo(k * one.book.es[h]![l]!, 6);
    }
    expect(one.accounts[0]!.liquidationProbability['30d']).toBeNull();
  });

  it.each(VAR_METHODS)('%s: a book with no position has zero VaR and ES', (method) => {
    const flat = book(`
  - id: cash
    venue: binance-usdm
    mode: cross
    collateral: { USDT: 100000 }
    positions:
      - { kind: perp, asset: BTC, qty: 0, entry: 60000 }
`);
    const r = varReport(flat, HIST, { method, ...FAST });
    everyNumber(r, (v, e) => {
      for (const h of r.horizons) for (const l of r.levels) {
        expect(v[h]![l]).toBe(0);
        expect(e[h]![l]).toBe(0);
      }
    });
    expect(r.accounts[0]!.liquidationProbability).toEqual({ '1d': 0, '7d': 0, '30d': 0 });
    // stables only: no history needed at all
    const cash = book(`
  - { id: cash, venue: binance-usdm, mode: cross, collateral: { USDT: 100000 }, positions: [] }
`);
    const c = varReport(cash, [], { method, ...FAST });
    expect(c.dataWindow).toBeNull();
    expect(c.book.var['30d']!['0.999']).toBe(0);
  });

  it('an asset of the book without history is an error naming it', () => {
    const sol = parsePortfolio(
      `asOf: 2024-03-01T00:00:00Z\nmarket: { prices: { BTC: 60000, SOL: 130, USDT: 1 }, rate: 0 }\naccounts:\n  - { id: a, venue: binance-usdm, mode: cross, collateral: { USDT: 1000 }, positions: [{ kind: perp, asset: SOL, qty: 5, entry: 120 }] }\n`,
      'sol.yaml',
    );
    expect(() => varReport(sol, HIST, { method: 'historical' })).toThrow(MissingHistoryError);
    expect(() => varReport(sol, HIST, { method: 'parametric' })).toThrow(/SOL/);
  });

  it('nearest-rank and linear quantiles agree to within one order statistic', () => {
    const a = varReport(linear(1), HIST, { method: 'historical', liquidation: { skip: true } });
    const b = varReport(linear(1), HIST, { method: 'historical', quantile: 'nearest-rank', liquidation: { skip: true } });
    expect(b.quantile).toBe('nearest-rank');
    expect(Math.abs(b.book.var['1d']!['0.99']! - a.book.var['1d']!['0.99']!) / a.book.var['1d']!['0.99']!).toBeLessThan(0.02);
  });

  it('parametric: the deltas are the risk report net deltas, and a linear book is delta-normal on the history covariance', () => {
    const greeks = accountGreeks(multiVenue, riskAssets(multiVenue));
    const u = riskReport(multiVenue).portfolio.underlyings;
    ['BTC', 'ETH'].forEach((a, i) => expect(greeks.reduce((s, g) => s + g.delta[i]!, 0)).toBeCloseTo(u[a]!.netDelta, 9));
    const p = varReport(linear(1), HIST, { method: 'parametric', liquidation: { skip: true } });
    const h = varReport(linear(1), HIST, { method: 'historical', liquidation: { skip: true } });
    expect(p.quantile).toBeNull();
    expect(p.scenarios['1d']).toBe(0);
    // same book and data: the two methods agree on the 95 % 1h loss to within the fat tails of the sample
    expect(p.book.var['1h']!['0.95']! / h.book.var['1h']!['0.95']!).toBeGreaterThan(0.8);
    expect(p.book.var['1h']!['0.95']! / h.book.var['1h']!['0.95']!).toBeLessThan(1.25);
  });

  it('mc: nu fitted per horizon (fat-tailed history) or normal on request; deterministic per seed', () => {
    const a = varReport(linear(1), HIST, { method: 'mc', paths: 4000, seed: 3, liquidation: { skip: true } });
    expect(a.model.nu!['1h']).toBeGreaterThan(3);
    expect(a.model.nu!['1h']).toBeLessThan(8);
    expect(a.model.vols).toEqual({ BTC: { vol: 0.6, source: 'market' }, ETH: { vol: 0.7, source: 'market' } });
    const b = varReport(linear(1), HIST, { method: 'mc', paths: 4000, seed: 3, liquidation: { skip: true } });
    expect(b.book).toEqual(a.book);
    const n = varReport(linear(1), HIST, { method: 'mc', paths: 4000, seed: 3, mcInnovations: 'normal', liquidation: { skip: true } });
    expect(n.model.nu!['1d']).toBeNull();
  });

  it('liquidation probability of a single-underlying linear account = the closed form (3 SE), whatever the method', () => {
    const p = book(`
  - id: long
    venue: binance-usdm
    mode: isolated
    positions:
      - { kind: perp, asset: BTC, qty: 1, entry: 60000, margin: 12000, mmr: 0, mmAmount: 0, liquidationFeeRate: 0 }
`);
    const r = varReport(p, HIST, { method: 'parametric', paths: 20_000 });
    const a = r.accounts[0]!;
    const expected = barrierHitProbability({ spot: 60000, barrier: 48000, mu: 0, sigma: 0.6, years: 30 / 365 });
    expect(Math.abs(a.liquidationProbability['30d']! - expected)).toBeLessThan(3 * a.liquidationStdError['30d']!);
    expect(r.liquidation).toMatchObject({ paths: 20_000, stepHours: 1, monitoring: 'continuous', innovations: 'normal' });
  });

  it('rejects bad options naming the field', () => {
    expect(() => varReport(multiVenue, HIST, { method: 'bogus' as 'mc' })).toThrow(/method/);
    expect(() => varReport(multiVenue, HIST, { method: 'mc', paths: 1 })).toThrow(/paths/);
    expect(() => varReport(multiVenue, HIST, { method: 'mc', levels: [1.5] })).toThrow(/levels/);
    expect(() => varReport(multiVenue, HIST, { method: 'mc', mcInnovations: { nu: 1 } })).toThrow(/nu/);
  });
});
