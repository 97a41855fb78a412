/**
 * The market impact of a plan, per underlying, from its trades' flows (./evaluate.ts step 3).
 *
 * For an underlying u with gross traded USD G (sum of |flows|) and net N (buys +, sells -):
 * - slices n = ceil(G / Q*), Q* the largest trade whose impact is at most maxImpact (cost.ts maxTradeForImpact),
 *   at most maxSlices: each slice is a metaorder of its own (a day apart by default, config.ts);
 * - rate: the impact fraction each traded USD pays, I(G / n) (every slice pays the impact of its own size), so the
 *   impact cost is G x rate;
 * - move of the mark: sign(N) I(|N| / n) when reflexive (sells push it down; the earlier slices' impact decayed).
 * With an order book for u, the walk (cost.ts walkBook) gives the slice count (smallest n whose slice moves the
 * book at most maxImpact), the rate (walk cost per USD) and the move. A stable (no liquidity) has no impact.
 */
import type { ResolvedOptions } from './config.ts';
import { impactFraction, maxTradeForImpact, walkBook, type Liquidity } from './cost.ts';

export interface AssetImpact {
  readonly slices: number;
  readonly rate: number;
  /** Signed fraction move of the mark (0 without reflexive loop). */
  readonly move: number;
}

export function assetImpact(G: number, N: number, price: number, liq: Liquidity | null, o: ResolvedOptions, asset: string): AssetImpact {
  const book = o.books[asset];
  let n = 1;
  let rate = 0;
  let move = 0;
  if (G > 0 && book !== undefined) {
    const base = liq ?? { advUsd: Infinity, sigmaDaily: 0 };
    const side = N >= 0 ? 'buy' : 'sell';
    while (n < o.maxSlices && walkBook(book, side, G / n / price, base, o.impactY).move > o.maxImpact) n++;
    rate = walkBook(book, side, G / n / price, base, o.impactY).costUsd / (G / n);
    move = walkBook(book, side, Math.abs(N) / n / price, base, o.impactY).move;
  } else if (G > 0 && liq !== null) {
    n = Math.min(Math.max(Math.ceil(G / maxTradeForImpact(o.maxImpact, liq, o.impactY) - 1e-12), 1), o.maxSlices);
    rate = impactFraction(G / n, liq, o.impactY);
    move = impactFraction(Math.abs(N) / n, liq, o.impactY);
  }
  return { slices: n, rate, move: o.reflexive && N !== 0 ? Math.sign(N) * move : 0 };
}
