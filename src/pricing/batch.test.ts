import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { benchGreeks, referenceBook } from '../../bench/greeks.ts';
import { blackScholes } from './black.ts';
import { newGreeksBatch, newOptionBatch, priceBatch } from './batch.ts';

const KEYS = ['price', 'delta', 'gamma', 'vega', 'theta', 'vanna', 'volga'] as const;

describe('typed-array batch kernel', () => {
  it('agrees with blackScholes bit for bit on the reference book (stronger than the 1e-12 asked)', () => {
    const n = 20_000;
    const book = referenceBook(n);
    const out = newGreeksBatch(n);
    priceBatch(book, out);
    for (let i = 0; i < n; i++) {
      const g = blackScholes(book.w[i] === 1 ? 'call' : 'put', book.spot[i] as number, book.strike[i] as number, book.years[i] as number, book.vol[i] as number, book.rate[i] as number);
      for (const k of KEYS) expect(out[k][i], `${k}[${i}]`).toBe(g[k]);
    }
  });

  it('agrees on arbitrary inputs, including expired, zero-vol, NaN and extreme options', () => {
    const row = fc.record({
      w: fc.constantFrom(1, -1),
      S: fc.double({ min: 1e-3, max: 1e7, noNaN: true }),
      K: fc.double({ min: 1e-3, max: 1e7, noNaN: true }),
      T: fc.oneof(fc.double({ min: -1, max: 5 }), fc.constant(0)),
      v: fc.oneof(fc.double({ min: 0, max: 5 }), fc.constant(0), fc.constant(NaN)),
      r: fc.double({ min: -0.1, max: 0.3, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 50 }), (rows) => {
        const book = newOptionBatch(rows.length);
        rows.forEach((o, i) => {
          book.w[i] = o.w;
          book.spot[i] = o.S;
          book.strike[i] = o.K;
          book.years[i] = o.T;
          book.vol[i] = o.v;
          book.rate[i] = o.r;
        });
        const out = newGreeksBatch(rows.length);
        priceBatch(book, out);
        rows.forEach((o, i) => {
          const g = blackScholes(o.w === 1 ? 'call' : 'put', o.S, o.K, o.T, o.v, o.r);
          for (const k of KEYS) expect(Object.is(out[k][i], g[k]) || Math.abs((out[k][i] as number) - g[k]) <= 1e-12 * Math.abs(g[k]), k).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('prices a sub-range only and checks lengths', () => {
    const book = referenceBook(10);
    const out = newGreeksBatch(10);
    priceBatch(book, out, 2, 5);
    expect(out.price[1]).toBe(0);
    expect(out.price[2]).toBeGreaterThan(0);
    expect(out.price[5]).toBe(0);
    expect(() => priceBatch(book, newGreeksBatch(5))).toThrow(RangeError);
    expect(() => priceBatch(book, out, 4, 2)).toThrow(RangeError);
  });

  it('bench/greeks.ts runs on a small book and reports options per second', () => {
    const r = benchGreeks(50_000);
    expect(r.options).toBe(50_000);
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.greeksPerSecond).toBeCloseTo(r.options / r.seconds, 6);
  });
});
