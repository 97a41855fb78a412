import { describe, expect, it } from 'vitest';
import { normCdf } from '../pricing/normal.ts';
import { Xoshiro128 } from './prng.ts';

const moments = (xs: Float64Array): { mean: number; variance: number; skew: number; kurt: number } => {
  const n = xs.length;
  let m = 0;
  for (const x of xs) m += x;
  m /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of xs) {
    const d = x - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  return { mean: m, variance: m2, skew: m3 / n / m2 ** 1.5, kurt: m4 / n / (m2 * m2) };
};

describe('xoshiro128**', () => {
  it('matches the reference C implementation (prng.di.unimi.it) from a given state', () => {
    // gcc -O2 of xoshiro128starstar.c, state {1, 2, 3, 4}: the first 8 outputs and the 1001st
    const g = Xoshiro128.fromState(1, 2, 3, 4);
    expect(Array.from({ length: 8 }, () => g.nextU32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
    for (let i = 0; i < 992; i++) g.nextU32();
    expect(g.nextU32()).toBe(136054147);
    const h = Xoshiro128.fromState(0x9e3779b9, 0x243f6a88, 0xb7e15162, 0xdeadbeef);
    expect(Array.from({ length: 5 }, () => h.nextU32())).toEqual([2463954730, 5524658, 74256371, 1905451993, 3123413897]);
  });

  it('is deterministic per (seed, stream) and differs across seeds and streams', () => {
    const draw = (seed: number, stream: number): number[] => {
      const g = new Xoshiro128(seed, stream);
      return Array.from({ length: 4 }, () => g.nextU32());
    };
    expect(draw(1, 0)).toEqual(draw(1, 0));
    expect(draw(1, 0)).not.toEqual(draw(2, 0));
    expect(draw(1, 0)).not.toEqual(draw(1, 1));
    expect(() => new Xoshiro128(1.5)).toThrow(/seed/);
  });

  it('uniform() lies strictly inside (0, 1) with mean 1/2 and variance 1/12', () => {
    const g = new Xoshiro128(3);
    const xs = Float64Array.from({ length: 200_000 }, () => g.uniform());
    expect(xs.reduce((a, x) => Math.min(a, x), 1)).toBeGreaterThan(0);
    expect(xs.reduce((a, x) => Math.max(a, x), 0)).toBeLessThan(1);
    expect(Xoshiro128.fromState(0, 0, 0, 1).uniform()).toBeGreaterThan(0);
    const m = moments(xs);
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / xs.length));
    expect(m.variance).toBeCloseTo(1 / 12, 3);
  });
});

describe('ziggurat normals', () => {
  const n = 1_000_000;
  const g = new Xoshiro128(11);
  const xs = Float64Array.from({ length: n }, () => g.normal());

  it('mean 0, variance 1, skewness 0, kurtosis 3 (within 4 standard errors)', () => {
    const m = moments(xs);
    expect(Math.abs(m.mean)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(m.variance - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    expect(Math.abs(m.skew)).toBeLessThan(4 * Math.sqrt(6 / n));
    expect(Math.abs(m.kurt - 3)).toBeLessThan(4 * Math.sqrt(24 / n));
  });

  it('Kolmogorov-Smirnov distance to Phi below the 1 % critical value, and the tails beyond 3 and 4 at their rates', () => {
    const s = Float64Array.from(xs).sort();
    let ks = 0;
    for (let i = 0; i < n; i += 7) ks = Math.max(ks, Math.abs(normCdf(s[i]!) - (i + 0.5) / n));
    expect(ks).toBeLessThan(1.63 / Math.sqrt(n));
    for (const t of [3, 4]) {
      const p = 2 * normCdf(-t);
      const count = xs.filter((x) => Math.abs(x) > t).length;
      expect(Math.abs(count - n * p)).toBeLessThan(4 * Math.sqrt(n * p));
    }
  });
});

describe('gamma and Student-t', () => {
  it('Gamma(a): mean a and variance a', () => {
    for (const a of [1.2, 2.5, 10]) {
      const g = new Xoshiro128(5, a * 10);
      const xs = Float64Array.from({ length: 200_000 }, () => g.gamma(a));
      const m = moments(xs);
      expect(Math.abs(m.mean - a)).toBeLessThan(4 * Math.sqrt(a / xs.length));
      expect(m.variance / a).toBeCloseTo(1, 1);
    }
  });

  it('z x studentScale(nu) has unit variance and the t kurtosis 3 + 6 / (nu - 4)', () => {
    const nu = 8;
    const g = new Xoshiro128(9);
    const xs = Float64Array.from({ length: 1_000_000 }, () => g.normal() * g.studentScale(nu));
    const m = moments(xs);
    expect(m.variance).toBeCloseTo(1, 2);
    expect(m.kurt).toBeGreaterThan(3 + 6 / (nu - 4) - 0.6);
    expect(m.kurt).toBeLessThan(3 + 6 / (nu - 4) + 0.6);
  });
});
