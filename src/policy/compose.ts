/**
 * Composition: evaluate every policy and merge their votes into one. Pure and deterministic: the same votes in the
 * same config order give the same merged vote.
 *
 * Merge rules (mergeVotes):
 * - state: the strictest vote (ACTIVE < REDUCING < HALTED).
 * - reasons: every policy's reasons, concatenated in config order; notes of the merge itself (policy "compose")
 *   follow.
 * - target-gross: one intent, the minimum maxGrossUsd (first in config order on a tie).
 * - target-exposure, per asset: the intersection of the ranges, [max of minUsd, min of maxUsd], its policy the
 *   policies whose bounds bind ("a+b"). An empty intersection keeps the most reducing bound: of the two crossing
 *   bounds, the one nearer 0 (the upper one on a tie), as the range between 0 and it, and says so
 *   (TARGET_EXPOSURE_CONFLICT): safety wins over a policy that wants more exposure.
 * - target-health, per account: the maximum minHealth.
 * - reduce-position, per (account, position): the maximum fraction.
 * - hedge-delta, per asset: the target nearest 0 (the most hedged; first in config order on a tie).
 * - buy-protection: all kept, in config order; per asset the summed budget is capped at the largest single
 *   budgetUsd and the summed notional at the largest single notionalUsd, scaling each intent pro rata
 *   (BUY_PROTECTION_CAPPED): several rules firing together never spend or cover more than the most generous one.
 * - increase-gross: only when the merged state is ACTIVE and no reducing intent (target-gross, target-exposure,
 *   target-health, reduce-position) remains; then the minimum targetGrossUsd. Otherwise dropped with
 *   INCREASE_GROSS_SUPPRESSED.
 * - Order of the merged intents: by kind as listed above (INTENT_ORDER), then by asset / account / position
 *   (code-unit string order, positions numerically), buy-protection then in config order.
 *
 * composePolicies: a Policy over the others, its state { [policy name]: that policy's state } (plain JSON; a policy
 * without a state starts from its initialState, states of removed policies are dropped). A policy that throws
 * votes REDUCING with POLICY_ERROR and keeps its state: one broken policy never silences the others.
 */
import { ValidationError } from '../errors/index.ts';
import { reason, strictest, vote } from './common.ts';
import type { Intent, IntentKind, Policy, PolicyContext, QuietBand, Reason, TradingState, Vote } from './types.ts';

export const COMPOSE = 'compose';

export const INTENT_ORDER: readonly IntentKind[] = ['target-gross', 'target-exposure', 'target-health', 'reduce-position', 'hedge-delta', 'buy-protection', 'increase-gross'];

const REDUCING_KINDS: ReadonlySet<IntentKind> = new Set(['target-gross', 'target-exposure', 'target-health', 'reduce-position']);

export interface PolicyEvaluation {
  readonly policy: string;
  readonly type: string;
  readonly vote: Vote;
}

type Of<K extends IntentKind> = Extract<Intent, { kind: K }>;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Group intents of one kind by key, keeping first-seen order inside each group. */
function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const g = m.get(k);
    if (g !== undefined) g.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** The element with the smallest score, the first on a tie. */
function pick<T>(xs: readonly T[], score: (x: T) => number): T {
  if (xs.length === 0) throw new Error('pick: empty group');
  let best: T = xs[0] as T;
  for (const x of xs) if (score(x) < score(best)) best = x;
  return best;
}

const names = (xs: readonly { policy: string }[]): string => [...new Set(xs.map((x) => x.policy))].join('+');

const KIND_BIT: Readonly<Record<IntentKind, number>> = {
  'target-gross': 1,
  'target-exposure': 2,
  'target-health': 4,
  'reduce-position': 8,
  'hedge-delta': 16,
  'buy-protection': 32,
  'increase-gross': 64,
};

function ofKind<K extends IntentKind>(all: readonly Intent[], k: K): Of<K>[] {
  return all.filter((i): i is Of<K> => i.kind === k);
}

