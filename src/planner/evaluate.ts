/**
 * Evaluation of a point of the search space (a level per lever): the modified book, its trades' costs, the
 * marks moved by the book's own trades (the reflexive loop), every account's health on the real margin models,
 * and how far the targets are.
 *
 * Order of the computation:
 * 1. Levers modify positions, collateral and isolated margins; trades credit realised P&L and proceeds, and debit
 *    fees and half-spreads, in their cash (context.ts). Trades are accounted at the current mark. An increase
 *    (level k: each of its positions grows by k x its size) adds at the current mark: the grown position's entry is
 *    the average of its entry and the mark, as the venue books it (linear: weighted by qty; inverse: by coins,
 *    qty / (q0 / entry + dq / mark)); a spot buy pays qty x mark from the account's cash.
 * 2. Hedge-delta targets add a derived perp hedge of (target - net delta after step 1) coins, unless the state
 *    forbids it (REDUCING: only when it reduces |net delta| without crossing zero); after step 3 it is re-aimed
 *    so that the net delta, costs paid in coin included, is the target.
 * 3. Per underlying: slices, impact rate and move of the mark from the trades' gross and net flows (impact.ts);
 *    each trade's impact (rate x its notional) is charged to its cash.
 * 4. Every account touched by step 1-3 or holding a moved asset is re-evaluated at the moved marks (book.ts).
 * 5. Violation (0 = every target met), summed over targets, each normalised: health (min - hf) / min; gross and
 *    exposure: USD outside the bound / the book's current gross (exposure); derived delta not allowed: |net -
 *    target| / |net0 - target|; accounts the plan draws collateral from, hedges on or increases positions of:
 *    initial-margin shortfall / initial margin (a venue refuses the withdrawal or the order).
 * 6. Validity (hard): a reserve drawn beyond its amount, a balance drawn below zero, repay sources exhausted; in
 *    REDUCING and HALTED any account's exposure in an underlying growing or crossing zero (plan hedges and puts
 *    excluded), and hedges growing the book's |net delta| or crossing zero; a spot increase drawing its account's
 *    cash below zero (the planner does not borrow to buy).
 * Exposures in the targets are deltas at the current marks valued at the moved marks. Gross, exposure and delta
 * targets allow a rounding margin of 1e-9 of their scale (closing a book leaves ~1e-13 coins of floating dust).
 */
import type { MarginTerms, PriceFn } from '../margin/terms.ts';
import type { Account, Portfolio, Position } from '../model/types.ts';
import type { TradingState } from '../policy/types.ts';
import { accountTerms, buildKey, type KeyBuild } from './book.ts';
import { optionFee, optionHalfSpread } from './cost.ts';
import { assetImpact } from './impact.ts';
import { positionCash, type AccountCtx, type BookContext } from './context.ts';
import type { IncreaseLever, Lever, PutLever, ReduceLever, RepayLever, Target, TransferLever } from './levers.ts';

/** One trade or cash movement of an evaluated point (detail mode), for the orders. */
export interface Trade {
  /** Lever index, -1 for a derived hedge. */
  readonly lever: number;
  readonly account: number;
  /** Array index of the position acted on; -1 for new positions, collateral. */
  readonly position: number;
  readonly asset: string;
  readonly kind: 'reduce' | 'close' | 'transfer' | 'repay' | 'hedge' | 'buy-option' | 'increase';
  readonly side: 'buy' | 'sell';
  /** Quantity in the instrument's unit (coins, USD face inverse, asset units for transfer / repay). */
  readonly qty: number;
  /** Fee + half-spread (USD); impact is added from `flowUsd`. */
  readonly linearCost: number;
  /** USD notional traded on `flowAsset` (0: no market trade). */
  readonly flowUsd: number;
  readonly flowAsset: string;
  /** Signed change of the book's net delta in the traded underlying (coins), at the current marks. */
  readonly deltaCoins: number;
  /** USD notional of the underlying (options: qty x mark), for pre-trade checks. */
  readonly notionalUsd: number;
  readonly source?: { readonly account?: string; readonly asset: string; readonly qty: number };
  readonly to?: string;
}

export interface Evaluation {
  readonly levels: Float64Array;
  readonly valid: boolean;
  readonly invalid: string;
  readonly violation: number;
  /** Per target (same order as the targets), then per account for initial-margin shortfalls. */
  readonly targetViolation: Float64Array;
  readonly imViolation: Float64Array;
  readonly cost: number;
  readonly linearCost: number;
  readonly impactCost: number;
  readonly health: Float64Array;
  readonly equity: Float64Array;
  readonly moves: ReadonlyMap<string, number>;
  readonly slices: ReadonlyMap<string, number>;
  /** Impact fraction each traded USD pays, per asset. */
  readonly impactRate: ReadonlyMap<string, number>;
  /** Derived hedges (coins) per asset. */
  readonly hedges: ReadonlyMap<string, number>;
  /** Book net delta (coins) per asset after the plan. */
  readonly net: ReadonlyMap<string, number>;
  readonly trades: readonly Trade[];
  /** The planned book at the current marks (EvaluateOptions.portfolio). */
  readonly portfolio?: Portfolio;
}

