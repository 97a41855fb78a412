/**
 * Probability that an account is liquidated within a horizon: the fraction of Monte Carlo price paths (./montecarlo.ts
 * model, antithetic pairs) on which some bucket of the account is liquidatable (balance <= maintenance, the
 * predicate of risk/report.ts) at some step: a path-wise first passage. An account liquidatable now counts as 1.
 *
 * Default model: GBM with zero drift, the market's implied vol per asset (historical vol where it has none), the
 * historical correlation, normal innovations, steps of 1 hour, continuous monitoring. Time does not pass for the
 * book (no theta, funding or expiry), as in every scenario of ./engine.ts.
 *
 * How a bucket is checked at a step:
 * - A bucket moved by ONE asset (its other groups stable or USD): liquidatable exactly when that asset's price is at
 *   or beyond the bucket's liquidation prices (liquidation/price.ts, solved once from the same margin terms: the
 *   first roots on each side of the mark, so the check equals revaluing the bucket at the step's prices for every
 *   price a continuous path reaches first). Per account and asset only the nearest roots matter.
 * - A bucket moved by several assets: full revaluation of its groups at the step's prices (./engine.ts).
 * - check 'revalue' revalues every bucket at every step (the reference the barrier check is tested against).
 * Monitoring: 'discrete' checks the prices at the steps only, which misses crossings between steps (a venue checks its
 * marks every second or so). 'continuous' (default) moves each one-asset bucket's liquidation price TOWARDS the mark
 * by exp(0.5826 sigma sqrt(dt)) (Broadie-Glasserman-Kou, ./barrier.ts) before checking it at the steps: the first-order
 * correction that makes discrete steps estimate continuous monitoring. Buckets moved by several assets have no single
 * barrier to move and stay discretely monitored (a small underestimate, shrinking with the step).
 * Standard errors: the sample sd of the antithetic pair means / sqrt(pairs).
 */
import { ValidationError } from '../errors/index.ts';
import { bucketLiquidationPrices } from '../liquidation/price.ts';
import { BGK_BETA } from './barrier.ts';
import { evaluateAt, evaluateBucketAt, isLiquidatable, type CompiledBook, type CompiledBucket } from './engine.ts';
import { HOURS_PER_YEAR } from './history.ts';
import { checkModel, drawCorrelated, type McModel } from './montecarlo.ts';
import { Xoshiro128 } from './prng.ts';

export interface LiquidationOptions {
  /** Number of paths, rounded up to an even number (antithetic pairs). */
  readonly paths: number;
  /** Horizons in hours, each a multiple of stepHours; the paths run to the longest. */
  readonly horizons: readonly number[];
  readonly stepHours?: number;
  readonly seed: number;
  readonly monitoring?: 'continuous' | 'discrete';
  readonly check?: 'barrier' | 'revalue';
  readonly onProgress?: (done: number, total: number) => void;
}

export interface LiquidationResult {
  readonly accounts: readonly string[];
  readonly horizons: readonly number[];
  readonly paths: number;
  readonly stepHours: number;
  /** Account-major accounts x horizons. */
  readonly probability: Float64Array;
  readonly stdError: Float64Array;
  /** Liquidatable at the market already. */
  readonly liquidatableNow: readonly boolean[];
  /** Per account and path: step of the first liquidation (1-based), 0 if none (account-major). */
  readonly firstStep: Int32Array;
}

function checkOptions(o: LiquidationOptions, stepHours: number): void {
  const bad = (path: string, value: unknown, message: string): never => {
    throw new ValidationError('options', [{ path, value, message }]);
  };
  if (!(Number.isInteger(o.paths) && o.paths >= 2)) bad('paths', o.paths, 'must be a whole number >= 2');
  if (!(stepHours > 0 && Number.isFinite(stepHours))) bad('stepHours', stepHours, 'must be > 0');
  if (o.horizons.length === 0) bad('horizons', o.horizons, 'needs at least one horizon');
  for (const h of o.horizons) if (!(h > 0 && Number.isInteger(Math.round(h / stepHours)) && Math.abs(h / stepHours - Math.round(h / stepHours)) < 1e-9)) bad('horizons', h, `must be a positive multiple of the step (${stepHours} h)`);
}

