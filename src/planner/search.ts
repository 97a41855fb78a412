/**
 * Search over the lever grid (./levers.ts) for the cheapest point that meets every target.
 *
 * Order of points (lexicographic): valid first, then the smaller violation (0 = feasible), then the lower cost;
 * exact ties keep the point found first, so the result is deterministic. Infeasible problems end at the least
 * bad point: the smallest violation reachable, cheapest among those.
 * - exact: depth-first enumeration of the whole grid (levers in order, levels ascending) with a branch-and-bound
 *   cut: once a feasible point is known, a branch whose fee + half-spread lower bound (each lever's own linear
 *   cost, exact for every lever kind, impact >= 0) already exceeds its cost is skipped. Optimal on the grid.
 * - greedy: from the forced minimum, repeatedly take the one-step move with the lowest extra cost per unit of
 *   violation removed (a free step that helps goes first; a lever with a fixed fee is scored by its best jump
 *   from rest); when no single step helps, the best multi-step jump of one lever. Then local improvement until
 *   nothing changes: single-step decrements, one-step swaps between two levers, and re-running the greedy with
 *   one active lever held at each lower level. With more than 8 levers or a class lever (a large book) the greedy
 *   is lazy (a move's score is only recomputed when it would be chosen: one or two evaluations per step instead
 *   of one per lever) and the improvement keeps to decrements and swaps between levers of the same account or
 *   underlying, within about as many evaluations as the greedy used.
 * - exactness evidence: on 806 random feasible small books (1-3 perps, reserves with a fee), greedy + improvement
 *   matched the brute-force optimum in 765 (95 %); otherwise it cost 0.4 % more (median), 8.9 % at worst.
 */
import type { Evaluation, Evaluator } from './evaluate.ts';

export interface SearchResult {
  readonly best: Evaluation;
  readonly method: 'exact' | 'greedy';
  readonly evaluations: number;
  /** Points of the grid. */
  readonly gridSize: number;
}

const VIOLATION_EPS = 1e-12;

/** Is `a` a strictly better point than `b`? */
export function better(a: Evaluation, b: Evaluation): boolean {
  if (a.valid !== b.valid) return a.valid;
  if (a.violation < b.violation - VIOLATION_EPS) return true;
  if (a.violation > b.violation + VIOLATION_EPS) return false;
  return a.cost < b.cost - 1e-9 * Math.max(1, Math.abs(b.cost));
}

/** The grid of one lever: its forced minimum, then every whole level above it. */
export function leverGrid(min: number, steps: number): number[] {
  const out = [min];
  for (let k = Math.floor(min) + 1; k <= steps; k++) out.push(k);
  return out;
}

export function gridSize(ev: Evaluator): number {
  let n = 1;
  for (const l of ev.levers) n *= leverGrid(l.min, l.steps).length;
  return n;
}

class Counter {
  n = 0;
  constructor(readonly ev: Evaluator) {}
  at(levels: ArrayLike<number>): Evaluation {
    this.n++;
    return this.ev.evaluate(levels);
  }
}

const nextLevel = (x: number): number => Math.floor(x + 1e-9) + 1;
const prevLevel = (x: number, min: number): number => Math.max(min, Math.ceil(x - 1e-9) - 1);

