/**
 * The three numbers the pipeline records at every close (portfolio equity, gross exposure, lowest health), computed
 * from the book's cached margin models without building a risk report. They are computed as risk/report.ts and the
 * pipeline compute them from a report: the same terms, the same sums in the same order, so they are equal to the
 * bit (a test runs both on every bar of real history).
 *
 * - equity: per account, the sum of its buckets' balances (plus free collateral of an isolated account), summed
 *   over accounts in order (RiskReport.portfolio.equity).
 * - gross: sum over underlyings, in order of first appearance (positions, then non-stable collateral, account by
 *   account), of |net delta x mark| (sum of |RiskReport.portfolio.underlyings[u].netDeltaUsd|).
 * - health: the lowest bucket health factor of the book (Infinity when nothing is required).
 * Units: USD; health dimensionless.
 */
import { evaluateBucket, healthFactor, zeroTerms } from '../margin/terms.ts';
import { valuePosition } from '../risk/valuation.ts';
import type { Book } from './book.ts';

export interface CloseSummary {
  equity: number;
  gross: number;
  health: number;
}

export class Summarizer {
  private readonly terms = zeroTerms();
  /** Net delta per underlying slot; the underlyings in order of first appearance, and each one's slot. */
  private net = new Float64Array(0);
  private names: string[] = [];
  private readonly slot = new Map<string, number>();
  /** The book and version the order above was built for. */
  private book: Book | null = null;
  private version = -1;

  /** Fill `out` for the book at its current prices. */
  compute(book: Book, out: CloseSummary): CloseSummary {
    if (book !== this.book || book.version !== this.version) this.order(book);
    const stables = book.base.stables;
    const market = book.hasOptions ? book.market() : book.base;
    const net = this.net;
    for (let k = 0; k < net.length; k++) net[k] = 0;
    let total = 0;
    let health = Infinity;
    for (let i = 0; i < book.accounts.length; i++) {
      const account = book.accounts[i]!;
      const buckets = book.model(i).buckets;
      let balance = 0;
      for (let b = 0; b < buckets.length; b++) {
        const t = evaluateBucket(buckets[b]!, book.price, this.terms);
        balance += t.balance;
        const h = healthFactor(t);
        if (h < health) health = h;
      }
      if (account.mode === 'isolated') {
        let free = 0;
        for (const asset in account.collateral) free += account.collateral[asset]! * book.price(asset);
        balance += free;
      }
      total += balance;
      for (const p of account.positions) {
        if (stables.has(p.asset)) continue;
        net[this.slot.get(p.asset)!]! += valuePosition(p, book.price(p.asset), market).delta;
      }
      for (const asset in account.collateral) if (!stables.has(asset)) net[this.slot.get(asset)!]! += account.collateral[asset]!;
    }
    let gross = 0;
    for (let k = 0; k < this.names.length; k++) gross += Math.abs(net[k]! * book.price(this.names[k]!));
    out.equity = total;
    out.gross = gross;
    out.health = health;
    return out;
  }

  /** Underlyings in order of first appearance (positions, then non-stable collateral, account by account). */
  private order(book: Book): void {
    this.names = [];
    this.slot.clear();
    const stables = book.base.stables;
    const see = (asset: string): void => {
      if (stables.has(asset) || this.slot.has(asset)) return;
      this.slot.set(asset, this.names.length);
      this.names.push(asset);
    };
    for (const account of book.accounts) {
      for (const p of account.positions) see(p.asset);
      for (const asset in account.collateral) see(asset);
    }
    this.net = new Float64Array(this.names.length);
    this.book = book;
    this.version = book.version;
  }
}