/** Per account: the nearest barrier of each asset (log of price / mark) and the buckets revalued every step. */
interface AccountPlan {
  readonly cols: Int32Array;
  readonly down: Float64Array;
  readonly up: Float64Array;
  readonly revalue: CompiledBucket[];
}

function plan(book: CompiledBook, model: McModel, check: 'barrier' | 'revalue', shift: (col: number) => number): AccountPlan[] {
  const nAcc = book.accountIds.length;
  const priceOf = (a: string): number => {
    if (a === 'USD') return 1;
    const i = book.assets.indexOf(a);
    return i >= 0 ? book.basePrices[i]! : book.portfolio.market.prices[a]!;
  };
  const barriers = Array.from({ length: nAcc }, () => new Map<number, { down: number; up: number }>());
  const revalue: CompiledBucket[][] = Array.from({ length: nAcc }, () => []);
  for (const cb of book.buckets) {
    if (cb.moving.length === 0) continue; // constant: its state now decides (liquidatableNow)
    if (check === 'revalue' || cb.moving.length > 1) {
      revalue[cb.account]!.push(cb);
      continue;
    }
    const col = cb.moving[0]!;
    const asset = model.assets[col]!;
    const mark = book.basePrices[col]!;
    const r = bucketLiquidationPrices(cb.bucket, asset, priceOf);
    const b = barriers[cb.account]!.get(col) ?? { down: -Infinity, up: Infinity };
    // roots at or beyond the mark on the wrong side mean liquidatable now (handled by liquidatableNow)
    if (r.down !== null && r.down > 0 && r.down <= mark) b.down = Math.max(b.down, Math.log(r.down / mark) + shift(col));
    if (r.up !== null && r.up >= mark) b.up = Math.min(b.up, Math.log(r.up / mark) - shift(col));
    barriers[cb.account]!.set(col, b);
  }
  return barriers.map((m, a) => {
    const entries = [...m.entries()].filter(([, b]) => b.down > -Infinity || b.up < Infinity);
    return {
      cols: Int32Array.from(entries, ([c]) => c),
      down: Float64Array.from(entries, ([, b]) => b.down),
      up: Float64Array.from(entries, ([, b]) => b.up),
      revalue: revalue[a]!,
    };
  });
}