export interface EvaluateOptions {
  /** Fixed derived hedges (coins per asset) instead of deriving them (prefixes of a plan). */
  readonly hedges?: ReadonlyMap<string, number>;
  /** Record the trades (orders). */
  readonly detail?: boolean;
  /** Return the planned book (positions and collateral after the plan, at the current marks). */
  readonly portfolio?: boolean;
}

interface Flow {
  readonly asset: string;
  readonly usd: number;
  readonly payer: AccountMods | null;
  readonly payerAsset: string;
  /** The payer pays from its own supplied holdings (a lending repay): the cost is drawn from them. */
  readonly own: boolean;
}

/** What the levers do to one account. */
class AccountMods {
  readonly scale: Float64Array;
  readonly marginAdd: Float64Array;
  readonly coll = new Map<string, number>();
  readonly added: Position[] = [];
  readonly keys = new Set<string>();
  readonly removeOwn = new Map<string, number>();
  readonly drawn = new Map<string, number>();
  /** Exposure change (coins) without plan hedges and puts; plan hedges; puts. */
  readonly dExposure = new Map<string, number>();
  readonly dHedge = new Map<string, number>();
  readonly dPut = new Map<string, number>();
  source = false;
  hedger = false;
  /** Positions grown by an increase lever. */
  grower = false;
  /** Cash assets spot increases pay from (checked not to go below zero). */
  readonly spotCash = new Set<string>();
  nextIndex: number;

  constructor(readonly a: AccountCtx) {
    const n = a.account.positions.length;
    this.scale = new Float64Array(n).fill(1);
    this.marginAdd = new Float64Array(n);
    this.nextIndex = a.nextIndex;
  }
}

const add = (m: Map<string, number>, k: string, v: number): void => {
  m.set(k, (m.get(k) ?? 0) + v);
};

const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

/** Build cache of modified keys, by content. */
const CACHE_LIMIT = 4096;

/** Largest move of a mark for which screening trusts an untouched account's safe band (see Evaluator.screen). */
export const SCREEN_MOVE = 0.02;

export class Evaluator {
  private readonly cache = new Map<string, KeyBuild>();
  private readonly scratch = new Map<string, MarginTerms>();
  private readonly strict: boolean;
  private readonly healthMin = new Map<number, number>();
  private readonly safeBand = new Map<string, boolean>();
  /**
   * Screening (the greedy search of a large book): an account the point leaves untouched is not re-evaluated at
   * the moved marks when it has no health target, or when its health stays at or above its target at the marks
   * and at each moved asset's mark x (1 -+ SCREEN_MOVE) on the side it moves to, the move being within that band. Its health and equity
   * then read as before the plan. The search re-evaluates its result exactly (and repairs it if needed); plans
   * and snapshots always come from exact evaluations.
   */
  screen = false;

  constructor(
    readonly ctx: BookContext,
    readonly levers: readonly Lever[],
    readonly targets: readonly Target[],
    readonly state: TradingState,
  ) {
    this.strict = state !== 'ACTIVE';
    for (const t of targets) if (t.kind === 'health') this.healthMin.set(t.account, t.min);
  }

  /** Screening: may the untouched account `a` keep its current health under `moves`? */
  private screened(a: AccountCtx, moves: ReadonlyMap<string, number>): boolean {
    const min = this.healthMin.get(a.idx);
    if (min === undefined) return true;
    if (!(a.terms.health >= min)) return false;
    for (const u of a.keys) {
      const m = moves.get(u);
      if (m === undefined) continue;
      if (Math.abs(m) > SCREEN_MOVE) return false;
      // one side of the band: the side the mark moves to
      const d = m < 0 ? -SCREEN_MOVE : SCREEN_MOVE;
      const key = `${a.idx}:${u}:${d}`;
      let ok = this.safeBand.get(key);
      if (ok === undefined) {
        const px: PriceFn = (x) => (x === u ? this.ctx.prices(x) * (1 + d) : this.ctx.prices(x));
        ok = accountTerms([...a.base.values()], px, this.scratch).health >= min;
        this.safeBand.set(key, ok);
      }
      if (!ok) return false;
    }
    return true;
  }

  /** The levels of the forced minimums (every other lever at 0). */
  minimum(): Float64Array {
    return Float64Array.from(this.levers, (l) => l.min);
  }

