/**
 * Sizing of an increase-gross boost (issue: the planner acts on increase-gross), after the search has chosen the
 * rest of the plan.
 *
 * The increase levers (./levers.ts) grow every eligible position by the same fraction k of its size, in its own
 * direction, so the book's directional positions grow pro rata to their current exposure. With the rest of the
 * plan fixed at the search's point, k is the largest value for which the evaluated point (real margin models, the
 * cost model and the marks moved by the plan's own trades, ./evaluate.ts) still satisfies all of:
 * - gross exposure (sum over underlyings of |net delta x moved mark|, as the gross targets count it) <= the
 *   increase target;
 * - valid, and no more target violation than without the increase: every target-health, target-gross maximum,
 *   target-exposure range and delta target the rest of the plan meets stays met (no target's violation grows), and
 *   an account whose positions grow stays at or above its initial margin (a venue refuses the order otherwise);
 * - every account's health >= minHealthAfterIncrease (config.ts), or, for an account already under it without
 *   the increase, no lower than it was;
 * - liquidity: the impact rate each slice of a grown underlying pays stays within maxImpact (or within what the
 *   rest of the plan already pays), i.e. the increase fits in maxSlices slices of at most maxImpact each.
 * Each condition holds at k = 0 and tightens as k grows, so k is found by bracketing (doubling from the growth that
 * would reach the target at the current marks) and bisection to 1e-13 of the bracket: the target is reached when
 * liquidity and health allow; otherwise the boost stops where the first condition binds (`limit` says which). An
 * increase under 1e-9 of the target (rounding at a limit that binds from the start) is none.
 * Increase levers of an underlying the rest of the plan reduces or hedges stay at 0 (never buy back what the same
 * plan sells). No boost at all when the rest of the plan is invalid or misses a target.
 */
import type { Evaluation, Evaluator } from './evaluate.ts';
import type { IncreaseLever } from './levers.ts';

export interface BoostResult {
  /** Levels of the whole evaluator: the search's point, then the increase levers. */
  readonly levels: Float64Array;
  /** Growth fraction of the grown positions (0: no increase). */
  readonly k: number;
  /** Gross exposure (USD, at the moved marks) without and with the increase. */
  readonly grossBefore: number;
  readonly grossAfter: number;
  /** What stopped the boost short of the target, null when it reached it (or nothing could be grown). */
  readonly limit: string | null;
}

const REL = 1e-9;

/** Gross exposure of an evaluated point: sum over non-stable underlyings of |net delta x moved mark|, USD. */
export function grossOf(ev: Evaluator, e: Evaluation): number {
  let g = 0;
  for (const [u, n] of e.net) if (!ev.ctx.isStable(u)) g += Math.abs(n * ev.ctx.prices(u) * (1 + (e.moves.get(u) ?? 0)));
  return g;
}

/**
 * Largest increase up to `target` (see the module comment). `ev` evaluates the search's levers followed by the
 * increase levers `first`.. ; `base` is the search's point (levels of the search's levers).
 */