/** Liquidation probability of every account of a compiled book within each horizon (see the module comment). */
export function liquidationProbabilities(book: CompiledBook, model: McModel, options: LiquidationOptions): LiquidationResult {
  checkModel(model);
  if (model.assets.length !== book.assets.length || model.assets.some((a, i) => a !== book.assets[i])) {
    throw new ValidationError('mc model', [{ path: 'assets', value: model.assets, message: `must be the book's columns ${JSON.stringify(book.assets)}` }]);
  }
  const stepHours = options.stepHours ?? 1;
  checkOptions(options, stepHours);
  const monitoring = options.monitoring ?? 'continuous';
  const check = options.check ?? 'barrier';
  const d = book.assets.length;
  const nAcc = book.accountIds.length;
  const paths = options.paths + (options.paths % 2);
  const stepsOf = options.horizons.map((h) => Math.round(h / stepHours));
  const steps = Math.max(...stepsOf);
  const dt = stepHours / HOURS_PER_YEAR;
  const drift = Float64Array.from(model.vols, (v) => -0.5 * v * v * dt);
  const sd = Float64Array.from(model.vols, (v) => v * Math.sqrt(dt));
  const shift = (col: number): number => (monitoring === 'continuous' && check === 'barrier' ? BGK_BETA * sd[col]! : 0);

  const equity = new Float64Array(nAcc);
  const liqNow = new Uint8Array(nAcc);
  evaluateAt(book, book.basePrices, equity, liqNow);
  const plans = plan(book, model, check, shift);
  const active = plans.map((p, a) => liqNow[a] === 0 && (p.cols.length > 0 || p.revalue.length > 0));

  const firstStep = new Int32Array(nAcc * paths);
  const rng = new Xoshiro128(options.seed, 0x11d);
  // per path: innovations (steps x d, reused by the antithetic twin), the log-price path x[k] = ln(S_k / S_0) and,
  // for accounts revalued in full, the prices of every step
  const innov = new Float64Array(steps * d);
  const path = new Float64Array(steps * d);
  const pathPrices = new Float64Array(steps * d);
  const z = new Float64Array(d);
  const e = new Float64Array(d);
  const stepPrices = new Float64Array(d);
  // every barrier as a flat entry (account, column, down, up) of an active account
  const entries = plans.flatMap((pl, a) => (active[a] ? Array.from(pl.cols, (c, j) => ({ a, c, down: pl.down[j]!, up: pl.up[j]! })) : []));
  const entryAccount = Int32Array.from(entries, (x) => x.a);
  const entryCol = Int32Array.from(entries, (x) => x.c);
  const entryDown = Float64Array.from(entries, (x) => x.down);
  const entryUp = Float64Array.from(entries, (x) => x.up);
  const revalueAccounts = plans.map((pl, a) => (active[a] && pl.revalue.length > 0 ? a : -1)).filter((a) => a >= 0);
  const first = new Int32Array(nAcc); // first hit step of the current path, steps + 1 = none
  const NONE = steps + 1;

  for (let p = 0; p < paths; p++) {
    const sign = p % 2 === 0 ? 1 : -1;
    if (sign === 1) {
      for (let k = 0; k < steps; k++) {
        drawCorrelated(rng, model, z, e);
        for (let i = 0; i < d; i++) innov[k * d + i] = e[i]!;
      }
    }
    if (entries.length === 0 && revalueAccounts.length === 0) continue;
    for (let i = 0; i < d; i++) {
      let x = 0;
      const di = drift[i]!;
      const si = sign * sd[i]!;
      for (let k = 0, j = i; k < steps; k++, j += d) path[j] = x = x + di + si * innov[j]!;
    }
    first.fill(NONE);
    // barriers: scan the asset's path up to the account's earliest hit so far
    for (let q = 0; q < entryCol.length; q++) {
      const a = entryAccount[q]!;
      const lo = entryDown[q]!;
      const hi = entryUp[q]!;
      const limit = first[a]! - 1;
      for (let k = 0, j = entryCol[q]!; k < limit; k++, j += d) {
        const xk = path[j]!;
        if (xk <= lo || xk >= hi) {
          first[a] = k + 1;
          break;
        }
      }
    }
    // buckets moved by several assets: full revaluation at each step before the account's first barrier hit
    if (revalueAccounts.length > 0) {
      for (let j = 0; j < steps * d; j++) pathPrices[j] = book.basePrices[j % d]! * Math.exp(path[j]!);
      for (const a of revalueAccounts) {
        const buckets = plans[a]!.revalue;
        for (let k = 0; k < first[a]! - 1; k++) {
          for (let i = 0; i < d; i++) stepPrices[i] = pathPrices[k * d + i]!;
          let hit = false;
          for (let b = 0; b < buckets.length && !hit; b++) hit = isLiquidatable(evaluateBucketAt(buckets[b]!, stepPrices));
          if (hit) {
            first[a] = k + 1;
            break;
          }
        }
      }
    }
    for (let a = 0; a < nAcc; a++) if (first[a]! <= steps) firstStep[a * paths + p] = first[a]!;
    if (options.onProgress !== undefined && (p + 1) % 256 === 0) options.onProgress(p + 1, paths);
  }
  options.onProgress?.(paths, paths);

  const nh = options.horizons.length;
  const probability = new Float64Array(nAcc * nh);
  const stdError = new Float64Array(nAcc * nh);
  const pairs = paths / 2;
  for (let a = 0; a < nAcc; a++) {
    for (let h = 0; h < nh; h++) {
      if (liqNow[a] === 1) {
        probability[a * nh + h] = 1;
        continue;
      }
      const limit = stepsOf[h]!;
      const hitBy = (p: number): number => {
        const f = firstStep[a * paths + p]!;
        return f > 0 && f <= limit ? 1 : 0;
      };
      let s = 0;
      let s2 = 0;
      for (let j = 0; j < pairs; j++) {
        const m = (hitBy(2 * j) + hitBy(2 * j + 1)) / 2;
        s += m;
        s2 += m * m;
      }
      const mean = s / pairs;
      probability[a * nh + h] = mean;
      stdError[a * nh + h] = pairs > 1 ? Math.sqrt(Math.max(0, (s2 - pairs * mean * mean) / (pairs - 1)) / pairs) : NaN;
    }
  }
  return {
    accounts: book.accountIds,
    horizons: options.horizons,
    paths,
    stepHours,
    probability,
    stdError,
    liquidatableNow: Array.from(liqNow, (v) => v === 1),
    firstStep,
  };
}
