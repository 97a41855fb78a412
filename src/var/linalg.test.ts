import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NumericalError } from '../errors/index.ts';
import { cholesky, correlationOf, sampleCovariance } from './linalg.ts';

describe('cholesky', () => {
  it('factors a known matrix: [[4, 12, -16], [12, 37, -43], [-16, -43, 98]] -> [[2], [6, 1], [-8, 5, 3]]', () => {
    const l = cholesky(Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]), 3);
    expect(Array.from(l)).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
  });

  it('L L^T reproduces any covariance B B^T + eps I', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n * n, maxLength: n * n }))), ([n, b]) => {
        const a = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
          let s = i === j ? 0.1 : 0;
          for (let k = 0; k < n; k++) s += b[i * n + k]! * b[j * n + k]!;
          a[i * n + j] = s;
        }
        const l = cholesky(a, n);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += l[i * n + k]! * l[j * n + k]!;
          expect(s).toBeCloseTo(a[i * n + j]!, 9);
          if (j > i) expect(l[i * n + j]).toBe(0);
        }
      }),
    );
  });

  it('throws NumericalError naming the series for a singular matrix (two perfectly correlated series)', () => {
    const cov = sampleCovariance([
      [1, 2, 3, 5],
      [2, 4, 6, 10],
    ]);
    expect(() => cholesky(correlationOf(cov, 2), 2, ['BTC', 'WBTC'])).toThrow(NumericalError);
    expect(() => cholesky(correlationOf(cov, 2), 2, ['BTC', 'WBTC'])).toThrow(/WBTC/);
  });
});

describe('sampleCovariance / correlationOf', () => {
  it('ddof 1 with means removed; correlation has a unit diagonal', () => {
    const x = [1, 2, 3, 4];
    const y = [2, 1, 4, 3];
    const c = sampleCovariance([x, y]);
    expect(c[0]).toBeCloseTo(5 / 3, 14);
    expect(c[1]).toBeCloseTo(1, 14); // sum (x - 2.5)(y - 2.5) = 3, / 3
    expect(c[2]).toBe(c[1]);
    const r = correlationOf(c, 2);
    expect(r[0]).toBe(1);
    expect(r[1]).toBeCloseTo(0.6, 14);
  });
});
