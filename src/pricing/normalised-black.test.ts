import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normCdf } from './normal.ts';
import { normalisedBlack, normalisedBlackCall, normalisedIntrinsic, normalisedVega } from './normalised-black.ts';

type Row = { x: number; s: number; b: number; vega: number };
const fixture = (JSON.parse(readFileSync(new URL('../../test/fixtures/pricing.json', import.meta.url), 'utf8')) as {
  normalisedBlack: Record<'asymptotic' | 'smallT' | 'cdf' | 'erfcx', Row[]>;
  black76: { normalisedBlack?: boolean; x?: number; s?: number; published?: { put?: number; call?: number } }[];
});
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('normalised Black b(x, s) vs mpmath, per region of Jäckel', () => {
  // erfcx region: the erfcx difference cancels by up to ~24x (Jäckel's region bound), hence 1e-14 there
  const tolerance = { asymptotic: 2e-15, smallT: 5e-15, cdf: 2e-15, erfcx: 1e-14 } as const;
  for (const region of ['asymptotic', 'smallT', 'cdf', 'erfcx'] as const) {
    it(`${region}: 40 points, relative error below ${tolerance[region]}`, () => {
      const rows = fixture.normalisedBlack[region];
      expect(rows.length).toBe(40);
      for (const r of rows) {
        expect(rel(normalisedBlackCall(r.x, r.s), r.b), `x=${r.x} s=${r.s}`).toBeLessThan(tolerance[region]);
        expect(rel(normalisedVega(r.x, r.s), r.vega), `vega x=${r.x} s=${r.s}`).toBeLessThan(2e-15);
      }
    });
  }

  it('py_vollib normalised_black doctest: x = ln(100/95), s = 0.3 sqrt(0.5)', () => {
    const row = fixture.black76.find((r) => r.normalisedBlack);
    const x = row?.x ?? NaN;
    const s = row?.s ?? NaN;
    expect(normalisedBlack(x, s, 1)).toBeCloseTo(row?.published?.call ?? NaN, 15);
    expect(normalisedBlack(x, s, -1)).toBeCloseTo(row?.published?.put ?? NaN, 15);
  });
});

describe('normalised Black properties', () => {
  it('put-call parity b_call - b_put = e^{x/2} - e^{-x/2} and b >= intrinsic', () => {
    fc.assert(
      fc.property(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 1e-3, max: 5, noNaN: true }), (x, s) => {
        const c = normalisedBlack(x, s, 1);
        const p = normalisedBlack(x, s, -1);
        expect(Math.abs(c - p - 2 * Math.sinh(x / 2))).toBeLessThan(1e-14 * Math.cosh(x / 2));
        expect(c).toBeGreaterThanOrEqual(normalisedIntrinsic(x, 1));
        expect(p).toBeGreaterThanOrEqual(normalisedIntrinsic(x, -1));
      }),
    );
  });

  it('agrees with the plain Phi formula where that one has no cancellation', () => {
    fc.assert(
      fc.property(fc.double({ min: -1, max: 0, noNaN: true }), fc.double({ min: 0.5, max: 3, noNaN: true }), (x, s) => {
        const plain = normCdf(x / s + s / 2) * Math.exp(x / 2) - normCdf(x / s - s / 2) * Math.exp(-x / 2);
        expect(rel(normalisedBlackCall(x, s), plain)).toBeLessThan(1e-13);
      }),
    );
  });

  it('increases with s (vega > 0) and is 0 at s = 0 out of the money', () => {
    fc.assert(
      fc.property(fc.double({ min: -20, max: 0, noNaN: true }), fc.double({ min: 0.01, max: 5, noNaN: true }), (x, s) => {
        expect(normalisedBlackCall(x, s * 1.01)).toBeGreaterThanOrEqual(normalisedBlackCall(x, s));
        expect(normalisedVega(x, s)).toBeGreaterThanOrEqual(0);
      }),
    );
    expect(normalisedBlackCall(-1, 0)).toBe(0);
    expect(normalisedBlackCall(-1, NaN)).toBeNaN();
  });
});