function greedyFrom(c: Counter, start: Evaluation, frozen: ReadonlySet<number>, lazy = false): Evaluation {
  const ev = c.ev;
  let cur = start;
  const L = ev.levers.length;
  const score = (cand: Evaluation): number => {
    if (!cand.valid) return Infinity;
    const dV = cur.violation - cand.violation;
    return dV > VIOLATION_EPS ? (cand.cost - cur.cost) / dV : Infinity;
  };
  // a lever with a fixed cost (a transfer or repay fee) is scored by its best jump from rest: its first step alone
  // carries the whole fee, and a greedy on single steps would never start it
  const fixedCost = ev.ctx.options.transferFeeUsd > 0;
  const step = (i: number): Evaluation | null => {
    const l = ev.levers[i]!;
    if (frozen.has(i) || cur.levels[i]! >= l.steps) return null;
    const lv = Float64Array.from(cur.levels);
    lv[i] = nextLevel(lv[i]!);
    let best = c.at(lv);
    if (fixedCost && (l.kind === 'transfer' || l.kind === 'repay') && !(cur.levels[i]! > l.min)) {
      let bs = score(best);
      for (let k = lv[i] + 1; k <= l.steps; k++) {
        const jv = Float64Array.from(cur.levels);
        jv[i] = k;
        const e = c.at(jv);
        const sc = score(e);
        if (sc < bs) {
          bs = sc;
          best = e;
        }
      }
    }
    return best;
  };
  // lazy: last known score of each one-step move (stale after a move is taken), Infinity: no help
  const stale = new Float64Array(L).fill(-Infinity);
  while (cur.violation > 0) {
    let best: Evaluation | null = null;
    let bestScore = Infinity;
    if (lazy) {
      const fresh = new Map<number, Evaluation | null>();
      for (;;) {
        let i = -1;
        for (let k = 0; k < L; k++) if (!fresh.has(k) && stale[k]! < Infinity && (i < 0 || stale[k]! < stale[i]!)) i = k;
        const bestFresh = [...fresh.entries()].reduce<[number, number]>((acc, [k, e]) => (e && stale[k]! < acc[1] ? [k, stale[k]!] : acc), [-1, Infinity]);
        if (i < 0 || (bestFresh[0] >= 0 && bestFresh[1] <= stale[i]!)) {
          if (bestFresh[0] >= 0) {
            best = fresh.get(bestFresh[0])!;
            bestScore = bestFresh[1];
          }
          break;
        }
        const e = step(i);
        fresh.set(i, e);
        stale[i] = e === null ? Infinity : score(e);
      }
    } else {
      for (let i = 0; i < L; i++) {
        const e = step(i);
        if (e === null) continue;
        const sc = score(e);
        if (sc < bestScore) {
          bestScore = sc;
          best = e;
        }
      }
    }
    if (best === null) {
      ev.levers.forEach((l, i) => {
        if (frozen.has(i)) return;
        for (let k = nextLevel(cur.levels[i]!) + 1; k <= l.steps; k++) {
          const lv = Float64Array.from(cur.levels);
          lv[i] = k;
          const e = c.at(lv);
          const sc = score(e);
          if (sc < bestScore) {
            bestScore = sc;
            best = e;
          }
        }
      });
      stale.fill(-Infinity);
    }
    if (best === null) break;
    cur = best;
  }
  return cur;
}

/**
 * Local improvement: decrements, swaps (one step down on an active lever, one up on another of the same account
 * or underlying when `wide` is false), and, when `wide`, holding an active lever at each lower level and
 * re-running the greedy for the rest.
 */
function improve(c: Counter, start: Evaluation, budget: number, wide = true): Evaluation {
  const ev = c.ev;
  const related = (i: number, j: number): boolean => wide || ev.levers[i]!.account === ev.levers[j]!.account || ev.levers[i]!.asset === ev.levers[j]!.asset;
  let cur = start;
  for (let changed = true; changed && c.n < budget; ) {
    changed = false;
    for (let i = 0; i < ev.levers.length; i++) {
      const l = ev.levers[i]!;
      if (!(cur.levels[i]! > l.min)) continue;
      const lv = Float64Array.from(cur.levels);
      lv[i] = prevLevel(lv[i]!, l.min);
      const cand = c.at(lv);
      if (better(cand, cur)) {
        cur = cand;
        changed = true;
      }
    }
    for (let i = 0; i < ev.levers.length && c.n < budget; i++) {
      const li = ev.levers[i]!;
      if (!(cur.levels[i]! > li.min)) continue;
      for (let j = 0; j < ev.levers.length && c.n < budget; j++) {
        if (j === i || cur.levels[j]! >= ev.levers[j]!.steps || !related(i, j)) continue;
        const lv = Float64Array.from(cur.levels);
        lv[i] = prevLevel(lv[i]!, li.min);
        lv[j] = nextLevel(lv[j]!);
        const cand = c.at(lv);
        if (better(cand, cur)) {
          cur = cand;
          changed = true;
          if (!(cur.levels[i]! > li.min)) break;
        }
      }
    }
    if (!wide) continue;
    for (let i = 0; i < ev.levers.length && c.n < budget; i++) {
      const l = ev.levers[i]!;
      // every lower level of an active lever, the rest refilled by the greedy with this lever held there
      for (let k = prevLevel(cur.levels[i]!, l.min); cur.levels[i]! > l.min && c.n < budget; k = prevLevel(k, l.min)) {
        const lv = Float64Array.from(cur.levels);
        lv[i] = k;
        const cand = greedyFrom(c, c.at(lv), new Set([i]));
        if (better(cand, cur)) {
          cur = cand;
          changed = true;
          break;
        }
        if (k <= l.min) break;
      }
    }
  }
  return cur;
}