/** Merge votes given in config order (see the module doc for the rules). */
export function mergeVotes(evaluations: readonly PolicyEvaluation[]): Vote {
  let state: TradingState = 'ACTIVE';
  const reasons: Reason[] = [];
  const all: Intent[] = [];
  for (const e of evaluations) {
    state = strictest(state, e.vote.state);
    reasons.push(...e.vote.reasons);
    all.push(...e.vote.intents);
  }
  // no intents: nothing to merge (the same vote the rules below give)
  if (all.length === 0) return vote(state, reasons, []);
  const notes: Reason[] = [];
  const merged: Intent[] = [];
  // kinds present: the grouping below runs only for those (it runs on every bar of a backtest)
  let kinds = 0;
  for (const i of all) kinds |= KIND_BIT[i.kind];
  const has = (k: IntentKind): boolean => (kinds & KIND_BIT[k]) !== 0;

  const gross = ofKind(all, 'target-gross');
  if (gross.length > 0) merged.push(pick(gross, (i) => i.maxGrossUsd));

  if (has('target-exposure')) {
    for (const [asset, xs] of [...groupBy(ofKind(all, 'target-exposure'), (i) => i.asset)].sort(([a], [b]) => cmp(a, b))) {
      const lo = pick(xs, (i) => -i.minUsd);
      const hi = pick(xs, (i) => i.maxUsd);
      if (lo.minUsd <= hi.maxUsd) {
        merged.push({ kind: 'target-exposure', policy: names([lo, hi]), asset, minUsd: lo.minUsd, maxUsd: hi.maxUsd });
        continue;
      }
      const useLo = Math.abs(lo.minUsd) < Math.abs(hi.maxUsd);
      const x = useLo ? lo.minUsd : hi.maxUsd;
      const keep = useLo ? lo : hi;
      merged.push({ kind: 'target-exposure', policy: keep.policy, asset, minUsd: Math.min(0, x), maxUsd: Math.max(0, x) });
      notes.push(
        reason(
          COMPOSE,
          'TARGET_EXPOSURE_CONFLICT',
          `${asset}: ${lo.policy} wants at least ${lo.minUsd} USD but ${hi.policy} at most ${hi.maxUsd} USD; kept the most reducing bound (${keep.policy}): [${Math.min(0, x)}, ${Math.max(0, x)}]`,
        ),
      );
    }
  }

  if (has('target-health')) {
    for (const [, xs] of [...groupBy(ofKind(all, 'target-health'), (i) => i.account)].sort(([a], [b]) => cmp(a, b))) merged.push(pick(xs, (i) => -i.minHealth));
  }

  const positions = !has('reduce-position') ? [] : [...groupBy(ofKind(all, 'reduce-position'), (i) => `${i.account}\u0000${i.position}`).values()].sort((a, b) => cmp(a[0]!.account, b[0]!.account) || a[0]!.position - b[0]!.position);
  for (const xs of positions) merged.push(pick(xs, (i) => -i.fraction));

  if (has('hedge-delta')) {
    for (const [, xs] of [...groupBy(ofKind(all, 'hedge-delta'), (i) => i.asset)].sort(([a], [b]) => cmp(a, b))) merged.push(pick(xs, (i) => Math.abs(i.targetDelta)));
  }

  if (has('buy-protection')) {
    for (const [asset, xs] of [...groupBy(ofKind(all, 'buy-protection'), (i) => i.asset)].sort(([a], [b]) => cmp(a, b))) {
      const budget = xs.reduce((a, i) => a + i.budgetUsd, 0);
      const notional = xs.reduce((a, i) => a + i.notionalUsd, 0);
      const maxBudget = Math.max(...xs.map((i) => i.budgetUsd));
      const maxNotional = Math.max(...xs.map((i) => i.notionalUsd));
      const kb = budget > maxBudget ? maxBudget / budget : 1;
      const kn = notional > maxNotional ? maxNotional / notional : 1;
      if (kb < 1 || kn < 1)
        notes.push(
          reason(COMPOSE, 'BUY_PROTECTION_CAPPED', `${asset}: ${xs.length} protection intents (${names(xs)}) scaled to the largest single budget ${maxBudget} USD and notional ${maxNotional} USD`),
        );
      for (const i of xs) merged.push(kb < 1 || kn < 1 ? { ...i, budgetUsd: i.budgetUsd * kb, notionalUsd: i.notionalUsd * kn } : i);
    }
  }

  const up = has('increase-gross') ? ofKind(all, 'increase-gross') : [];
  if (up.length > 0) {
    const reducing = merged.filter((i) => REDUCING_KINDS.has(i.kind));
    if (state === 'ACTIVE' && reducing.length === 0) merged.push(pick(up, (i) => i.targetGrossUsd));
    else
      notes.push(
        reason(
          COMPOSE,
          'INCREASE_GROSS_SUPPRESSED',
          `increase-gross from ${names(up)} dropped: ${state !== 'ACTIVE' ? `state is ${state}` : `reducing intents from ${names(reducing)}`}`,
        ),
      );
  }
  return vote(state, [...reasons, ...notes], merged);
}

