/**
 * From intents to the planner's search space: LEVERS (candidate actions with a grid of levels 0..steps) and
 * TARGETS (what the plan must meet).
 *
 * Levers (level x of `steps`, default 10 = 10 % slices):
 * - reduce: cut a position (or, in an account with more than maxPositionLevers positions, a class of positions
 *   pro rata: per underlying long / short linear, long / short calls, long / short puts) by x/steps; x = steps
 *   closes it. For a health target: the positions of an account below it; for gross / exposure targets: the
 *   positions whose delta has the sign of the book's excess. Realised P&L, released isolated margin, proceeds and costs land in the position's cash
 *   (context.ts).
 * - transfer: move x/steps of a reserve (config `reserve`, or another account's stable collateral when
 *   useFreeCollateral) into an account below its health target: its collateral, or the margin of one isolated
 *   position below target. Only assets the destination's margin model counts.
 * - repay: repay x/steps of a debt of a lending account below target, from its own supplied assets (swapped when
 *   another asset: a trade), or from a reserve.
 * - hedge: a perp on the hedge account, x/steps of the book's net delta of the underlying, against it (for
 *   target-gross and target-exposure; hedge-delta intents are met exactly by a derived hedge, ./evaluate.ts); and
 *   for a Deribit portfolio-margin account below its health target, a perp in that account against its own
 *   delta (it shrinks the grid's scenario losses).
 * - buy-option: a protective put, forced (level 1 of 1).
 * Intents merge as policy/compose.ts merges them (planFromVote gets them merged already; planBook may get raw
 * ones): target-health per account: the highest minHealth; target-gross: the lowest maximum; target-exposure per
 * asset: the intersection of the ranges (empty: unmet here, compose.ts resolves it first); hedge-delta per asset:
 * the target nearest 0 (the first on a tie); reduce-position per position: the largest fraction (a forced minimum
 * level, not rounded to the grid); buy-protection: each one; increase-gross: the lowest targetGrossUsd.
 * - increase (increase-gross, ACTIVE only; not in `levers` but in `increases`: the search never moves them): per
 *   account and underlying, the account's perps, futures (not expired) and long spot positions whose delta has the
 *   sign of the book's net exposure in that underlying, cross-margined (an isolated position would need margin
 *   moved with it), on an underlying without a hedge-delta target (its derived hedge would undo the increase).
 *   Level k (continuous, >= 0): every one of these positions grows by the fraction k of its size, in its own
 *   direction; ./boost.ts picks k (and holds at 0 the levers of an underlying the rest of the plan sells down).
 * State rules: REDUCING keeps only levers that cannot add risk: reduces of positions whose delta has the sign of
 * their account's exposure in that underlying (the evaluation also forbids crossing zero), hedges (checked on the
 * book's net), transfers, repays, protective puts. HALTED keeps only levers matching a configured protective exit.
 * Neither plans an increase: an increase-gross intent outside ACTIVE is ignored (a note).
 */
import type { Account, Position } from '../model/types.ts';
import type { Intent, TradingState } from '../policy/types.ts';
import type { ProtectiveExit } from './config.ts';
import type { AccountCtx, BookContext } from './context.ts';
import { pricePut, type PutSpec } from './puts.ts';
import type { OrderKind } from './types.ts';

export interface Reasoned {
  readonly policy: string;
  readonly code: string;
  readonly text: string;
}

interface LeverBase {
  readonly id: string;
  /** Account acted on: the reduced one, the transfer's destination, the debtor, the hedge or option account. */
  readonly account: number;
  readonly asset: string;
  readonly steps: number;
  /** Forced minimum level (reduce-position, buy-protection). */
  readonly min: number;
  readonly reasons: readonly Reasoned[];
}

export interface ReduceLever extends LeverBase {
  readonly kind: 'reduce';
  /** Array indices of the positions, cut pro rata. */
  readonly positions: readonly number[];
  readonly label: string;
}

export type Source =
  | { readonly kind: 'account'; readonly id: string; readonly account: number; readonly asset: string; readonly amount: number }
  | { readonly kind: 'external'; readonly id: string; readonly name: string; readonly asset: string; readonly amount: number }
  | { readonly kind: 'own'; readonly asset: string };

