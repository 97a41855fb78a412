/**
 * Liquidation cascade: an exogenous shock, then rounds in which venue liquidations and guardians' deleveraging
 * trade into the book, move the mark and trigger more.
 *
 * Round r >= 1 at mark P (the mark after round r - 1):
 * - liquidated: every live account with P <= LP (long) or P >= LP (short); it closes its whole position.
 * - guardians (guardianDraw < share, not liquidated this round): distance d = s (P - LP) / P < threshold sells
 *   (long) or buys (short) a fraction phi of its position (all of it when the rest would be under minNotionalUsd).
 * - All orders of the round execute together: sells and buys cross at the round's price F; the net sell walks
 *   the book and F is its VWAP (a net buy fills at P without moving it: the ask side is not modelled).
 * - Liquidation of q at F: equity = W + s q (F - E); clearance fee c q F collected from max(equity, 0);
 *   bad debt max(-equity, 0). Guardian reduction dq at F: W += s dq (F - E) - taker dq F, q -= dq, LP recomputed.
 * - Then the book recovers one round of resilience. Stop after a round with no liquidation and no guardian
 *   action, or after maxRounds. Round 0 is the shock: a market sell of sellUsd (coins = sellUsd / P0) or a drop.
 * Notionals in USD at fill prices. Deterministic: no randomness after the population is drawn.
 */
import { BidBook, type BookSpec } from './book.ts';
import { liquidationPrice, type Population } from './population.ts';

export interface Shock {
  /** Market sell of this many USD (at the start price) into the book. */
  readonly sellUsd?: number | undefined;
  /** Or a price drop, fraction in (0, 1), without trading. */
  readonly drop?: number | undefined;
}

export interface GuardianSpec {
  readonly share: number;
  readonly threshold: number;
  readonly fraction: number;
  readonly takerFeeRate: number;
  readonly minNotionalUsd: number;
}

export interface RunReport {
  /** Mark at the start, after the shock (round 0), then after each round. */
  readonly pricePath: number[];
  readonly minPrice: number;
  readonly finalPrice: number;
  readonly rounds: number;
  readonly liquidatedAccounts: number;
  readonly liquidatedCoins: number;
  readonly liquidatedNotional: number;
  readonly badDebt: number;
  readonly clearanceFees: number;
  readonly guardians: number;
  readonly guardianActions: number;
  readonly guardianDeleveragedNotional: number;
  readonly bookExhausted: boolean;
}

export interface RunInput {
  readonly population: Population;
  readonly book: BookSpec | (() => BidBook);
  readonly shock: Shock;
  readonly guardians: GuardianSpec;
  readonly maxRounds: number;
}

