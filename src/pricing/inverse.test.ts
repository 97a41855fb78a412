import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Right } from './black.ts';
import { inverseOption } from './inverse.ts';

interface InverseRow {
  right: Right; index: number; forward: number; strike: number; years: number; vol: number;
  usdPrice: number; coinPrice: number; bsDelta: number; netDelta: number; netDeltaFD: number; gamma: number; vega: number;
}
const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/pricing.json', import.meta.url), 'utf8')) as { inverse: InverseRow[] };
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

// Note section 2g, as published there (10 significant digits)
const TABLE = [
  { right: 'call', S: 60000, F: 60000, K: 65000, days: 30, vol: 0.6, usd: 2237.868155, coin: 0.03729780259, delta: 0.3522260125, net: 0.31492821 },
  { right: 'put', S: 60000, F: 60000, K: 55000, days: 30, vol: 0.6, usd: 1933.126753, coin: 0.03221877921, delta: -0.2769774175, net: -0.3091961967 },
  { right: 'call', S: 3000, F: 3030, K: 3200, days: 14, vol: 0.75, usd: 109.7962631, coin: 0.03659875436, delta: 0.3866049271, net: 0.3500061727 },
  { right: 'put', S: 100000, F: 100500, K: 90000, days: 90, vol: 0.55, usd: 5922.772377, coin: 0.05922772377, delta: -0.2958644514, net: -0.3550921751 },
] as const;

describe('inverse (coin-settled) options, Deribit conventions', () => {
  it('reproduces the table of the note (section 2g) to its printed digits', () => {
    for (const t of TABLE) {
      const g = inverseOption(t.right, t.S, t.F, t.K, t.days / 365, t.vol);
      expect(Math.abs(g.price - t.usd), 'usd').toBeLessThan(1e-6);
      expect(Math.abs(g.coinPrice - t.coin), 'coin').toBeLessThan(1e-11);
      expect(Math.abs(g.delta - t.delta), 'BS delta').toBeLessThan(1e-10);
      expect(Math.abs(g.coinDelta - t.net), 'net transaction delta').toBeLessThan(t.net === 0.31492821 ? 5e-9 : 1e-10);
    }
  });

  it('matches QuantLib (blackFormula on the forward, forward Greeks scaled by F/S) to 1e-12', () => {
    for (const r of fx.inverse) {
      const g = inverseOption(r.right, r.index, r.forward, r.strike, r.years, r.vol);
      expect(rel(g.price, r.usdPrice)).toBeLessThan(1e-12);
      expect(rel(g.coinPrice, r.coinPrice)).toBeLessThan(1e-12);
      expect(rel(g.delta, r.bsDelta)).toBeLessThan(1e-12);
      expect(rel(g.coinDelta, r.netDelta)).toBeLessThan(1e-12);
      expect(rel(g.gamma, r.gamma)).toBeLessThan(1e-12);
      expect(rel(g.vega, r.vega)).toBeLessThan(1e-12);
      expect(Math.abs(g.coinDelta - r.netDeltaFD)).toBeLessThan(1e-7); // QuantLib central difference of V_usd/S
    }
  });

  it('coin delta is S d(V_usd/S)/dS with the basis F/S fixed (finite differences)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Right>('call', 'put'),
        fc.double({ min: 1000, max: 200000, noNaN: true }),
        fc.double({ min: 0.98, max: 1.05, noNaN: true }),
        fc.double({ min: 0.7, max: 1.4, noNaN: true }),
        fc.double({ min: 1 / 365, max: 1, noNaN: true }),
        fc.double({ min: 0.2, max: 1.5, noNaN: true }),
        (right, S, basis, m, T, v) => {
          const K = S * m;
          const s0 = v * Math.sqrt(T);
          const d1 = Math.log(basis / m) / s0 + s0 / 2;
          fc.pre(Math.abs(d1) <= 5 && Math.abs(d1 - s0) <= 5); // finite differences need a non-degenerate option
          const coin = (s: number): number => inverseOption(right, s, s * basis, K, T, v).coinPrice;
          const h = 1e-4 * S * v * Math.sqrt(T); // moves d1 by 1e-4
          const g = inverseOption(right, S, S * basis, K, T, v);
          const fd = (S * (coin(S + h) - coin(S - h))) / (2 * h);
          expect(Math.abs(fd - g.coinDelta)).toBeLessThan(1e-7);
          // gamma is the USD Black-Scholes gamma: derivative of the USD delta in S (rounding of the deltas: eps |delta| / h)
          const dUp = inverseOption(right, S + h, (S + h) * basis, K, T, v).delta;
          const dDn = inverseOption(right, S - h, (S - h) * basis, K, T, v).delta;
          expect(Math.abs((dUp - dDn) / (2 * h) - g.gamma)).toBeLessThan(1e-6 * g.gamma + (1e-15 * (Math.abs(dUp) + Math.abs(dDn))) / h);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('with F = S and df = 1 it is Black-Scholes at r = 0, coin price V/S', () => {
    const g = inverseOption('call', 60000, 60000, 60000, 7 / 365, 0.5);
    expect(g.coinPrice).toBeCloseTo(g.price / 60000, 15);
    expect(g.coinDelta).toBeCloseTo(g.delta - g.coinPrice, 15);
  });
});