export function sizeBoost(ev: Evaluator, base: ArrayLike<number>, first: number, target: number): BoostResult {
  const o = ev.ctx.options;
  const n = ev.levers.length;
  const levels = new Float64Array(n);
  for (let i = 0; i < first; i++) levels[i] = base[i]!;
  const e0 = ev.evaluate(levels);
  const g0 = grossOf(ev, e0);
  const none = (limit: string | null): BoostResult => ({ levels, k: 0, grossBefore: g0, grossAfter: g0, limit });
  if (!e0.valid) return none(`the rest of the plan is not valid (${e0.invalid})`);
  if (e0.violation > 0) return none('the rest of the plan does not meet its targets');
  if (!(g0 < target * (1 - REL))) return none(null);

  // levers on underlyings the rest of the plan sells down stay at 0
  const sold = new Set<string>();
  for (let i = 0; i < first; i++) {
    const l = ev.levers[i]!;
    if ((l.kind === 'reduce' || l.kind === 'hedge') && levels[i]! > 0) sold.add(l.asset);
  }
  const active: number[] = [];
  let exposure = 0;
  for (let i = first; i < n; i++) {
    const l = ev.levers[i] as IncreaseLever;
    if (sold.has(l.asset)) continue;
    active.push(i);
    exposure += l.exposureUsd;
  }
  if (active.length === 0 || !(exposure > 0)) return none(active.length === 0 ? 'every growable underlying is reduced or hedged by the rest of the plan' : null);
  const assets = new Set(active.map((i) => ev.levers[i]!.asset));

  const floor = o.minHealthAfterIncrease;
  const at = (k: number): Float64Array => {
    const lv = Float64Array.from(levels);
    for (const i of active) lv[i] = k;
    return lv;
  };
  /** Null when every condition holds at this point, else the first that fails. */
  const fails = (e: Evaluation): string | null => {
    if (!e.valid) return `invalid: ${e.invalid}`;
    // strictly: the targets carry their own rounding margins, and an initial-margin shortfall must stay 0
    const t = e.targetViolation.findIndex((v, i) => v > e0.targetViolation[i]!);
    if (t >= 0) {
      const tg = ev.targets[t]!;
      if (tg.kind === 'health') return `the health target ${tg.min} of ${ev.ctx.accounts[tg.account]!.account.id}`;
      if (tg.kind === 'gross') return `the gross cap ${tg.max.toFixed(0)} USD`;
      if (tg.kind === 'exposure') return `the ${tg.asset} exposure range`;
      return `the ${tg.asset} delta target`;
    }
    const im = e.imViolation.findIndex((v, i) => v > e0.imViolation[i]!);
    if (im >= 0) return `the initial margin of ${ev.ctx.accounts[im]!.account.id}`;
    for (let i = 0; i < e.health.length; i++) {
      const h = e.health[i]!;
      const h0 = e0.health[i]!;
      if (h < Math.min(floor, h0)) return `the health floor ${floor} (minHealthAfterIncrease) of ${ev.ctx.accounts[i]!.account.id}`;
    }
    for (const u of assets) {
      const r = e.impactRate.get(u) ?? 0;
      if (r > Math.max(o.maxImpact, e0.impactRate.get(u) ?? 0) * (1 + REL)) return `liquidity: ${u} slices would pay more than maxImpact ${o.maxImpact} (maxSlices ${o.maxSlices})`;
    }
    if (grossOf(ev, e) > target) return 'target';
    return null;
  };

  // bracket: lo passes, hi fails (start from the growth that reaches the target at the current marks)
  let lo = 0;
  let hi = (target - g0) / exposure;
  let why = fails(ev.evaluate(at(hi)));
  for (let it = 0; why === null && it < 60; it++) {
    lo = hi;
    hi *= 2;
    why = fails(ev.evaluate(at(hi)));
  }
  if (why === null) {
    // gross never reached the target (cannot happen with positions in the book's direction): take the last point
    const lv = at(hi);
    const e = ev.evaluate(lv);
    return { levels: lv, k: hi, grossBefore: g0, grossAfter: grossOf(ev, e), limit: null };
  }
  let limit = why;
  const tol = 1e-13 * hi;
  for (let it = 0; it < 200 && hi - lo > tol; it++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    const w = fails(ev.evaluate(at(mid)));
    if (w === null) lo = mid;
    else {
      hi = mid;
      limit = w;
    }
  }
  // dust (an increase under 1e-9 of the target: rounding at a binding limit) is no increase
  if (lo * exposure < 1e-9 * target) return none(limit === 'target' ? null : limit);
  const lv = at(lo);
  const e = ev.evaluate(lv);
  const g = grossOf(ev, e);
  return { levels: lv, k: lo, grossBefore: g0, grossAfter: g, limit: limit === 'target' || g >= target * (1 - 1e-6) ? null : limit };
}
