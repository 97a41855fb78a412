/**
 * The liquidation scan of ./price.ts with fewer evaluations of the margin model, returning the same roots to the bit.
 *
 * The plain scan evaluates the margin excess f (balance - maintenance) at every point of a fixed grid outward from
 * the mark, takes the first grid interval whose end points differ in state (f > 0 safe, f <= 0 not), and refines it
 * by Brent. What it finds depends only on f's state at the grid points and on f inside the chosen interval. This
 * module obtains the same things with less work, for buckets whose moving groups can bound their own excess
 * (CertifiableGroup: the portfolio-margin grid of margin/portfolio-grid.ts):
 * - A group evaluated at a price keeps a "snapshot" from which it bounds its excess at other prices (certified lower
 *   and upper bounds plus an allowance for rounding): anywhere from one snapshot, more tightly between two. A grid
 *   point whose state the bounds decide is not evaluated. A point they do not decide is first probed (the cheapest
 *   part of an evaluation, for the grid its unshocked row, which tightens the bounds there) and evaluated only if
 *   that does not decide it either; a probe leaves a snapshot too.
 * - An evaluation is always the plain scan's f(x) to the bit, but a group may skip work that the snapshots around x
 *   prove irrelevant (for the grid: scenario rows that cannot be the worst loss).
 * - The grid interval finally returned is evaluated at both ends, so Brent starts from the same bracket and values
 *   as in the plain scan, and each of its iterates is evaluated with the two ends' snapshots.
 * So the state of every grid point is the one the plain scan sees (certified or computed), the bracket is the same,
 * and Brent sees the same numbers: the root is the same double (the property test in certify.test.ts compares them).
 * Search order: from the last settled point, the points its snapshot alone decides; the first undecided point plus
 * a quarter of the distance is settled (probed or evaluated), and the block between is searched with both ends'
 * snapshots (`first`: decide what the bounds can, settle the middle of what they cannot, recurse on the nearer half
 * first). The bracket found is then evaluated, its far end first.
 */
import type { AssetGroup, MarginTerms } from '../margin/terms.ts';
import { zeroTerms } from '../margin/terms.ts';
import { brent } from './brent.ts';

/** A group that can bound its own margin excess between evaluated prices (see the file header). */
export interface CertifiableGroup extends AssetGroup {
  /** Float64 slots of one snapshot; 0 when this group cannot bound itself (the plain scan is used). */
  readonly snapshotSize: number;
  /**
   * accumulate(price, out), to the bit. offA, offB (-1: none): snapshots taken earlier (price between them, or
   * anywhere when offB < 0), which may show part of the work to be irrelevant; off >= 0: record the snapshot of
   * this price there.
   */
  accumulateBounded(price: number, out: MarginTerms, snap: Float64Array, offA: number, offB: number, off: number): void;
  /**
   * Bounds of this group's balance - maintenance at `price`, which lies between the prices of the snapshots at offA
   * and offB (offB < 0: anywhere, from the snapshot at offA alone): out[0] <= excess <= out[1] for the exact
   * function, out[2] >= 0 an allowance covering the rounding of the computed excess. Not bounded (out = -Infinity,
   * Infinity) when price is outside. refine: tighter bounds at more cost (tried when the cheap ones do not decide).
   */
  excessBounds(price: number, snap: Float64Array, offA: number, offB: number, refine: boolean, out: Float64Array): void;
  /**
   * Bounds as excessBounds (refined), after the cheapest part of an evaluation at `price` (for the grid: the
   * unshocked row), and the snapshot of what is known there recorded at off. False when it cannot (nothing usable is
   * recorded then).
   */
  probe(price: number, snap: Float64Array, offA: number, offB: number, off: number, out: Float64Array): boolean;
}

export const isCertifiable = (g: AssetGroup): g is CertifiableGroup => ((g as Partial<CertifiableGroup>).snapshotSize ?? 0) > 0;

/** Relative allowance applied to the fixed part of the bucket (its terms are exact constants). */
const REST_ALLOWANCE = 1e-9;

const copyTerms = (dst: MarginTerms, src: MarginTerms): void => {
  dst.balance = src.balance;
  dst.initial = src.initial;
  dst.maintenance = src.maintenance;
  dst.liabilities = src.liabilities;
};

/**
 * The excess of a bucket as a function of one variable x: fixed terms `rest` plus moving groups at price
 * x (mode 'price': liquidation price) or base[i] (1 + x) (mode 'move': crash move), evaluated with exactly the
 * arithmetic of the plain scan's closures in ./price.ts. Snapshots live in numbered slots.
 */
