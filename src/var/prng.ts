/**
 * Seeded pseudo-random numbers for Monte Carlo (never Math.random): deterministic across machines and runs.
 * - Generator: xoshiro128** 1.1 (Blackman and Vigna, https://prng.di.unimi.it/xoshiro128starstar.c), 32-bit words,
 *   period 2^128 - 1. State seeded from (seed, stream) by splitmix32, so different streams of one seed differ.
 * - uniform(): (k + 0.5) 2^-32 for a 32-bit output k: strictly inside (0, 1), never 0 (safe for log).
 * - normal(): Marsaglia and Tsang's ziggurat (J. Stat. Softw. 5(8), 2000) with 128 layers in Doornik's arrangement
 *   (ZIGNOR, 2005): the layer index takes the 7 low bits of one output and the signed abscissa the 25 high bits,
 *   so they are independent (the original RNOR reused bits for both). The tail beyond R uses Marsaglia's method.
 * - gamma(shape >= 1): Marsaglia and Tsang (ACM TOMS 26(3), 2000), squeeze then log test.
 * - studentT(nu): Student-t scaled to unit variance, z sqrt((nu - 2) / W), W ~ chi-square(nu) = 2 Gamma(nu / 2).
 * Every method is allocation-free.
 */
import { ValidationError } from '../errors/index.ts';

const TWO_POW_M32 = 2 ** -32;
const TWO_POW_M24 = 2 ** -24;

/** splitmix32 step: a well-mixed 32-bit value of a 32-bit counter (seeding only). */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

// Ziggurat tables, 128 layers (Doornik's constants for C = 128).
const ZIG_C = 128;
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_X = new Float64Array(ZIG_C + 1);
const ZIG_RATIO = new Float64Array(ZIG_C);
{
  const f = (x: number): number => Math.exp(-0.5 * x * x);
  ZIG_X[0] = ZIG_V / f(ZIG_R);
  ZIG_X[1] = ZIG_R;
  for (let i = 2; i < ZIG_C; i++) ZIG_X[i] = Math.sqrt(-2 * Math.log(ZIG_V / ZIG_X[i - 1]! + f(ZIG_X[i - 1]!)));
  ZIG_X[ZIG_C] = 0;
  for (let i = 0; i < ZIG_C; i++) ZIG_RATIO[i] = ZIG_X[i + 1]! / ZIG_X[i]!;
}

export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed` and `stream`: any integers (taken mod 2^32). */
  constructor(seed: number, stream = 0) {
    if (!Number.isInteger(seed)) throw new ValidationError('options', [{ path: 'seed', value: seed, message: 'must be an integer' }]);
    let x = (seed ^ Math.imul(stream | 0, 0x632be5ab)) | 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      return splitmix32(x);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** A generator at a given raw state (four 32-bit words, not all zero): for reference test vectors. */
  static fromState(s0: number, s1: number, s2: number, s3: number): Xoshiro128 {
    const g = new Xoshiro128(0);
    g.s0 = s0 | 0;
    g.s1 = s1 | 0;
    g.s2 = s2 | 0;
    g.s3 = s3 | 0;
    return g;
  }

  /** Next 32-bit output as an unsigned integer. */
  nextU32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform in (0, 1), 32-bit resolution. */
  uniform(): number {
    return (this.nextU32() + 0.5) * TWO_POW_M32;
  }

  /** Standard normal (ziggurat). */
  normal(): number {
    for (;;) {
      const bits = this.nextU32();
      const i = bits & 0x7f;
      const u = (bits | 0) >> 7; // signed 25-bit integer
      const x = u * TWO_POW_M24 * ZIG_X[i]!; // u 2^-24 in [-1, 1)
      if (Math.abs(u * TWO_POW_M24) < ZIG_RATIO[i]!) return x;
      if (i === 0) return this.normalTail(u < 0);
      const xi = ZIG_X[i]!;
      const xi1 = ZIG_X[i + 1]!;
      const f0 = Math.exp(-0.5 * (xi * xi - x * x));
      const f1 = Math.exp(-0.5 * (xi1 * xi1 - x * x));
      if (f1 + this.uniform() * (f0 - f1) < 1) return x;
    }
  }

  private normalTail(negative: boolean): number {
    let x: number;
    let y: number;
    do {
      x = Math.log(this.uniform()) / ZIG_R;
      y = Math.log(this.uniform());
    } while (-2 * y < x * x);
    return negative ? x - ZIG_R : ZIG_R - x;
  }

  /** Gamma(shape, 1) for shape >= 1 (Marsaglia-Tsang). */
  gamma(shape: number): number {
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** The unit-variance Student-t scale sqrt((nu - 2) / W), W ~ chi-square(nu); nu > 2. Multiply normals by it. */
  studentScale(nu: number): number {
    return Math.sqrt((nu - 2) / (2 * this.gamma(nu / 2)));
  }
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** Throws ValidationError unless nu is a usable Student-t degrees of freedom (> 2: finite variance). */
export function checkNu(nu: number): void {
  if (!(Number.isFinite(nu) && nu > 2)) throw new ValidationError('options', [{ path: 'nu', value: nu, message: 'Student-t degrees of freedom must be a number > 2 (finite variance)' }]);
}