export interface TransferLever extends LeverBase {
  readonly kind: 'transfer';
  readonly source: Exclude<Source, { kind: 'own' }>;
  /** Units of the asset per level. */
  readonly unit: number;
  /** Array index of the isolated position whose margin is topped up; null: the account's collateral. */
  readonly position: number | null;
}

export interface RepayLever extends LeverBase {
  readonly kind: 'repay';
  /** Array index of the borrow position. */
  readonly debt: number;
  /** Units of debt per level. */
  readonly unit: number;
  readonly source: Source;
}

export interface HedgeLever extends LeverBase {
  readonly kind: 'hedge';
  /** Signed coins per level. */
  readonly unit: number;
}


export interface PutLever extends LeverBase {
  readonly kind: 'buy-option';
  readonly put: PutSpec;
}

/**
 * Grow positions pro rata in their own direction (increase-gross). `steps` 0: the search never moves it; its level
 * is the growth fraction k itself (0.25: every position of the lever grows by 25 % of its size), set by ./boost.ts.
 */
export interface IncreaseLever extends LeverBase {
  readonly kind: 'increase';
  /** Array indices of the positions, grown pro rata. */
  readonly positions: readonly number[];
  readonly label: string;
  /** |delta x mark| of the positions now (USD): what k = 1 adds to the gross exposure at the current marks. */
  readonly exposureUsd: number;
}

export type { PutSpec };

export type Lever = ReduceLever | TransferLever | RepayLever | HedgeLever | PutLever | IncreaseLever;

/** The merged increase-gross intent: grow the gross exposure up to `target` USD. */
export interface IncreaseGoal {
  readonly target: number;
  readonly reasons: readonly Reasoned[];
}

export type Target =
  | { readonly kind: 'health'; readonly account: number; readonly min: number; readonly reasons: readonly Reasoned[] }
  | { readonly kind: 'gross'; readonly max: number; readonly scale: number; readonly reasons: readonly Reasoned[] }
  | { readonly kind: 'exposure'; readonly asset: string; readonly min: number; readonly max: number; readonly scale: number; readonly reasons: readonly Reasoned[] }
  | {
      readonly kind: 'delta';
      readonly asset: string;
      readonly target: number;
      /** Hedge account index, -1 when none can hold the perp. */
      readonly hedge: number;
      /** False when the state forbids the hedge (HALTED without a matching exit). */
      readonly allowed: boolean;
      readonly scale: number;
      readonly reasons: readonly Reasoned[];
    };

export interface SearchSpace {
  readonly levers: readonly Lever[];
  /** Increase levers (after `levers` in an evaluator that sizes a boost), empty without a plannable increase-gross. */
  readonly increases: readonly IncreaseLever[];
  /** The merged increase-gross intent, when one is planned (ACTIVE). */
  readonly increase: IncreaseGoal | null;
  readonly targets: readonly Target[];
  /** Intents that cannot be served at all, with why. */
  readonly unmet: readonly string[];
  readonly notes: readonly string[];
}

const CODES: Readonly<Record<Intent['kind'], string>> = {
  'target-gross': 'TARGET_GROSS',
  'target-exposure': 'TARGET_EXPOSURE',
  'target-health': 'TARGET_HEALTH',
  'reduce-position': 'REDUCE_POSITION',
  'hedge-delta': 'HEDGE_DELTA',
  'buy-protection': 'BUY_PROTECTION',
  'increase-gross': 'INCREASE_GROSS',
};

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(4)).toString());

function describe(i: Intent): string {
  switch (i.kind) {
    case 'target-gross':
      return `gross exposure <= ${fmt(i.maxGrossUsd)} USD`;
    case 'target-exposure':
      return `${i.asset} exposure in [${fmt(i.minUsd)}, ${fmt(i.maxUsd)}] USD`;
    case 'target-health':
      return `health of ${i.account} >= ${fmt(i.minHealth)}`;
    case 'reduce-position':
      return `reduce ${i.account} position #${i.position} by ${fmt(i.fraction * 100)} %`;
    case 'hedge-delta':
      return `${i.asset} net delta to ${fmt(i.targetDelta)}`;
    case 'buy-protection':
      return `${i.asset} puts at ${fmt(i.strikeFraction * 100)} % of spot, ${fmt(i.expiryDays)} days, ${fmt(i.notionalUsd)} USD notional, budget ${fmt(i.budgetUsd)} USD`;
    case 'increase-gross':
      return `gross exposure up to ${fmt(i.targetGrossUsd)} USD`;
  }
}