  evaluate(levelsIn: ArrayLike<number>, opts: EvaluateOptions = {}): Evaluation {
    const ctx = this.ctx;
    const o = ctx.options;
    const levels = Float64Array.from(levelsIn);
    const mods = new Map<number, AccountMods>();
    const modsOf = (i: number): AccountMods => {
      let m = mods.get(i);
      if (!m) mods.set(i, (m = new AccountMods(ctx.accounts[i]!)));
      return m;
    };
    const flows: Flow[] = [];
    const trades: Trade[] = [];
    const detail = opts.detail === true;
    const external = new Map<string, number>();
    let linearCost = 0;
    let invalid = '';
    const P = ctx.prices;

    /** Credit USD (negative: debit) to a cash asset of an account; coins at the current mark. */
    const credit = (m: AccountMods, asset: string, usd: number): void => {
      if (usd === 0) return;
      const units = usd / P(asset);
      add(m.coll, asset, units);
      m.keys.add(asset);
      if (!ctx.isStable(asset)) add(m.dExposure, asset, units);
    };

    const reduce = (li: number, l: ReduceLever, x: number): void => {
      const m = modsOf(l.account);
      const a = m.a;
      const r = x / l.steps;
      for (const j of l.positions) {
        const p = a.account.positions[j]!;
        const q = p.qty;
        const dq = q * r;
        m.scale[j]! -= r;
        m.keys.add(p.asset);
        add(m.dExposure, p.asset, -a.delta[j]! * r);
        const px = P(p.asset);
        const cash = positionCash(a, p);
        let proceeds = 0;
        let lin = 0;
        let notional = 0;
        if (p.kind === 'perp' || p.kind === 'future') {
          const inverse = p.settle === 'inverse';
          notional = Math.abs(inverse ? dq : dq * px);
          proceeds = inverse ? dq * (px / p.entry - 1) : dq * (px - p.entry);
          const iso = a.isoMargin[j]!;
          if (!Number.isNaN(iso)) {
            m.marginAdd[j]! -= iso * r;
            proceeds += inverse ? iso * r * px : iso * r;
          }
          lin = notional * (a.fee + ctx.halfSpread(p.asset));
        } else if (p.kind === 'spot') {
          notional = Math.abs(dq * px);
          proceeds = dq * px;
          lin = notional * (a.fee + ctx.halfSpread(p.asset));
        } else if (p.kind === 'option') {
          proceeds = dq * a.unitValue[j]!;
          const v = Math.abs(a.unitValue[j]!);
          lin = Math.abs(dq) * (optionFee(px, v, a.optionFee.rate, a.optionFee.cap) + optionHalfSpread(a.unitVega[j]!, o.optionHalfSpreadVol));
        }
        linearCost += lin;
        credit(m, cash, proceeds - lin);
        if (notional > 0) flows.push({ asset: p.asset, usd: -sign(q) * notional, payer: m, payerAsset: cash, own: false });
        if (detail && dq !== 0) {
          trades.push({
            lever: li,
            account: l.account,
            position: j,
            asset: p.asset,
            kind: r >= 1 - 1e-12 ? 'close' : 'reduce',
            side: q > 0 ? 'sell' : 'buy',
            qty: Math.abs(dq),
            linearCost: lin,
            flowUsd: notional,
            flowAsset: p.asset,
            deltaCoins: -a.delta[j]! * r,
            notionalUsd: p.kind === 'option' ? Math.abs(dq) * px : notional,
          });
        }
      }
    };

    const increase = (li: number, l: IncreaseLever, k: number): void => {
      const m = modsOf(l.account);
      const a = m.a;
      m.grower = true;
      for (const j of l.positions) {
        const p = a.account.positions[j]!;
        if (p.kind !== 'perp' && p.kind !== 'future' && p.kind !== 'spot') continue;
        const dq = p.qty * k;
        const px = P(p.asset);
        const inverse = p.kind !== 'spot' && p.settle === 'inverse';
        // the added part enters at the mark: inverse delta q0 / entry + dq / mark (valuation.ts), linear dq
        const dCoins = inverse ? dq / px : dq;
        m.scale[j]! += k;
        m.keys.add(p.asset);
        add(m.dExposure, p.asset, dCoins);
        const notional = Math.abs(inverse ? dq : dq * px);
        const lin = notional * (a.fee + ctx.halfSpread(p.asset));
        linearCost += lin;
        const cash = positionCash(a, p);
        credit(m, cash, (p.kind === 'spot' ? -dq * px : 0) - lin);
        if (p.kind === 'spot') m.spotCash.add(cash);
        if (notional > 0) flows.push({ asset: p.asset, usd: sign(p.qty) * notional, payer: m, payerAsset: cash, own: false });
        if (detail && dq !== 0) {
          trades.push({
            lever: li,
            account: l.account,
            position: j,
            asset: p.asset,
            kind: 'increase',
            side: p.qty > 0 ? 'buy' : 'sell',
            qty: Math.abs(dq),
            linearCost: lin,
            flowUsd: notional,
            flowAsset: p.asset,
            deltaCoins: dCoins,
            notionalUsd: notional,
          });
        }
      }
    };

    const drawFrom = (s: TransferLever['source'], units: number): AccountMods | null => {
      if (s.kind === 'external') {
        add(external, s.id, units);
        return null;
      }
      const sm = modsOf(s.account);
      add(sm.coll, s.asset, -units);
      add(sm.drawn, s.id, units);
      sm.keys.add(s.asset);
      sm.source = true;
      if (!ctx.isStable(s.asset)) add(sm.dExposure, s.asset, -units);
      return sm;
    };

    const transfer = (li: number, l: TransferLever, x: number): void => {
      const amount = x * l.unit;
      if (!(amount > 0)) return;
      drawFrom(l.source, amount);
      const m = modsOf(l.account);
      if (l.position !== null) {
        const p = m.a.account.positions[l.position]!;
        const inverse = 'settle' in p && p.settle === 'inverse';
        m.marginAdd[l.position]! += inverse ? amount : amount * P(l.asset);
        m.keys.add(p.asset);
      } else {
        add(m.coll, l.asset, amount);
        m.keys.add(l.asset);
        if (!ctx.isStable(l.asset)) add(m.dExposure, l.asset, amount);
      }
      if (o.transferFeeUsd > 0) {
        linearCost += o.transferFeeUsd;
        credit(m, m.a.cash, -o.transferFeeUsd);
      }
      if (detail) {
        const s = l.source;
        const from = s.kind === 'external' ? s.name : ctx.accounts[s.account]!.account.id;
        trades.push({
          lever: li,
          account: s.kind === 'account' ? s.account : l.account,
          position: l.position ?? -1,
          asset: l.asset,
          kind: 'transfer',
          side: 'sell',
          qty: amount,
          linearCost: o.transferFeeUsd,
          flowUsd: 0,
          flowAsset: l.asset,
          deltaCoins: 0,
          notionalUsd: 0,
          source: { account: from, asset: l.asset, qty: amount },
          to: m.a.account.id,
        });
      }
    };

    const repay = (li: number, l: RepayLever, x: number): void => {
      const amount = x * l.unit;
      if (!(amount > 0)) return;
      const m = modsOf(l.account);
      const debt = m.a.account.positions[l.debt]!;
      m.scale[l.debt]! -= amount / debt.qty;
      m.keys.add(debt.asset);
      if (!ctx.isStable(debt.asset)) add(m.dExposure, debt.asset, amount);
      const D = debt.asset;
      const usd = amount * P(D);
      const S = l.source.asset;
      let units = amount;
      let lin = o.transferFeeUsd;
      let payer: AccountMods | null = m;
      if (S !== D) {
        lin += usd * (m.a.fee + ctx.halfSpread(S) + ctx.halfSpread(D));
        units = (usd + lin) / P(S);
      } else if (lin > 0) units = (usd + lin) / P(S);
      linearCost += lin;
      if (l.source.kind === 'own') {
        add(m.removeOwn, S, units);
        m.keys.add(S);
        if (!ctx.isStable(S)) add(m.dExposure, S, -units);
      } else payer = drawFrom(l.source, units);
      if (S !== D) {
        const own = l.source.kind === 'own';
        flows.push({ asset: S, usd: -usd, payer, payerAsset: S, own });
        flows.push({ asset: D, usd, payer, payerAsset: S, own });
      }
      if (detail) {
        const s = l.source;
        trades.push({
          lever: li,
          account: l.account,
          position: l.debt,
          asset: D,
          kind: 'repay',
          side: 'buy',
          qty: amount,
          linearCost: lin,
          flowUsd: S !== D ? usd : 0,
          flowAsset: S !== D && ctx.isStable(D) ? S : D,
          deltaCoins: 0,
          notionalUsd: S !== D ? usd : 0,
          source: { ...(s.kind === 'own' ? {} : { account: s.kind === 'external' ? s.name : ctx.accounts[s.account]!.account.id }), asset: S, qty: units },
        });
      }
    };

    /** Derived hedges by asset: where they are, to re-aim them once the costs paid in their coin are known. */
    const derived = new Map<string, { m: AccountMods; at: number; coins: number; trade: number; cash: string; inverse: boolean }>();
    const hedge = (li: number, account: number, u: string, coins: number): void => {
      if (coins === 0) return;
      const m = modsOf(account);
      const a = m.a;
      const px = P(u);
      const v = a.account.venue;
      const inverse = (v.model === 'tiered' || v.model === 'deribit') && v.settle === 'inverse';
      const qty = inverse ? coins * px : coins;
      const pos: Position = { kind: 'perp', index: m.nextIndex++, asset: u, qty, entry: px, settle: inverse ? 'inverse' : 'linear' };
      m.added.push(pos);
      m.keys.add(u);
      m.hedger = true;
      add(m.dHedge, u, coins);
      const notional = Math.abs(coins) * px;
      const lin = notional * (a.fee + ctx.halfSpread(u));
      linearCost += lin;
      const cash = positionCash(a, pos);
      credit(m, cash, -lin);
      flows.push({ asset: u, usd: sign(coins) * notional, payer: m, payerAsset: cash, own: false });
      if (li < 0) derived.set(u, { m, at: m.added.length - 1, coins, trade: detail ? trades.length : -1, cash, inverse });
      if (detail) {
        trades.push({ lever: li, account, position: -1, asset: u, kind: 'hedge', side: coins > 0 ? 'buy' : 'sell', qty: Math.abs(qty), linearCost: lin, flowUsd: notional, flowAsset: u, deltaCoins: coins, notionalUsd: notional });
      }
    };

    const buyPut = (li: number, l: PutLever, x: number): void => {
      const put = l.put;
      const qty = put.qty * x;
      if (!(qty > 0)) return;
      const m = modsOf(l.account);
      const S = P(l.asset);
      const pos: Position = {
        kind: 'option',
        index: m.nextIndex++,
        asset: l.asset,
        qty,
        settle: put.settle,
        right: 'put',
        strike: put.strike,
        expiry: put.expiry,
        entry: put.settle === 'inverse' ? put.ask / S : put.ask,
      };
      m.added.push(pos);
      m.keys.add(l.asset);
      add(m.dPut, l.asset, qty * put.delta);
      const lin = qty * (put.ask - put.mid + put.fee);
      linearCost += lin;
      credit(m, positionCash(m.a, pos), -qty * (put.ask + put.fee));
      if (detail) {
        trades.push({ lever: li, account: l.account, position: -1, asset: l.asset, kind: 'buy-option', side: 'buy', qty, linearCost: lin, flowUsd: 0, flowAsset: l.asset, deltaCoins: qty * put.delta, notionalUsd: qty * S });
      }
    };

    // 1. levers
    this.levers.forEach((l, li) => {
      const x = levels[li]!;
      if (!(x > 0)) return;
      switch (l.kind) {
        case 'reduce':
          return reduce(li, l, x);
        case 'transfer':
          return transfer(li, l, x);
        case 'repay':
          return repay(li, l, x);
        case 'hedge':
          return hedge(li, l.account, l.asset, x * l.unit);
        case 'buy-option':
          return buyPut(li, l, x);
        case 'increase':
          return increase(li, l, x);
      }
    });

    // 2. derived hedges
    const netPre = new Map(ctx.net);
    for (const m of mods.values()) for (const [u, d] of m.dExposure) add(netPre, u, d);
    const hedges = new Map<string, number>();
    for (const t of this.targets) {
      if (t.kind !== 'delta' || !t.allowed) continue;
      let h = opts.hedges ? (opts.hedges.get(t.asset) ?? 0) : t.target - (netPre.get(t.asset) ?? 0);
      if (!opts.hedges && this.strict) {
        const n = netPre.get(t.asset) ?? 0;
        if (!(Math.abs(t.target) <= Math.abs(n) && t.target * n >= 0)) h = 0;
      }
      if (Math.abs(h) > 1e-12) {
        hedges.set(t.asset, h);
        hedge(-1, t.hedge, t.asset, h);
      }
    }

    // 3. impact: slices, moves, costs
    const gross = new Map<string, number>();
    const netFlow = new Map<string, number>();
    for (const f of flows) {
      add(gross, f.asset, Math.abs(f.usd));
      add(netFlow, f.asset, f.usd);
    }
    const moves = new Map<string, number>();
    const slices = new Map<string, number>();
    const impactRate = new Map<string, number>();
    let impactCost = 0;
    for (const [u, G] of gross) {
      const im = assetImpact(G, netFlow.get(u) ?? 0, P(u), ctx.liquidity(u), o, u);
      slices.set(u, im.slices);
      impactRate.set(u, im.rate);
      impactCost += G * im.rate;
      if (im.move !== 0) moves.set(u, im.move);
    }
    for (const f of flows) {
      const rate = impactRate.get(f.asset) ?? 0;
      if (rate === 0 || f.payer === null) continue;
      const usd = Math.abs(f.usd) * rate;
      const m = f.payer;
      if (f.own) {
        add(m.removeOwn, f.payerAsset, usd / P(f.payerAsset));
        if (!ctx.isStable(f.payerAsset)) add(m.dExposure, f.payerAsset, -usd / P(f.payerAsset));
      } else credit(m, f.payerAsset, -usd);
    }

    // Derived hedges re-aimed at their target once every cost is charged: a hedge on a coin-margined account pays
    // its costs (and other trades' impact) in that coin, which is exposure too. The extra hedge pays the same
    // rates; the slices and moves keep the first aim (a change of a few bps of the hedge).
    for (let round = 0; round < 4 && !opts.hedges; round++) {
      let again = false;
      for (const t of this.targets) {
        const d = t.kind === 'delta' ? derived.get(t.asset) : undefined;
        if (t.kind !== 'delta' || d === undefined) continue;
        const u = t.asset;
        let n = ctx.net.get(u) ?? 0;
        for (const m of mods.values()) n += (m.dExposure.get(u) ?? 0) + (m.dHedge.get(u) ?? 0) + (m.dPut.get(u) ?? 0);
        const extra = t.target - n;
        if (Math.abs(extra) <= 1e-13 * Math.max(1, Math.abs(t.target), Math.abs(d.coins))) continue;
        again = true;
        const px = P(u);
        const coins = d.coins + extra;
        const pos = d.m.added[d.at]!;
        d.m.added[d.at] = { ...pos, qty: d.inverse ? coins * px : coins };
        add(d.m.dHedge, u, extra);
        const dn = (Math.abs(coins) - Math.abs(d.coins)) * px;
        const lin = dn * (d.m.a.fee + ctx.halfSpread(u));
        const imp = dn * (impactRate.get(u) ?? 0);
        linearCost += lin;
        impactCost += imp;
        credit(d.m, d.cash, -(lin + imp));
        if (d.trade >= 0) {
          const tr = trades[d.trade]!;
          trades[d.trade] = { ...tr, side: coins > 0 ? 'buy' : 'sell', qty: Math.abs(d.inverse ? coins * px : coins), linearCost: tr.linearCost + lin, flowUsd: Math.abs(coins) * px, deltaCoins: coins, notionalUsd: Math.abs(coins) * px };
        }
        d.coins = coins;
        hedges.set(u, coins);
      }
      if (!again) break;
    }

    // own holdings drawn by repays: collateral first, then supply positions in file order
    for (const m of mods.values()) {
      for (const [S, units] of m.removeOwn) {
        let left = units;
        const c = (m.a.account.collateral[S] ?? 0) + (m.coll.get(S) ?? 0);
        const fromColl = Math.min(Math.max(c, 0), left);
        if (fromColl > 0) {
          add(m.coll, S, -fromColl);
          left -= fromColl;
        }
        for (const j of m.a.byKey.get(S) ?? []) {
          if (left <= 1e-12) break;
          const p = m.a.account.positions[j]!;
          if (p.kind !== 'supply') continue;
          const held = p.qty * m.scale[j]!;
          const take = Math.min(held, left);
          m.scale[j]! -= take / p.qty;
          left -= take;
        }
        if (left > 1e-9 * Math.max(1, units)) invalid ||= `${m.a.account.id}: not enough ${S} to repay from`;
      }
    }

    // a position cut (or a debt repaid) beyond its size: invalid, evaluated as if stopped at zero
    for (const m of mods.values()) {
      for (let j = 0; j < m.scale.length; j++) {
        if (m.scale[j]! < -1e-9) invalid ||= `${m.a.account.id}: position #${m.a.account.positions[j]!.index} cut beyond its size`;
        if (m.scale[j]! < 0) m.scale[j] = 0;
      }
    }

    // 4. accounts at the moved marks
    const moved: PriceFn = moves.size === 0 ? P : (asset) => (moves.has(asset) ? P(asset) * (1 + moves.get(asset)!) : P(asset));
    const nA = ctx.accounts.length;
    const health = new Float64Array(nA);
    const equity = new Float64Array(nA);
    const imShort = new Float64Array(nA);
    const imBase = new Float64Array(nA);
    for (const a of ctx.accounts) {
      const m = mods.get(a.idx);
      const touchedByMove = moves.size > 0 && a.keys.some((k) => moves.has(k));
      if (!m && (!touchedByMove || (this.screen && this.screened(a, moves)))) {
        health[a.idx] = a.terms.health;
        equity[a.idx] = a.equity;
        continue;
      }
      const builds: KeyBuild[] = [];
      const keys = m ? [...new Set([...a.keys, ...m.keys])].sort() : a.keys;
      for (const k of keys) builds.push(m && m.keys.has(k) ? this.keyBuild(m, k) : a.base.get(k)!);
      const t = accountTerms(builds, moved, this.scratch);
      health[a.idx] = t.health;
      let free = 0;
      if (a.account.mode === 'isolated') {
        for (const [asset, amount] of Object.entries(a.account.collateral)) free += (amount + (m?.coll.get(asset) ?? 0)) * moved(asset);
        if (m) for (const [asset, d] of m.coll) if (a.account.collateral[asset] === undefined) free += d * moved(asset);
      }
      equity[a.idx] = t.balance + free;
      imShort[a.idx] = t.initialShortfall;
      imBase[a.idx] = t.initial;
    }

    // 5. targets
    const net = new Map(ctx.net);
    for (const m of mods.values()) {
      for (const [u, d] of m.dExposure) add(net, u, d);
      for (const [u, d] of m.dHedge) add(net, u, d);
      for (const [u, d] of m.dPut) add(net, u, d);
    }
    const tv = new Float64Array(this.targets.length);
    this.targets.forEach((t, i) => {
      switch (t.kind) {
        case 'health':
          tv[i] = Math.max(0, t.min - health[t.account]!) / t.min;
          break;
        case 'gross': {
          let g = 0;
          for (const [u, n] of net) if (!ctx.isStable(u)) g += Math.abs(n * moved(u));
          tv[i] = g - t.max > 1e-9 * t.scale ? (g - t.max) / t.scale : 0;
          break;
        }
        case 'exposure': {
          const e = (net.get(t.asset) ?? 0) * moved(t.asset);
          const out = e > t.max ? e - t.max : e < t.min ? t.min - e : 0;
          tv[i] = out > 1e-9 * t.scale ? out / t.scale : 0;
          break;
        }
        case 'delta': {
          const d = Math.abs((net.get(t.asset) ?? 0) - t.target);
          tv[i] = d <= 1e-9 * Math.max(1, Math.abs(t.target)) ? 0 : d / t.scale;
          break;
        }
      }
    });
    const imv = new Float64Array(nA);
    for (const m of mods.values()) if ((m.source || m.hedger || m.grower) && imShort[m.a.idx]! > 0) imv[m.a.idx] = imShort[m.a.idx]! / Math.max(imBase[m.a.idx]!, 1);
    let violation = 0;
    for (const v of tv) violation += v;
    for (const v of imv) violation += v;

    // 6. validity
    for (const m of mods.values()) {
      for (const c of m.spotCash) {
        const left = (m.a.account.collateral[c] ?? 0) + (m.coll.get(c) ?? 0);
        if (left < 0) invalid ||= `${m.a.account.id}: not enough ${c} to buy spot`;
      }
    }
    for (const l of this.levers) {
      if ((l.kind === 'transfer' || l.kind === 'repay') && l.source.kind !== 'own') {
        const s = l.source;
        const drawn = s.kind === 'external' ? (external.get(s.id) ?? 0) : (mods.get(s.account)?.drawn.get(s.id) ?? 0);
        if (drawn > s.amount * (1 + 1e-12)) invalid ||= `source ${s.id} drawn beyond ${s.amount}`;
        if (s.kind === 'account') {
          const m = mods.get(s.account);
          const left = (ctx.accounts[s.account]!.account.collateral[s.asset] ?? 0) + (m?.coll.get(s.asset) ?? 0);
          if (left < -1e-9) invalid ||= `${ctx.accounts[s.account]!.account.id}: ${s.asset} drawn below zero`;
        }
      }
    }
    if (this.strict) {
      for (const m of mods.values()) {
        for (const [u, d] of m.dExposure) {
          const e0 = m.a.exposure.get(u) ?? 0;
          const e = e0 + d;
          const tol = 1e-9 * Math.max(1, Math.abs(e0));
          if (Math.abs(e) > Math.abs(e0) + tol || e * e0 < -tol * tol) invalid ||= `${this.state}: ${m.a.account.id} ${u} exposure ${e0} -> ${e}`;
        }
      }
      const withHedge = new Set<string>();
      for (const m of mods.values()) for (const u of m.dHedge.keys()) withHedge.add(u);
      for (const u of withHedge) {
        const pre = netPre.get(u) ?? 0;
        let post = pre;
        for (const m of mods.values()) post += m.dHedge.get(u) ?? 0;
        const tol = 1e-9 * Math.max(1, Math.abs(pre));
        if (Math.abs(post) > Math.abs(pre) + tol || post * pre < -tol * tol) invalid ||= `${this.state}: hedge grows the book's ${u} net delta ${pre} -> ${post}`;
        // and against the net before the plan: a pre-trade gate checks each hedge against the book as it is now
        const now = ctx.net.get(u) ?? 0;
        const h = post - pre;
        if (Math.abs(now + h) > Math.abs(now) + 1e-9 * Math.max(1, Math.abs(now))) invalid ||= `${this.state}: hedge grows the book's ${u} net delta ${now} -> ${now + h} as it is now`;
      }
    }

    return {
      ...(opts.portfolio ? { portfolio: { ...ctx.portfolio, accounts: ctx.accounts.map((a) => plannedAccount(a, mods.get(a.idx), P)) } } : {}),
      levels,
      valid: invalid === '',
      invalid,
      violation,
      targetViolation: tv,
      imViolation: imv,
      cost: linearCost + impactCost,
      linearCost,
      impactCost,
      health,
      equity,
      moves,
      slices,
      impactRate,
      hedges,
      net,
      trades,
    };
  }

