/**
 * From the chosen point of the grid to orders, in execution order, each with its cost and the health predicted
 * after it.
 *
 * Sequence: (1) transfers and repays that trade nothing (they only add margin), (2) protective puts, (3) the
 * trades, slice by slice: slice k of every trade whose underlying is cut into more than k slices, in lever order
 * (reduces, then hedges, then increases; a derived delta hedge last). Slice k of n is `qty / n`, `afterMs = k x sliceIntervalMs`.
 * expectedHealthAfter: the health of the order's account (a transfer: its source; `toHealthAfter`: its
 * destination) evaluated on the book with this order and those before it done, the book's own trades so far
 * moving the marks (./evaluate.ts, the prefix taken as a plan of its own). Orders of one class lever (pro-rata cut
 * of many positions) or increase lever (pro-rata growth of an account's positions in one underlying) are one
 * batch: each carries the health after the whole batch.
 * expectedCost: fee + half-spread + its share of its underlying's impact (impact rate x its notional).
 * option (buy-option orders): the put's strike, expiry and expected premium (the lever's PutSpec, see ./puts.ts).
 */
import type { Evaluation, Evaluator, Trade } from './evaluate.ts';
import type { Lever, Reasoned } from './levers.ts';
import type { OptionSpec, Order } from './types.ts';

const reasonText = (rs: readonly Reasoned[]): string => rs.map((r) => `${r.text} (${r.policy} ${r.code})`).join('; ');

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

interface Step {
  readonly trades: readonly Trade[];
  readonly slice: number;
  readonly of: number;
}

export function materialize(ev: Evaluator, best: Evaluation): Order[] {
  const ctx = ev.ctx;
  const detail = ev.evaluate(best.levels, { detail: true });
  const trades = detail.trades;
  const slicesOf = (t: Trade): number => (t.flowUsd > 0 ? (best.slices.get(t.flowAsset) ?? 1) : 1);
  const deltaReasons = new Map<string, readonly Reasoned[]>();
  for (const t of ev.targets) if (t.kind === 'delta') deltaReasons.set(t.asset, t.reasons);
  const reasonsOf = (t: Trade): readonly Reasoned[] => (t.lever >= 0 ? ev.levers[t.lever]!.reasons : (deltaReasons.get(t.asset) ?? []));

  // group trades into steps: one per lever (per slice) and per derived hedge
  const steps: Step[] = [];
  const byLever = (ts: readonly Trade[]): Trade[][] => {
    const groups: Trade[][] = [];
    for (const t of ts) {
      const last = groups.at(-1);
      if (last && last[0]!.lever === t.lever && t.lever >= 0 && isBatch(ev.levers[t.lever]!)) last.push(t);
      else groups.push([t]);
    }
    return groups;
  };
  const margin = trades.filter((t) => (t.kind === 'transfer' || t.kind === 'repay') && t.flowUsd === 0);
  const puts = trades.filter((t) => t.kind === 'buy-option');
  const market = trades.filter((t) => !margin.includes(t) && !puts.includes(t));
  for (const g of byLever([...margin, ...puts])) steps.push({ trades: g, slice: 0, of: 1 });
  const maxSlices = Math.max(1, ...market.map(slicesOf));
  for (let k = 0; k < maxSlices; k++) {
    for (const g of byLever(market.filter((t) => slicesOf(t) > k))) steps.push({ trades: g, slice: k, of: slicesOf(g[0]!) });
  }

  // prefix evaluation after each step
  const done = new Float64Array(ev.levers.length);
  const count = new Int32Array(ev.levers.length);
  const hedgeCount = new Map<string, number>();
  const hedgesDone = new Map<string, number>();
  const orders: Order[] = [];
  for (const step of steps) {
    // every lever (and derived hedge) of a step advances by one slice
    for (const li of new Set(step.trades.map((t) => t.lever))) {
      if (li < 0) continue;
      count[li]! += 1;
      done[li] = count[li]! >= step.of ? best.levels[li]! : (best.levels[li]! * count[li]!) / step.of;
    }
    for (const u of new Set(step.trades.filter((t) => t.lever < 0).map((t) => t.asset))) {
      const c = (hedgeCount.get(u) ?? 0) + 1;
      hedgeCount.set(u, c);
      const h = best.hedges.get(u) ?? 0;
      hedgesDone.set(u, c >= step.of ? h : (h * c) / step.of);
    }
    const last = step === steps.at(-1);
    const e = last ? best : ev.evaluate(done, { hedges: hedgesDone });
    for (const t of step.trades) {
      const rs = reasonsOf(t);
      const account = t.kind === 'transfer' ? (t.source?.account ?? ctx.accounts[t.account]!.account.id) : ctx.accounts[t.account]!.account.id;
      const ai = ctx.byId.get(account);
      const pos = t.position >= 0 ? ctx.accounts[t.kind === 'transfer' && t.to !== undefined ? ctx.byId.get(t.to)! : t.account]!.account.positions[t.position] : undefined;
      const cost = (t.linearCost + t.flowUsd * (best.impactRate.get(t.flowAsset) ?? 0)) / step.of;
      const toIdx = t.to === undefined ? undefined : ctx.byId.get(t.to);
      orders.push({
        account,
        asset: t.asset,
        kind: t.kind,
        side: t.side,
        qty: t.qty / step.of,
        ...(pos !== undefined ? { position: pos.index } : {}),
        ...(t.to !== undefined ? { to: t.to } : {}),
        reason: reasonText(rs),
        ...(rs[0] ? { policy: rs[0].policy, code: rs[0].code } : {}),
        expectedCost: cost,
        expectedHealthAfter: ai === undefined ? null : finiteOrNull(e.health[ai]!),
        ...(toIdx !== undefined ? { toHealthAfter: finiteOrNull(e.health[toIdx]!) } : {}),
        ...(t.source !== undefined && t.kind === 'repay' ? { source: t.source } : {}),
        ...(t.notionalUsd > 0 ? { notionalUsd: t.notionalUsd / step.of } : {}),
        ...(t.deltaCoins !== 0 ? { deltaUsd: (t.deltaCoins / step.of) * ctx.prices(t.asset) } : {}),
        ...(t.flowUsd > 0 && t.kind !== 'repay' ? { price: ctx.prices(t.asset) * (1 + (t.side === 'buy' ? 1 : -1) * (ctx.halfSpread(t.asset) + (best.impactRate.get(t.asset) ?? 0))) } : {}),
        ...(step.of > 1 ? { slice: { index: step.slice, of: step.of, afterMs: step.slice * ctx.options.sliceIntervalMs } } : {}),
        ...optionOf(ev, t),
      });
    }
  }
  return orders;
}

/** The option spec of a buy-option trade, from its lever's PutSpec (strike USD, expiry epoch ms -> ISO, ask USD per
 * coin as the expected premium); nothing for other trades. */
function optionOf(ev: Evaluator, t: Trade): { option?: OptionSpec } {
  const l = t.kind === 'buy-option' && t.lever >= 0 ? ev.levers[t.lever] : undefined;
  if (l?.kind !== 'buy-option') return {};
  return { option: { right: 'put', strike: l.put.strike, expiry: new Date(l.put.expiry).toISOString(), premiumUsd: l.put.ask } };
}

/** A lever whose trades form one batch (pro-rata cut or growth of several positions). */
const isBatch = (l: Lever): boolean => (l.kind === 'reduce' || l.kind === 'increase') && l.positions.length > 1;