/** Reason of an intent: its policy, the policy's first reason code when the vote gives one, else the intent's code. */
const reasonOf = (i: Intent, codes: ReadonlyMap<string, string>): Reasoned => ({ policy: i.policy, code: codes.get(i.policy) ?? CODES[i.kind], text: describe(i) });

const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

const REDUCIBLE = new Set<Position['kind']>(['perp', 'future', 'spot', 'option']);

/** Can this account hold a new perp on `asset` (cross-margined)? */
function canHedge(a: Account, asset: string): boolean {
  const v = a.venue;
  if (v.model === 'tiered') return a.mode === 'cross' && (v.tiers[asset] ?? v.tiers['*']) !== undefined;
  if (v.model === 'weighted') return a.mode !== 'isolated' && v.perps[asset] !== undefined;
  return v.model === 'deribit';
}

/** Does the account's margin model count collateral of `asset` (for the destination of a transfer)? */
function countsCollateral(a: Account, asset: string): boolean {
  const v = a.venue;
  switch (v.model) {
    case 'tiered':
      return a.mode === 'cross';
    case 'deribit':
      return a.positions.some((p) => (p.kind === 'option' || p.kind === 'perp' || p.kind === 'future') && (p.settle === 'inverse' ? p.asset : 'USDC') === asset);
    case 'lending':
      return (v.assets[asset]?.liquidationThreshold ?? 0) > 0;
    case 'weighted':
      return asset === 'USD' || (v.spot[asset]?.maintenanceAssetWeight ?? 0) > 0;
  }
}

const exitMatches = (e: ProtectiveExit, kind: OrderKind, account: string, asset: string, policies: readonly string[]): boolean =>
  (e.kind === undefined || e.kind === kind || (e.kind === 'reduce' && kind === 'close') || (e.kind === 'close' && kind === 'reduce')) &&
  (e.account === undefined || e.account === account) &&
  (e.asset === undefined || e.asset === asset) &&
  (e.policy === undefined || policies.includes(e.policy));