  /** Modified positions and collateral of one key of a touched account, built once per content. */
  private keyBuild(m: AccountMods, k: string): KeyBuild {
    const a = m.a;
    const positions: Position[] = [];
    let sig = `${a.idx}\u0001${k}`;
    for (const j of a.byKey.get(k) ?? []) {
      const p = a.account.positions[j]!;
      const s = m.scale[j]!;
      const iso = a.isoMargin[j]!;
      const margin = Number.isNaN(iso) ? NaN : iso + m.marginAdd[j]!;
      if (s === 1 && m.marginAdd[j] === 0) {
        positions.push(p);
        continue;
      }
      const next = scaledPosition(p, s, this.ctx.prices);
      const qty = next.qty;
      sig += `|${j}:${qty}:${margin}`;
      if (qty === 0 && !(margin > 0)) continue;
      if (!Number.isNaN(margin) && (next.kind === 'perp' || next.kind === 'future')) positions.push({ ...next, margin });
      else positions.push(next);
    }
    for (const p of m.added) {
      if (p.asset !== k) continue;
      positions.push(p);
      sig += `|+${p.kind}:${p.qty}:${'entry' in p ? p.entry : ''}:${p.kind === 'option' ? `${p.strike}:${p.expiry}` : ''}`;
    }
    const coll = (a.account.collateral[k] ?? 0) + (m.coll.get(k) ?? 0);
    sig += `|c${coll}`;
    let kb = this.cache.get(sig);
    if (!kb) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      kb = buildKey(a.account, k, positions, coll, this.ctx.market);
      this.cache.set(sig, kb);
    }
    return kb;
  }
}