export class BucketExcess {
  private readonly t = zeroTerms();
  private readonly offsets: Int32Array;
  private readonly slotSize: number;
  private readonly snaps: Float64Array;
  private readonly bounds = new Float64Array(3);
  private readonly restAllowance: number;
  private readonly restExcess: number;

  constructor(
    private readonly rest: MarginTerms,
    private readonly groups: readonly CertifiableGroup[],
    private readonly mode: 'price' | 'move',
    private readonly base: Float64Array | null,
    slots: number,
  ) {
    this.offsets = new Int32Array(groups.length);
    let size = 0;
    groups.forEach((g, i) => {
      this.offsets[i] = size;
      size += g.snapshotSize;
    });
    this.slotSize = size;
    this.snaps = new Float64Array(size * slots);
    this.restExcess = rest.balance - rest.maintenance;
    this.restAllowance = REST_ALLOWANCE * (Math.abs(rest.balance) + Math.abs(rest.maintenance));
  }

  private priceOf(i: number, x: number): number {
    return this.mode === 'price' ? x : this.base![i]! * (1 + x);
  }

  /**
   * f(x), snapshotting every group into `slot`; a and b (-1: none) are slots already evaluated that the groups may
   * use to skip work (x between them, or anywhere when b < 0). Same value as the plain scan's f(x).
   */
  full(x: number, slot: number, a = -1, b = -1): number {
    return this.evaluate(x, slot, a, b);
  }

  /** f(x) for x between the points of slots a and b, without a snapshot (same value as full). */
  between(x: number, a: number, b: number): number {
    return this.evaluate(x, -1, a, b);
  }

  private evaluate(x: number, slot: number, a: number, b: number): number {
    const t = this.t;
    copyTerms(t, this.rest);
    const size = this.slotSize;
    for (let i = 0; i < this.groups.length; i++) {
      const g = this.offsets[i]!;
      this.groups[i]!.accumulateBounded(this.priceOf(i, x), t, this.snaps, a < 0 ? -1 : a * size + g, b < 0 ? -1 : b * size + g, slot < 0 ? -1 : slot * size + g);
    }
    return t.balance - t.maintenance;
  }

  /**
   * The state f(x) > 0 certified after probing every group at x (see CertifiableGroup.probe), with the snapshots
   * in slots a and b (b < 0: a alone); the probes' snapshots go to `slot`. 1 safe, 0 not, -1 unknown (`slot` then
   * holds nothing usable).
   */
  probe(x: number, slot: number, a: number, b: number): number {
    let lo = this.restExcess;
    let hi = lo;
    let allowance = this.restAllowance;
    const size = this.slotSize;
    const out = this.bounds;
    for (let i = 0; i < this.groups.length; i++) {
      const g = this.offsets[i]!;
      if (!this.groups[i]!.probe(this.priceOf(i, x), this.snaps, a * size + g, b < 0 ? -1 : b * size + g, slot * size + g, out)) return -1;
      lo += out[0]!;
      hi += out[1]!;
      allowance += out[2]!;
    }
    if (lo - allowance > 0) return 1;
    if (hi + allowance < 0) return 0;
    return -1;
  }

  /**
   * The state f(x) > 0 certified from the snapshots in slots a and b (x between them; b < 0: from slot a alone):
   * 1 safe, 0 not, -1 unknown.
   */
  state(x: number, a: number, b: number): number {
    const s = this.decide(x, a, b, false);
    return s >= 0 ? s : this.decide(x, a, b, true);
  }

  private decide(x: number, a: number, b: number, refine: boolean): number {
    let lo = this.restExcess;
    let hi = lo;
    let allowance = this.restAllowance;
    const oa = a * this.slotSize;
    const ob = b * this.slotSize;
    const out = this.bounds;
    for (let i = 0; i < this.groups.length; i++) {
      const g = this.offsets[i]!;
      this.groups[i]!.excessBounds(this.priceOf(i, x), this.snaps, oa + g, b < 0 ? -1 : ob + g, refine, out);
      lo += out[0]!;
      hi += out[1]!;
      allowance += out[2]!;
    }
    if (lo - allowance > 0) return 1;
    if (hi + allowance < 0) return 0;
    return -1;
  }
}

/** Counters of the certified scans (read by tests and benchmarks): evaluations at grid points, probes, Brent iterates. */
export const certifyStats = { full: 0, probes: 0, between: 0 };

/**
 * First zero crossing of the excess scanning outward over xs (x0 excluded; xs[j] the plain scan's j-th point), or
 * null; slot 0 holds x0 (already evaluated, excess f0), slots slotBase .. slotBase + xs.length - 1 the points.
 * Same result as the plain scan (see the file header).
 */