export type ComposedState = Readonly<Record<string, unknown>>;

export interface ComposedResult {
  readonly vote: Vote;
  readonly state: ComposedState;
  /** Each policy's own vote, in config order (for explanations). */
  readonly evaluations: readonly PolicyEvaluation[];
}

export interface ComposedPolicy extends Policy<ComposedState> {
  readonly policies: readonly Policy[];
  evaluateAll(ctx: PolicyContext, state: ComposedState): ComposedResult;
  /** Reset the named policies (default: all) that have a reset; others keep their state. */
  reset(state: ComposedState, ctx: PolicyContext, names?: readonly string[]): ComposedState;
}

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

export function composePolicies(policies: readonly Policy[], name = 'policies'): ComposedPolicy {
  const seen = new Map<string, number>();
  const issues = policies.flatMap((p, i) => {
    const first = seen.get(p.name);
    if (first === undefined) {
      seen.set(p.name, i);
      return [];
    }
    return [{ path: `policies[${i}].name`, value: p.name, message: `duplicate policy name (policies[${first}] has it too): give one of them a name` }];
  });
  if (issues.length > 0) throw new ValidationError('policies', issues);

  const stateOf = (p: Policy, ctx: PolicyContext, state: ComposedState): unknown => (Object.hasOwn(state, p.name) ? state[p.name] : p.initialState(ctx));

  const evaluateAll = (ctx: PolicyContext, state: ComposedState): ComposedResult => {
    const next: Record<string, unknown> = {};
    const evaluations: PolicyEvaluation[] = [];
    for (const p of policies) {
      let s: unknown = Object.hasOwn(state, p.name) ? state[p.name] : undefined;
      try {
        s = stateOf(p, ctx, state);
        const r = p.evaluate(ctx, s);
        next[p.name] = r.state;
        evaluations.push({ policy: p.name, type: p.type, vote: r.vote });
      } catch (e) {
        if (s !== undefined) next[p.name] = s;
        evaluations.push({ policy: p.name, type: p.type, vote: vote('REDUCING', [reason(p.name, 'POLICY_ERROR', `policy failed, failing safe: ${errorText(e)}`)]) });
      }
    }
    return { vote: mergeVotes(evaluations), state: next, evaluations };
  };

  return {
    type: 'composite',
    name,
    policies,
    initialState: (ctx) => Object.fromEntries(policies.map((p) => [p.name, p.initialState(ctx)])),
    evaluate: (ctx, state) => {
      const r = evaluateAll(ctx, state);
      return { vote: r.vote, state: r.state };
    },
    evaluateAll,
    // the intersection of every policy's band; none when any policy has none (or fails)
    quiet: (ctx, state) => {
      let minEquity = -Infinity;
      let maxEquity = Infinity;
      let until = Infinity;
      for (const p of policies) {
        if (!p.quiet) return null;
        let q: QuietBand | null;
        try {
          q = p.quiet(ctx, stateOf(p, ctx, state));
        } catch {
          return null;
        }
        if (!q) return null;
        if (q.minEquity > minEquity) minEquity = q.minEquity;
        if (q.maxEquity < maxEquity) maxEquity = q.maxEquity;
        if (q.until < until) until = q.until;
      }
      return minEquity <= maxEquity ? { minEquity, maxEquity, until } : null;
    },
    reset: (state, ctx, only) => {
      const next: Record<string, unknown> = { ...state };
      for (const p of policies) {
        if (only && !only.includes(p.name)) continue;
        if (p.reset) next[p.name] = p.reset(stateOf(p, ctx, state), ctx);
      }
      return next;
    },
  };
}