export function buildSearchSpace(ctx: BookContext, intents: readonly Intent[], state: TradingState, codes: ReadonlyMap<string, string>): SearchSpace {
  const o = ctx.options;
  const steps = o.steps;
  const unmet: string[] = [];
  const notes: string[] = [];
  const strict = state !== 'ACTIVE';
  const allowed = (kind: OrderKind, account: string, asset: string, reasons: readonly Reasoned[]): boolean =>
    state !== 'HALTED' ||
    o.protectiveExits.some((e) =>
      exitMatches(
        e,
        kind,
        account,
        asset,
        reasons.map((r) => r.policy),
      ),
    );
  const idOf = (i: number): string => ctx.accounts[i]!.account.id;
  const accountIndex = (id: string, intent: Intent): number | undefined => {
    const i = ctx.byId.get(id);
    if (i === undefined) unmet.push(`${describe(intent)} (${intent.policy}): no account ${JSON.stringify(id)}`);
    return i;
  };

  // ---- merge intents
  const health = new Map<number, { min: number; reasons: Reasoned[] }>();
  let gross: { max: number; reasons: Reasoned[] } | undefined;
  const exposure = new Map<string, { min: number; max: number; reasons: Reasoned[] }>();
  const delta = new Map<string, { target: number; reasons: Reasoned[] }>();
  const forced = new Map<string, { account: number; j: number; fraction: number; reasons: Reasoned[] }>();
  const puts: { intent: Extract<Intent, { kind: 'buy-protection' }>; reason: Reasoned }[] = [];
  let boost: { target: number; reasons: Reasoned[] } | undefined;
  for (const it of intents) {
    const r = reasonOf(it, codes);
    switch (it.kind) {
      case 'target-health': {
        const a = accountIndex(it.account, it);
        if (a === undefined) break;
        const h = health.get(a);
        if (h) {
          h.min = Math.max(h.min, it.minHealth);
          h.reasons.push(r);
        } else health.set(a, { min: it.minHealth, reasons: [r] });
        break;
      }
      case 'target-gross':
        if (gross) {
          gross.max = Math.min(gross.max, it.maxGrossUsd);
          gross.reasons.push(r);
        } else gross = { max: it.maxGrossUsd, reasons: [r] };
        break;
      case 'target-exposure': {
        const e = exposure.get(it.asset);
        if (e) {
          e.min = Math.max(e.min, it.minUsd);
          e.max = Math.min(e.max, it.maxUsd);
          e.reasons.push(r);
        } else exposure.set(it.asset, { min: it.minUsd, max: it.maxUsd, reasons: [r] });
        break;
      }
      case 'hedge-delta': {
        const d = delta.get(it.asset);
        if (d === undefined) delta.set(it.asset, { target: it.targetDelta, reasons: [r] });
        else {
          notes.push(`${it.asset} hedge-delta: ${Math.abs(it.targetDelta) < Math.abs(d.target) ? `${it.policy}'s target replaces` : `${it.policy}'s target yields to`} the one nearer 0`);
          if (Math.abs(it.targetDelta) < Math.abs(d.target)) delta.set(it.asset, { target: it.targetDelta, reasons: [r] });
        }
        break;
      }
      case 'reduce-position': {
        const a = accountIndex(it.account, it);
        if (a === undefined) break;
        const j = ctx.accounts[a]!.account.positions.findIndex((p) => p.index === it.position);
        const p = ctx.accounts[a]!.account.positions[j];
        if (p === undefined || !REDUCIBLE.has(p.kind)) {
          unmet.push(`${describe(it)} (${it.policy}): ${p === undefined ? 'no such position' : `a ${p.kind} position is repaid, not reduced`}`);
          break;
        }
        const key = `${a}:${j}`;
        const f = forced.get(key);
        if (f) {
          f.fraction = Math.max(f.fraction, it.fraction);
          f.reasons.push(r);
        } else forced.set(key, { account: a, j, fraction: Math.min(Math.max(it.fraction, 0), 1), reasons: [r] });
        break;
      }
      case 'buy-protection':
        puts.push({ intent: it, reason: r });
        break;
      case 'increase-gross':
        if (strict) notes.push(`${describe(it)} (${it.policy}): ignored in ${state}, exposure is added in ACTIVE only`);
        else if (!(it.targetGrossUsd >= 0 && Number.isFinite(it.targetGrossUsd))) unmet.push(`${describe(it)} (${it.policy}): not a finite amount >= 0`);
        else if (boost) {
          boost.target = Math.min(boost.target, it.targetGrossUsd);
          boost.reasons.push(r);
        } else boost = { target: it.targetGrossUsd, reasons: [r] };
        break;
    }
  }
  for (const [u, e] of exposure) if (e.min > e.max) unmet.push(`${u} exposure: the ranges of ${e.reasons.map((r) => r.policy).join(', ')} do not intersect`);

  // ---- targets
  const targets: Target[] = [];
  for (const [a, h] of [...health.entries()].sort(([x], [y]) => x - y)) targets.push({ kind: 'health', account: a, min: h.min, reasons: h.reasons });
  let grossNow = 0;
  for (const [u, n] of ctx.net) grossNow += Math.abs(n * ctx.prices(u));
  if (gross) targets.push({ kind: 'gross', max: gross.max, scale: Math.max(grossNow, 1), reasons: gross.reasons });
  for (const [u, e] of [...exposure.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) {
    targets.push({ kind: 'exposure', asset: u, min: e.min, max: e.max, scale: Math.max(Math.abs((ctx.net.get(u) ?? 0) * ctx.prices(u)), 1), reasons: e.reasons });
  }
  const hedgeAccount = (u: string): number => {
    const named = o.hedgeAccounts[u];
    if (named !== undefined) {
      const i = ctx.byId.get(named);
      if (i !== undefined && canHedge(ctx.accounts[i]!.account, u)) return i;
      notes.push(`hedgeAccounts.${u} = ${JSON.stringify(named)} ${i === undefined ? 'is no account' : 'cannot hold a cross-margined perp'}: using the default`);
    }
    return ctx.accounts.findIndex((a) => canHedge(a.account, u));
  };
  for (const [u, d] of [...delta.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const h = ctx.market.prices[u] === undefined ? -1 : hedgeAccount(u);
    if (h < 0) unmet.push(`${u} net delta to ${fmt(d.target)}: no account can hold a perp on ${u}`);
    const ok = h >= 0 && allowed('hedge', idOf(h), u, d.reasons);
    if (h >= 0 && !ok) unmet.push(`${u} net delta to ${fmt(d.target)}: HALTED and no protective exit allows the hedge`);
    const scale = Math.max(Math.abs((ctx.net.get(u) ?? 0) - d.target), 1e-9);
    targets.push({ kind: 'delta', asset: u, target: d.target, hedge: h, allowed: ok, scale, reasons: d.reasons });
  }

  const levers: Lever[] = [];

  // ---- transfers and repays (accounts below their health target)
  const sources: Exclude<Source, { kind: 'own' }>[] = [];
  o.reserves.forEach((r, i) => {
    const a = ctx.byId.get(r.account);
    if (a === undefined) sources.push({ kind: 'external', id: `reserve${i}`, name: r.account, asset: r.asset, amount: r.amount });
    else {
      const held = ctx.accounts[a]!.account.collateral[r.asset] ?? 0;
      if (held > 0) sources.push({ kind: 'account', id: `reserve${i}`, account: a, asset: r.asset, amount: Math.min(r.amount, held) });
      else notes.push(`reserve ${r.account} holds no ${r.asset}`);
    }
  });
  if (o.useFreeCollateral) {
    for (const a of ctx.accounts) {
      for (const [asset, amount] of Object.entries(a.account.collateral).sort(([x], [y]) => (x < y ? -1 : 1))) {
        if (!ctx.isStable(asset) || !(amount > 0)) continue;
        if (sources.some((s) => s.kind === 'account' && s.account === a.idx && s.asset === asset)) continue;
        sources.push({ kind: 'account', id: `free:${a.account.id}:${asset}`, account: a.idx, asset, amount });
      }
    }
  }
  for (const t of targets) {
    if (t.kind !== 'health') continue;
    const a = ctx.accounts[t.account]!;
    if (!(a.terms.health < t.min)) continue;
    const acc = a.account;
    for (const s of sources) {
      if (s.kind === 'account' && s.account === a.idx) {
        // an isolated account's own free collateral can top up its positions; a cross account's is already in
        if (!(acc.mode === 'isolated')) continue;
      }
      if (!allowed('transfer', acc.id, s.asset, t.reasons)) continue;
      if (acc.mode === 'isolated' && acc.venue.model === 'tiered') {
        acc.positions.forEach((p, j) => {
          if (p.kind !== 'perp' && p.kind !== 'future') return;
          const coin = p.settle === 'inverse';
          if (coin ? s.asset !== p.asset : !ctx.isStable(s.asset)) return;
          const bucketHealth = isolatedHealth(a, j, ctx);
          if (!(bucketHealth < t.min)) return;
          levers.push({ kind: 'transfer', id: `transfer:${s.id}>${acc.id}#${p.index}`, account: a.idx, asset: s.asset, steps, min: 0, reasons: t.reasons, source: s, unit: s.amount / steps, position: j });
        });
      } else if (countsCollateral(acc, s.asset) && !(s.kind === 'account' && s.account === a.idx)) {
        levers.push({ kind: 'transfer', id: `transfer:${s.id}>${acc.id}`, account: a.idx, asset: s.asset, steps, min: 0, reasons: t.reasons, source: s, unit: s.amount / steps, position: null });
      }
    }
    if (acc.venue.model === 'lending') {
      const own = new Set<string>();
      for (const [asset, v] of Object.entries(acc.collateral)) if (v > 0) own.add(asset);
      for (const p of acc.positions) if (p.kind === 'supply' && p.qty > 0) own.add(p.asset);
      acc.positions.forEach((p, j) => {
        if (p.kind !== 'borrow' || !(p.qty > 0)) return;
        if (!allowed('repay', acc.id, p.asset, t.reasons)) return;
        const repaySources: Source[] = [...[...own].sort().map((asset): Source => ({ kind: 'own', asset })), ...sources.filter((s) => !(s.kind === 'account' && s.account === a.idx))];
        for (const s of repaySources) {
          const sid = s.kind === 'own' ? `own:${s.asset}` : s.id;
          levers.push({ kind: 'repay', id: `repay:${acc.id}#${p.index}<${sid}`, account: a.idx, asset: p.asset, steps, min: 0, reasons: t.reasons, debt: j, unit: p.qty / steps, source: s });
        }
      });
    }
  }

  // ---- reduces
  const candidates = new Map<number, Map<number, Reasoned[]>>();
  const want = (a: number, j: number, r: readonly Reasoned[]): void => {
    let m = candidates.get(a);
    if (!m) candidates.set(a, (m = new Map<number, Reasoned[]>()));
    const list = m.get(j);
    if (list) for (const x of r) if (!list.includes(x)) list.push(x);
    if (!list) m.set(j, [...r]);
  };
  const reducible = (p: Position): boolean => REDUCIBLE.has(p.kind) && p.qty !== 0 && !ctx.isStable(p.asset);
  for (const t of targets) {
    if (t.kind === 'health') {
      // only accounts below their target act for it: cutting a safe account's positions would help it nothing,
      // or only through the marks its trades move (pushing a price to help another account is not a plan)
      if (!(ctx.accounts[t.account]!.terms.health < t.min)) continue;
      ctx.accounts[t.account]!.account.positions.forEach((p, j) => {
        if (reducible(p)) want(t.account, j, t.reasons);
      });
    } else if (t.kind === 'gross' || t.kind === 'exposure') {
      for (const a of ctx.accounts) {
        a.account.positions.forEach((p, j) => {
          if (!reducible(p)) return;
          if (t.kind === 'exposure' && p.asset !== t.asset) return;
          const n = ctx.net.get(p.asset) ?? 0;
          let dir = sign(n);
          if (t.kind === 'exposure') {
            const usd = n * ctx.prices(p.asset);
            dir = usd > t.max ? 1 : usd < t.min ? -1 : 0;
          }
          if (dir !== 0 && sign(a.delta[j]!) === dir) want(a.idx, j, t.reasons);
        });
      }
    }
  }
  const riskReducing = (a: AccountCtx, j: number): boolean => {
    const p = a.account.positions[j]!;
    const e = a.exposure.get(p.asset) ?? 0;
    return sign(a.delta[j]!) !== 0 && sign(a.delta[j]!) === sign(e);
  };
  const forcedByAccount = new Map<number, Set<number>>();
  for (const f of [...forced.values()].sort((x, y) => x.account - y.account || x.j - y.j)) {
    const a = ctx.accounts[f.account]!;
    const p = a.account.positions[f.j]!;
    const kind: OrderKind = f.fraction >= 1 ? 'close' : 'reduce';
    const why = `${f.reasons.map((r) => r.text).join('; ')} (${f.reasons.map((r) => r.policy).join(', ')})`;
    if (!allowed(kind, a.account.id, p.asset, f.reasons)) {
      unmet.push(`${why}: HALTED and no protective exit allows it`);
      continue;
    }
    if (strict && !riskReducing(a, f.j)) {
      unmet.push(`${why}: would add ${p.asset} exposure to ${a.account.id} in ${state}`);
      continue;
    }
    let s = forcedByAccount.get(f.account);
    if (!s) forcedByAccount.set(f.account, (s = new Set()));
    s.add(f.j);
    const extra = candidates.get(f.account)?.get(f.j) ?? [];
    levers.push({ kind: 'reduce', id: `reduce:${a.account.id}#${p.index}`, account: f.account, asset: p.asset, steps, min: f.fraction * steps, reasons: [...f.reasons, ...extra.filter((x) => !f.reasons.includes(x))], positions: [f.j], label: `#${p.index}` });
  }
  for (const [ai, m] of [...candidates.entries()].sort(([x], [y]) => x - y)) {
    const a = ctx.accounts[ai]!;
    const skip = forcedByAccount.get(ai);
    const js = [...m.keys()].filter((j) => !skip?.has(j)).sort((x, y) => x - y);
    const ok = (j: number): boolean => {
      const p = a.account.positions[j]!;
      const kind: OrderKind = 'reduce';
      return allowed(kind, a.account.id, p.asset, m.get(j)!) && (!strict || riskReducing(a, j));
    };
    const keep = js.filter(ok);
    if (keep.length <= o.maxPositionLevers) {
      for (const j of keep) {
        const p = a.account.positions[j]!;
        levers.push({ kind: 'reduce', id: `reduce:${a.account.id}#${p.index}`, account: ai, asset: p.asset, steps, min: 0, reasons: m.get(j)!, positions: [j], label: `#${p.index}` });
      }
    } else {
      const classes = new Map<string, number[]>();
      for (const j of keep) {
        const p = a.account.positions[j]!;
        const side = p.qty > 0 ? 'long' : 'short';
        const cls = p.kind === 'option' ? `${side}-${p.right}s` : `${side}-linear`;
        const key = `${p.asset}:${cls}`;
        const list = classes.get(key);
        if (list) list.push(j);
        else classes.set(key, [j]);
      }
      for (const [key, list] of [...classes.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) {
        const reasons: Reasoned[] = [];
        for (const j of list) for (const r of m.get(j)!) if (!reasons.includes(r)) reasons.push(r);
        levers.push({ kind: 'reduce', id: `reduce:${a.account.id}:${key}`, account: ai, asset: key.slice(0, key.indexOf(':')), steps, min: 0, reasons, positions: list, label: key });
      }
    }
  }

  // ---- hedges for gross / exposure targets
  const hedgeReasons = new Map<string, Reasoned[]>();
  for (const t of targets) {
    if (t.kind === 'gross') for (const u of ctx.net.keys()) hedgeReasons.set(u, [...(hedgeReasons.get(u) ?? []), ...t.reasons]);
    if (t.kind === 'exposure') hedgeReasons.set(t.asset, [...(hedgeReasons.get(t.asset) ?? []), ...t.reasons]);
  }
  for (const [u, reasons] of [...hedgeReasons.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const n = ctx.net.get(u) ?? 0;
    if (delta.has(u) || n === 0 || ctx.market.prices[u] === undefined) continue;
    const h = hedgeAccount(u);
    if (h < 0 || !allowed('hedge', idOf(h), u, reasons)) continue;
    levers.push({ kind: 'hedge', id: `hedge:${idOf(h)}:${u}`, account: h, asset: u, steps, min: 0, reasons, unit: -n / steps });
  }

  // ---- hedges in the account itself for a portfolio-margined account below its health target: an offsetting
  // perp shrinks the scenario losses its margin is made of (elsewhere a hedge adds margin, it does not free any)
  for (const t of targets) {
    if (t.kind !== 'health') continue;
    const a = ctx.accounts[t.account]!;
    if (a.account.venue.model !== 'deribit' || a.account.mode !== 'portfolio' || !(a.terms.health < t.min)) continue;
    for (const [u, e] of [...a.exposure.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) {
      if (e === 0 || delta.has(u) || !allowed('hedge', a.account.id, u, t.reasons)) continue;
      if (levers.some((l) => l.kind === 'hedge' && l.account === a.idx && l.asset === u)) continue;
      levers.push({ kind: 'hedge', id: `hedge:${a.account.id}:${u}`, account: a.idx, asset: u, steps, min: 0, reasons: t.reasons, unit: -e / steps });
    }
  }

  // ---- protective puts
  puts.forEach(({ intent: it, reason }, i) => {
    const named = o.optionAccounts[it.asset];
    const oi = named !== undefined ? ctx.byId.get(named) : ctx.accounts.findIndex((a) => a.account.venue.model === 'deribit');
    const a = oi === undefined || oi < 0 ? undefined : ctx.accounts[oi];
    if (!a || a.account.venue.model !== 'deribit') {
      unmet.push(`${reason.text} (${it.policy}): no account can hold options${named !== undefined ? ` (optionAccounts.${it.asset} = ${JSON.stringify(named)})` : ''}`);
      return;
    }
    if (!allowed('buy-option', a.account.id, it.asset, [reason])) {
      unmet.push(`${reason.text} (${it.policy}): HALTED and no protective exit allows it`);
      return;
    }
    const put = pricePut(ctx, a, it);
    if (put === null) {
      unmet.push(`${reason.text} (${it.policy}): no price for ${it.asset}`);
      return;
    }
    if (put.filled < 1) unmet.push(`${reason.text} (${it.policy}): the budget buys ${fmt(put.filled * 100)} % of the notional`);
    if (put.qty > 0) levers.push({ kind: 'buy-option', id: `put:${i}:${a.account.id}:${it.asset}`, account: a.idx, asset: it.asset, steps: 1, min: 1, reasons: [reason], put });
  });

  const order: Record<Lever['kind'], number> = { transfer: 0, repay: 1, 'buy-option': 2, reduce: 3, hedge: 4, increase: 5 };
  levers.sort((x, y) => order[x.kind] - order[y.kind] || x.account - y.account || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));

  // ---- increases (ACTIVE only: `boost` is never set in a stricter state)
  const increases: IncreaseLever[] = [];
  if (boost) {
    const hedged = new Set<string>(delta.keys());
    for (const a of ctx.accounts) {
      const byAsset = new Map<string, number[]>();
      a.account.positions.forEach((p, j) => {
        if (p.kind !== 'perp' && p.kind !== 'future' && p.kind !== 'spot') return;
        if (p.qty === 0 || ctx.isStable(p.asset) || ctx.market.prices[p.asset] === undefined || hedged.has(p.asset)) return;
        if (p.kind === 'spot' && p.qty < 0) return; // a short spot is borrowed coin: not grown
        if (p.kind === 'future' && !(p.expiry > ctx.market.asOf)) return;
        if (!Number.isNaN(a.isoMargin[j]!)) return;
        const n = ctx.net.get(p.asset) ?? 0;
        if (n === 0 || sign(a.delta[j]!) !== sign(n)) return;
        const list = byAsset.get(p.asset);
        if (list) list.push(j);
        else byAsset.set(p.asset, [j]);
      });
      for (const [u, js] of [...byAsset.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) {
        let usd = 0;
        for (const j of js) usd += Math.abs(a.delta[j]! * ctx.prices(u));
        const label = js.length === 1 ? `#${a.account.positions[js[0]!]!.index}` : `${u}:${js.map((j) => `#${a.account.positions[j]!.index}`).join('+')}`;
        increases.push({ kind: 'increase', id: `increase:${a.account.id}:${u}`, account: a.idx, asset: u, steps: 0, min: 0, reasons: boost.reasons, positions: js, label, exposureUsd: usd });
      }
    }
    if (increases.length === 0) notes.push(`${boost.reasons.map((r) => r.text).join('; ')} (${boost.reasons.map((r) => r.policy).join(', ')}): no position can be grown (perps, futures, long spot, cross-margined, in the direction of the book's exposure)`);
  }
  return { levers, increases, increase: boost ?? null, targets, unmet, notes };
}

/** Health of the isolated bucket of position j at the marks. */
function isolatedHealth(a: AccountCtx, j: number, ctx: BookContext): number {
  const p = a.account.positions[j]!;
  const kb = a.base.get(p.asset);
  if (!kb) return Infinity;
  const terms = kb.terms(ctx.prices);
  const i = kb.parts.findIndex((b) => b.id === `${a.account.id}#${p.index}`);
  const t = terms[i];
  if (t === undefined) return Infinity;
  if (t.liabilities <= 0) return t.balance - t.maintenance >= 0 ? Infinity : 0;
  return (t.balance - t.maintenance + t.liabilities) / t.liabilities;
}