export function certifiedScan(ev: BucketExcess, x0: number, f0: number, xs: readonly number[], slotBase: number, xtol: number): number | null {
  const n = xs.length;
  const F = new Float64Array(n + 1);
  const have = new Uint8Array(n + 1); // F[j] evaluated
  const known = new Int8Array(n + 1).fill(-1); // state of point j (1 safe, 0 not) once evaluated or probed
  const snapped = new Uint8Array(n + 1); // slot(j) holds j's snapshot (evaluated or probed)
  F[0] = f0;
  have[0] = 1;
  known[0] = f0 > 0 ? 1 : 0;
  snapped[0] = 1;
  const X = (j: number): number => (j === 0 ? x0 : xs[j - 1]!);
  const slot = (j: number): number => (j === 0 ? 0 : slotBase + j - 1);
  /** f at point j, evaluated once; a, b: points with snapshots around j (or a alone, b = -1) that may save work. */
  const value = (j: number, a = -1, b = -1): number => {
    if (have[j] === 0) {
      const f = ev.full(X(j), slot(j), a < 0 ? -1 : slot(a), b < 0 ? -1 : slot(b));
      F[j] = f;
      have[j] = 1;
      known[j] = f > 0 ? 1 : 0;
      snapped[j] = 1;
      certifyStats.full++;
    }
    return F[j]!;
  };
  /** The state of point j (with a snapshot in its slot): probed, or evaluated if the probe does not decide. */
  const settle = (j: number, a: number, b = -1): void => {
    if (known[j]! >= 0) return;
    const s = ev.probe(X(j), slot(j), slot(a), b < 0 ? -1 : slot(b));
    certifyStats.probes++;
    if (s >= 0) {
      known[j] = s;
      snapped[j] = 1;
    } else value(j, a, b);
  };
  const safe = (j: number): number => known[j]!;

  /**
   * First k in (lo, hi] whose state differs from k - 1's, or null; lo and hi settled, the points before `from`
   * known to keep lo's state.
   */
  const first = (lo: number, hi: number, from = lo + 1): number | null => {
    const s0 = safe(lo);
    if (hi === lo + 1) return safe(hi) !== s0 ? hi : null;
    // interior points certified to keep lo's state, up to j (exclusive)
    let j = Math.max(from, lo + 1);
    let sj = -1;
    while (j < hi && (sj = ev.state(X(j), slot(lo), slot(hi))) === s0) j++;
    if (j === hi) return safe(hi) === s0 ? null : hi;
    // certified to differ: the first change is at j
    if (sj !== -1) return j;
    // j is uncertain: settle the middle of the run of uncertain points from j
    let j2 = j + 1;
    while (j2 < hi && ev.state(X(j2), slot(lo), slot(hi)) === -1) j2++;
    const m = (j + j2 - 1) >> 1;
    settle(m, lo, hi);
    return first(lo, m) ?? first(m, hi);
  };

  // Outward: from the last settled point lo, the grid points its snapshot alone certifies; then a point a quarter
  // of that distance beyond the first undecided one is settled and the block between searched by `first` (a
  // quarter measured best on the benchmark book and on random books, against none, a half, an eighth, but by a few
  // per cent only once probes are used).
  let k: number | null = null;
  let lo = 0;
  while (k === null && lo < n) {
    const s0 = safe(lo);
    let j = lo + 1;
    while (j <= n && ev.state(X(j), slot(lo), -1) === s0) j++;
    if (j > n) break;
    const hi = Math.min(n, j + ((j - lo) >> 2));
    settle(hi, lo);
    k = first(lo, hi, j);
    lo = hi;
  }
  if (k === null) return null;
  // the bracket's ends evaluated, with the nearest snapshots on either side: Brent starts as in the plain scan
  const evaluate = (j: number): void => {
    let a = j - 1;
    while (a >= 0 && snapped[a] === 0) a--;
    let b = j + 1;
    while (b <= n && snapped[b] === 0) b++;
    if (a < 0) value(j, b <= n ? b : -1);
    else value(j, a, b <= n ? b : -1);
  };
  evaluate(k); // first: past the root, where the worst loss stands out, few scenario rows are priced
  evaluate(k - 1);
  const a = slot(k - 1);
  const b = slot(k);
  return brent(
    (x) => {
      certifyStats.between++;
      return ev.between(x, a, b);
    },
    X(k - 1),
    X(k),
    F[k - 1]!,
    F[k]!,
    xtol,
  );
}
