import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ewmaForecast, ewmaVariance } from './ewma.ts';

/** Reference note §3b fixed series. */
const R3B = [
  0.012, -0.034, 0.021, 0.005, -0.051, 0.017, -0.008, 0.029, -0.022, 0.014, -0.063, 0.038, 0.009, -0.015, 0.026, -0.041, 0.033, 0.004, -0.019, 0.022,
];

describe('EWMA variance', () => {
  it('§3b: lambda 0.94, seed r0², variance after the last observation 0.000607527924239', () => {
    const e = ewmaVariance(R3B);
    expect(e.lambda).toBe(0.94);
    expect(Math.abs(e.variance - 0.000607527924239) / 0.000607527924239).toBeLessThan(1e-12);
    expect(e.path.length).toBe(20);
    expect(e.path[19]).toBe(e.variance);
    expect(e.path[0]).toBeCloseTo(0.012 ** 2, 18); // the first update leaves the seed r0² unchanged
  });
  it('follows s <- lambda s + (1 - lambda) r² for any lambda', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        (r, lambda) => {
          let s = r[0]! ** 2;
          for (const x of r) s = lambda * s + (1 - lambda) * x * x;
          expect(ewmaVariance(r, { lambda }).variance).toBeCloseTo(s, 15);
        },
      ),
    );
  });
  it('a constant absolute return gives that return squared; the forecast is flat', () => {
    expect(ewmaVariance([0.02, -0.02, 0.02], { lambda: 0.5 }).variance).toBeCloseTo(0.0004, 18);
    expect(Array.from(ewmaForecast(0.0004, 3))).toEqual([0.0004, 0.0004, 0.0004]);
  });
  it('lambda outside (0, 1), no data, or a NaN return is an error naming it', () => {
    expect(() => ewmaVariance(R3B, { lambda: 1 })).toThrow(/lambda: must be a number strictly between 0 and 1 \(RiskMetrics: 0.94\) \(got 1\)/);
    expect(() => ewmaVariance(R3B, { lambda: Number.NaN })).toThrow(/lambda/);
    expect(() => ewmaVariance([])).toThrow(/returns\.length: needs at least 1 values/);
    expect(() => ewmaVariance([0.01, Number.NaN])).toThrow(/returns\[1\]: not a finite number/);
  });
});