/**
 * Position j scaled by `s` (quantity x s; 0 below 1e-12). Grown (s > 1, an increase): the added quantity enters at
 * the current mark, so the entry becomes the average the venue books (backtest/book.ts trade): linear and spot
 * (q0 entry + dq mark) / q1; inverse q1 / (q0 / entry + dq / mark). A spot position without an entry keeps none.
 */
function scaledPosition(p: Position, s: number, prices: PriceFn): Position {
  const qty = Math.abs(s) < 1e-12 ? 0 : p.qty * s;
  if (!(s > 1) || (p.kind !== 'perp' && p.kind !== 'future' && p.kind !== 'spot') || p.entry === undefined) return { ...p, qty };
  const px = prices(p.asset);
  const dq = qty - p.qty;
  const entry = p.kind !== 'spot' && p.settle === 'inverse' ? qty / (p.qty / p.entry + dq / px) : (p.qty * p.entry + dq * px) / qty;
  return { ...p, qty, entry };
}

/** An account after its modifications: scaled positions (closed ones dropped), margins, added positions, collateral. */
function plannedAccount(a: AccountCtx, m: AccountMods | undefined, prices: PriceFn): Account {
  if (!m) return a.account;
  const positions: Position[] = [];
  a.account.positions.forEach((p, j) => {
    const s = m.scale[j]!;
    const iso = a.isoMargin[j]!;
    if (s === 1 && m.marginAdd[j] === 0) {
      positions.push(p);
      return;
    }
    const next = scaledPosition(p, s, prices);
    const margin = Number.isNaN(iso) ? NaN : iso + m.marginAdd[j]!;
    if (next.qty === 0 && !(margin > 0)) return;
    positions.push(!Number.isNaN(margin) && (next.kind === 'perp' || next.kind === 'future') ? { ...next, margin } : next);
  });
  positions.push(...m.added);
  const collateral: Record<string, number> = { ...a.account.collateral };
  for (const [asset, d] of m.coll) {
    const v = (collateral[asset] ?? 0) + d;
    if (v === 0) delete collateral[asset];
    else collateral[asset] = v;
  }
  return { ...a.account, positions, collateral };
}