export function runCascade(input: RunInput): RunReport {
  const pop = input.population;
  const n = pop.n;
  const book = typeof input.book === 'function' ? input.book() : new BidBook(input.book);
  const p0 = book.mark;
  const qty = Float64Array.from(pop.qty);
  const wallet = Float64Array.from(pop.wallet);
  const liq = new Float64Array(n);
  const alive = new Uint8Array(n).fill(1);
  const guard = new Uint8Array(n);
  const g = input.guardians;
  let guardians = 0;
  for (let i = 0; i < n; i++) {
    liq[i] = liquidationPrice(pop.side[i]!, qty[i]!, pop.entry[i]!, wallet[i]!, pop.venues[pop.venue[i]!]!);
    if (pop.guardianDraw[i]! < g.share) {
      guard[i] = 1;
      guardians++;
    }
  }
  const liqList = new Int32Array(n);
  const guardList = new Int32Array(n);
  const guardQty = new Float64Array(n);
  const path = [p0];
  let exhausted = false;
  if (input.shock.sellUsd !== undefined && input.shock.sellUsd > 0) exhausted = book.sell(input.shock.sellUsd / p0).exhausted;
  else if (input.shock.drop !== undefined) book.dropTo(p0 * (1 - input.shock.drop));
  path.push(book.mark);
  book.recover();

  let rounds = 0;
  let liquidatedAccounts = 0;
  let liquidatedCoins = 0;
  let liquidatedNotional = 0;
  let badDebt = 0;
  let fees = 0;
  let guardianActions = 0;
  let guardianNotional = 0;
  for (let r = 1; r <= input.maxRounds; r++) {
    const p = book.mark;
    let nLiq = 0;
    let nGuard = 0;
    let sells = 0;
    let buys = 0;
    for (let i = 0; i < n; i++) {
      if (alive[i] === 0) continue;
      const s = pop.side[i]!;
      const lp = liq[i]!;
      const q = qty[i]!;
      if (s > 0 ? p <= lp : p >= lp) {
        liqList[nLiq++] = i;
        if (s > 0) sells += q;
        else buys += q;
      } else if (guard[i] === 1 && (s * (p - lp)) / p < g.threshold) {
        let dq = q * g.fraction;
        if ((q - dq) * p < g.minNotionalUsd) dq = q;
        guardList[nGuard] = i;
        guardQty[nGuard++] = dq;
        if (s > 0) sells += dq;
        else buys += dq;
      }
    }
    if (nLiq === 0 && nGuard === 0) break;
    rounds = r;
    let f = p;
    if (sells > buys) {
      const fill = book.sell(sells - buys);
      f = fill.vwap;
      exhausted ||= fill.exhausted;
    }
    for (let k = 0; k < nLiq; k++) {
      const i = liqList[k]!;
      const v = pop.venues[pop.venue[i]!]!;
      const q = qty[i]!;
      const equity = wallet[i]! + pop.side[i]! * q * (f - pop.entry[i]!);
      fees += Math.min(v.clearanceFeeRate * q * f, Math.max(equity, 0));
      if (equity < 0) badDebt -= equity;
      liquidatedCoins += q;
      liquidatedNotional += q * f;
      liquidatedAccounts++;
      alive[i] = 0;
      qty[i] = 0;
    }
    for (let k = 0; k < nGuard; k++) {
      const i = guardList[k]!;
      const dq = guardQty[k]!;
      const s = pop.side[i]!;
      wallet[i]! += s * dq * (f - pop.entry[i]!) - g.takerFeeRate * dq * f;
      qty[i]! -= dq;
      guardianActions++;
      guardianNotional += dq * f;
      if (qty[i]! <= 0) {
        alive[i] = 0;
        qty[i] = 0;
      } else liq[i] = liquidationPrice(s, qty[i]!, pop.entry[i]!, wallet[i]!, pop.venues[pop.venue[i]!]!);
    }
    path.push(book.mark);
    book.recover();
  }
  let minPrice = Infinity;
  for (const x of path) minPrice = Math.min(minPrice, x);
  return {
    pricePath: path,
    minPrice,
    finalPrice: book.mark,
    rounds,
    liquidatedAccounts,
    liquidatedCoins,
    liquidatedNotional,
    badDebt,
    clearanceFees: fees,
    guardians,
    guardianActions,
    guardianDeleveragedNotional: guardianNotional,
    bookExhausted: exhausted,
  };
}

export interface Comparison {
  readonly withGuardians: RunReport;
  readonly withoutGuardians: RunReport;
  /** with - without, for the headline numbers. */
  readonly difference: { readonly minPrice: number; readonly liquidatedNotional: number; readonly badDebt: number; readonly liquidatedAccounts: number; readonly rounds: number };
}

/** The same population, book and shock with the guardians and with none (share 0). */
export function compareGuardians(input: RunInput): Comparison {
  const withGuardians = runCascade(input);
  const withoutGuardians = runCascade({ ...input, guardians: { ...input.guardians, share: 0 } });
  return {
    withGuardians,
    withoutGuardians,
    difference: {
      minPrice: withGuardians.minPrice - withoutGuardians.minPrice,
      liquidatedNotional: withGuardians.liquidatedNotional - withoutGuardians.liquidatedNotional,
      badDebt: withGuardians.badDebt - withoutGuardians.badDebt,
      liquidatedAccounts: withGuardians.liquidatedAccounts - withoutGuardians.liquidatedAccounts,
      rounds: withGuardians.rounds - withoutGuardians.rounds,
    },
  };
}

export interface SweepPoint {
  readonly share: number;
  readonly minPrice: number;
  readonly liquidatedNotional: number;
  readonly badDebt: number;
  readonly liquidatedAccounts: number;
  readonly guardianDeleveragedNotional: number;
  readonly rounds: number;
}

/** The run at each guardian share (same population, book and shock). */
export const sweepGuardians = (input: RunInput, shares: readonly number[]): SweepPoint[] =>
  shares.map((share) => {
    const r = runCascade({ ...input, guardians: { ...input.guardians, share } });
    return {
      share,
      minPrice: r.minPrice,
      liquidatedNotional: r.liquidatedNotional,
      badDebt: r.badDebt,
      liquidatedAccounts: r.liquidatedAccounts,
      guardianDeleveragedNotional: r.guardianDeleveragedNotional,
      rounds: r.rounds,
    };
  });
