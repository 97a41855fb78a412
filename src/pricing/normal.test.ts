import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { erf, erfc, erfcx, expHalfSq, normCdf, normInv, normPdf, normTailFromExp } from './normal.ts';

interface NormalFixture {
  rows: { x: number; cdf: number; pdf: number; erfc: number; erfcx: number }[];
  quantiles: { p: number; x: number }[];
}
const fixture = (JSON.parse(readFileSync(new URL('../../test/fixtures/pricing.json', import.meta.url), 'utf8')) as { normal: NormalFixture }).normal;
const rel = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));
const MIN_NORMAL = 2.2250738585072014e-308;

describe('normal distribution vs mpmath (40 digits)', () => {
  it('normCdf keeps ~1e-15 relative accuracy over the whole lower tail down to x = -37.5', () => {
    for (const r of fixture.rows) {
      if (r.cdf < MIN_NORMAL) continue; // subnormal results: checked below
      expect(rel(normCdf(r.x), r.cdf), `x=${r.x}`).toBeLessThan(2e-15);
    }
  });

  it('normCdf below -37.5 rounds once into the subnormal range and underflows to 0 below -38.6', () => {
    const at38 = fixture.rows.find((r) => r.x === -38);
    expect(at38).toBeDefined();
    expect(rel(normCdf(-38), at38?.cdf ?? NaN)).toBeLessThan(1e-7); // 2.9e-316 has ~27 significant bits
    expect(normCdf(-39)).toBe(0);
    expect(normCdf(-Infinity)).toBe(0);
    expect(normCdf(Infinity)).toBe(1);
    expect(normCdf(NaN)).toBeNaN();
  });

  it('normPdf, erfc and erfcx are relatively accurate in the tails', () => {
    for (const r of fixture.rows) {
      if (r.pdf >= MIN_NORMAL) expect(rel(normPdf(r.x), r.pdf), `pdf x=${r.x}`).toBeLessThan(2e-15);
      if (r.erfc >= MIN_NORMAL) expect(rel(erfc(r.x / 2), r.erfc), `erfc x=${r.x}`).toBeLessThan(2e-15);
      if (Number.isFinite(r.erfcx)) expect(rel(erfcx(r.x / 2), r.erfcx), `erfcx x=${r.x}`).toBeLessThan(2e-15);
    }
  });

  it('normInv (AS 241) matches the exact quantile to ~1e-15 relative, z_0.99 = 2.3263478740', () => {
    for (const q of fixture.quantiles) expect(rel(normInv(q.p), q.x) < 2e-15 || Math.abs(normInv(q.p) - q.x) < 1e-15, `p=${q.p}`).toBe(true);
    expect(normInv(0.99)).toBeCloseTo(2.326347874, 10);
    expect(normInv(0.5)).toBe(0);
    expect(normInv(0)).toBe(-Infinity);
    expect(normInv(1)).toBe(Infinity);
    expect(normInv(1.5)).toBeNaN();
  });
});

describe('normal distribution properties', () => {
  it('Phi(x) + Phi(-x) = 1 and erf is odd', () => {
    fc.assert(
      fc.property(fc.double({ min: -9, max: 9, noNaN: true }), (x) => {
        expect(Math.abs(normCdf(x) + normCdf(-x) - 1)).toBeLessThan(3e-16);
        expect(erf(-x)).toBe(-erf(x));
      }),
    );
  });

  it('Phi is non-decreasing', () => {
    fc.assert(
      fc.property(fc.double({ min: -38, max: 9, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (x, dx) => {
        expect(normCdf(x + dx)).toBeGreaterThanOrEqual(normCdf(x));
      }),
    );
  });

  it('Phi(normInv(p)) = p across 300 decades, within the round trip conditioning', () => {
    // dln(Phi)/dx ~ |x| in the tail, so an x with relative error e moves Phi by ~x^2 e relatively: allow x^2 * 1e-15
    fc.assert(
      fc.property(fc.double({ min: -300, max: -0.31, noNaN: true }), (e) => {
        const p = 10 ** e;
        const x = normInv(p);
        expect(rel(normCdf(x), p)).toBeLessThan(1e-15 * (1 + x * x));
      }),
    );
  });

  it('normTailFromExp with exp(-x^2/2) equals the lower tail normCdf(-|x|)', () => {
    fc.assert(
      fc.property(fc.double({ min: -37, max: 37, noNaN: true }), (x) => {
        expect(normTailFromExp(x, expHalfSq(x))).toBe(normCdf(-Math.abs(x)));
      }),
    );
  });
});
