/**
 * Synthetic hourly price histories for tests and benchmarks: correlated GBM closes on an hourly grid, seeded (./prng.ts),
 * so a test needs no bundled file. Not market data: never used by the CLI.
 */
import { HOUR_MS, HOURS_PER_YEAR, type PriceHistory } from './history.ts';
import { cholesky } from './linalg.ts';
import { Xoshiro128 } from './prng.ts';

export interface SyntheticSpec {
  readonly assets: readonly string[];
  /** Starting close per asset. */
  readonly start: readonly number[];
  /** Annualised vols. */
  readonly vols: readonly number[];
  /** Correlation matrix, row-major (default: identity). */
  readonly correlation?: readonly number[];
  readonly hours: number;
  /** Open of the first bar, epoch ms. */
  readonly from: number;
  readonly seed?: number;
  /** Student-t innovations with this nu (default: normal). */
  readonly nu?: number;
}

export function syntheticHistories(spec: SyntheticSpec): PriceHistory[] {
  const d = spec.assets.length;
  const corr = Float64Array.from(spec.correlation ?? Array.from({ length: d * d }, (_, k) => (Math.floor(k / d) === k % d ? 1 : 0)));
  const L = cholesky(corr, d);
  const rng = new Xoshiro128(spec.seed ?? 7, 0x5e);
  const sd = spec.vols.map((v) => v / Math.sqrt(HOURS_PER_YEAR));
  const timestamp = Float64Array.from({ length: spec.hours }, (_, i) => spec.from + i * HOUR_MS);
  const close = spec.assets.map(() => new Float64Array(spec.hours));
  const x = Float64Array.from(spec.start, (s) => Math.log(s));
  const z = new Float64Array(d);
  for (let t = 0; t < spec.hours; t++) {
    const scale = spec.nu === undefined ? 1 : rng.studentScale(spec.nu);
    for (let i = 0; i < d; i++) z[i] = rng.normal() * scale;
    for (let i = 0; i < d; i++) {
      let e = 0;
      for (let k = 0; k <= i; k++) e += L[i * d + k]! * z[k]!;
      if (t > 0) x[i] = x[i]! - 0.5 * sd[i]! * sd[i]! + sd[i]! * e;
      close[i]![t] = Math.exp(x[i]!);
    }
  }
  return spec.assets.map((asset, i) => ({ asset, source: `synthetic:${asset}`, timestamp, close: close[i]! }));
}
