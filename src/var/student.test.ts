import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from './prng.ts';
import { fitNu, lnGamma, NU_MAX, studentLogPdf } from './student.ts';

describe('lnGamma', () => {
  it('matches Gamma at integers and half-integers', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 13);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(lnGamma(10.5)).toBeCloseTo(13.940625219403763, 12);
    expect(lnGamma(0.25)).toBeCloseTo(Math.log(3.625609908221908), 12);
  });
});

describe('unit-variance Student-t density', () => {
  it('integrates to 1 with variance 1', () => {
    for (const nu of [3, 5, 30]) {
      let s0 = 0;
      let s2 = 0;
      const h = 0.001;
      for (let x = -400; x <= 400; x += h) {
        const f = Math.exp(studentLogPdf(x, nu));
        s0 += f * h;
        s2 += x * x * f * h;
      }
      expect(s0).toBeCloseTo(1, 5);
      expect(s2).toBeCloseTo(1, nu === 3 ? 1 : 3);
    }
  });
});

describe('fitNu', () => {
  const draw = (nu: number | null, n: number, seed: number): Float64Array => {
    const g = new Xoshiro128(seed);
    return Float64Array.from({ length: n }, () => 0.02 * g.normal() * (nu === null ? 1 : g.studentScale(nu)) + 0.001);
  };

  it('recovers nu from Student-t samples (any scale and mean)', () => {
    for (const nu of [3, 5, 8]) {
      const est = fitNu([draw(nu, 100_000, nu)]);
      expect(Math.abs(est - nu) / nu).toBeLessThan(0.1);
    }
  });

  it('pools columns, and normal data run to the upper bound (no fat tails)', () => {
    expect(fitNu([draw(4, 50_000, 1), draw(4, 50_000, 2)])).toBeCloseTo(4, 0);
    expect(fitNu([draw(null, 100_000, 3)])).toBeGreaterThan(0.8 * NU_MAX);
  });

  it('needs 30 values', () => {
    expect(() => fitNu([[1, 2, 3]])).toThrow(/30/);
  });
});