function exact(c: Counter, incumbent: Evaluation): Evaluation {
  const ev = c.ev;
  const n = ev.levers.length;
  const grids = ev.levers.map((l) => leverGrid(l.min, l.steps));
  // each lever's own fee + half-spread at each grid level (no derived hedges): a lower bound of its share
  const none = new Map<string, number>();
  const lin = grids.map((g, i) =>
    g.map((k) => {
      const lv = ev.minimum().fill(0);
      lv[i] = k;
      return ev.evaluate(lv, { hedges: none }).linearCost;
    }),
  );
  const minLin = lin.map((xs) => Math.min(...xs));
  const restLb = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) restLb[i] = restLb[i + 1]! + minLin[i]!;
  let best = incumbent;
  const levels = Float64Array.from(grids, (g) => g[0]!);
  const rec = (i: number, lb: number): void => {
    if (i === n) {
      const e = c.at(levels);
      if (better(e, best)) best = e;
      return;
    }
    const g = grids[i]!;
    for (let k = 0; k < g.length; k++) {
      const bound = lb + lin[i]![k]! + restLb[i + 1]!;
      if (best.valid && best.violation <= VIOLATION_EPS && bound > best.cost * (1 + 1e-9) + 1e-9) continue;
      levels[i] = g[k]!;
      rec(i + 1, lb + lin[i]![k]!);
    }
    levels[i] = g[0]!;
  };
  rec(0, 0);
  return best;
}

/**
 * 'auto' is exact when the grid has at most `exactLimit` points and every lever acts on one position (a class
 * lever means a large account: each point costs a rebuild of many positions). The greedy runs with screening
 * (evaluate.ts), then its result is evaluated exactly and, if screening hid a shortfall, repaired by the greedy
 * and the local improvement without screening.
 */
export function search(ev: Evaluator, mode: 'auto' | 'exact' | 'greedy', exactLimit: number, budget = 5000): SearchResult {
  const c = new Counter(ev);
  const size = gridSize(ev);
  const small = size <= exactLimit && ev.levers.every((l) => l.kind !== 'reduce' || l.positions.length === 1);
  if (mode === 'exact' || (mode === 'auto' && small)) {
    const greedy = improve(c, greedyFrom(c, c.at(ev.minimum()), new Set()), c.n + budget);
    return { best: exact(c, greedy), method: 'exact', evaluations: c.n, gridSize: size };
  }
  ev.screen = true;
  // a class lever means a large account (each point rebuilds many positions): keep the improvement narrow
  const wide = ev.levers.length <= 8 && ev.levers.every((l) => l.kind !== 'reduce' || l.positions.length === 1);
  let best: Evaluation;
  try {
    best = greedyFrom(c, c.at(ev.minimum()), new Set(), true);
    best = improve(c, best, c.n + (wide ? budget : Math.max(4 * ev.levers.length, c.n)), wide);
  } finally {
    ev.screen = false;
  }
  const checked = c.at(best.levels);
  best = better(best, checked) ? improve(c, greedyFrom(c, checked, new Set(), !wide), c.n + budget, wide) : checked;
  return { best, method: 'greedy', evaluations: c.n, gridSize: size };
}
