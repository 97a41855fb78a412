/**
 * Bid side of a limit order book on a fixed price grid, with resilience (the cascade simulator's market).
 *
 * Conventions:
 * - Level k (k = 0..K-1) rests at price p_k = P0 (1 - (k + 1) tick), K = floor(extent / tick); sizes in coins.
 * - Calibration to the planner's square-root law I(Q) = Y sigma_d sqrt(Q / ADV) (planner/cost.ts):
 *   - shape 'sqrt' (default): a latent book whose USD depth grows linearly with the distance x from P0, cumulative
 *     depth D(x) = s ADV (x / (Y sigma))^2 (s = depthScale). Walking D(x) USD moves the price by x, so one sell of
 *     Q USD moves it by Y sigma sqrt(Q / (s ADV)): the square-root law at every size (up to one tick), s = 1.
 *   - shape 'flat': constant USD depth rho per unit of distance, rho = sqrt(s Q* ADV) / (Y sigma), so the linear
 *     impact Q / rho equals the square-root impact at the typical trade size Q* (above Q* the flat book is
 *     steeper than the square root, below it shallower). Level USD depth rho tick, coins = USD / p_k.
 * - Sells walk from the best level down; the mark is the price of the last level filled. Past the last level the
 *   remainder fills at the last level's price (`exhausted` reports it).
 * - Resilience rate r per round: every level at or below the best one refills, size += r (orig - size). Emptied
 *   levels above the mark stay empty: impact is permanent within the cascade (no mean reversion of the price).
 */
export interface BookSpec {
  readonly startPrice: number;
  readonly shape: 'sqrt' | 'flat';
  /** Grid step, fraction of the start price. */
  readonly tick: number;
  /** Deepest level's distance below the start price, fraction in (0, 1). */
  readonly extent: number;
  readonly advUsd: number;
  readonly sigmaDaily: number;
  readonly impactY: number;
  /** Share s of the calibrated depth present in the book (1 = the square-root law's). */
  readonly depthScale: number;
  /** Q*, USD: the trade size at which a flat book matches the square-root law. */
  readonly typicalTradeUsd: number;
  readonly resilience: number;
}

export interface Fill {
  readonly coins: number;
  readonly usd: number;
  /** Volume-weighted fill price (the mark when nothing filled). */
  readonly vwap: number;
  readonly exhausted: boolean;
}

export class BidBook {
  readonly prices: Float64Array;
  readonly orig: Float64Array;
  readonly sizes: Float64Array;
  /** Index of the best non-empty level (K when the book is exhausted). */
  best = 0;
  mark: number;

  constructor(spec: BookSpec) {
    const k = Math.floor(spec.extent / spec.tick + 1e-9);
    this.prices = new Float64Array(k);
    this.orig = new Float64Array(k);
    this.mark = spec.startPrice;
    const ys = spec.impactY * spec.sigmaDaily;
    const rhoFlat = Math.sqrt(spec.depthScale * spec.typicalTradeUsd * spec.advUsd) / ys;
    const cum = (x: number): number => spec.depthScale * spec.advUsd * (x / ys) ** 2;
    for (let i = 0; i < k; i++) {
      const p = spec.startPrice * (1 - (i + 1) * spec.tick);
      const usd = spec.shape === 'flat' ? rhoFlat * spec.tick : cum((i + 1) * spec.tick) - cum(i * spec.tick);
      this.prices[i] = p;
      this.orig[i] = usd / p;
    }
    this.sizes = Float64Array.from(this.orig);
    this.resilience = spec.resilience;
  }

  private readonly resilience: number;

  /** A book from explicit levels (tests): prices strictly decreasing, below `mark`. */
  static fromLevels(mark: number, prices: readonly number[], sizes: readonly number[], resilience: number): BidBook {
    const b = Object.create(BidBook.prototype) as BidBook;
    Object.assign(b, { prices: Float64Array.from(prices), orig: Float64Array.from(sizes), sizes: Float64Array.from(sizes), best: 0, mark, resilience });
    return b;
  }

  /** Coins resting in the book. */
  depthCoins(): number {
    let s = 0;
    for (let i = this.best; i < this.sizes.length; i++) s += this.sizes[i]!;
    return s;
  }

  /** Market sell of `coins` (>= 0): walks the levels, moves the mark to the last level filled. */
  sell(coins: number): Fill {
    let left = coins;
    let usd = 0;
    const n = this.sizes.length;
    while (left > 0 && this.best < n) {
      const i = this.best;
      const take = Math.min(left, this.sizes[i]!);
      usd += take * this.prices[i]!;
      left -= take;
      this.sizes[i]! -= take;
      this.mark = this.prices[i]!;
      if (this.sizes[i]! <= 0) {
        this.sizes[i] = 0;
        if (left > 0) this.best++;
      }
    }
    let exhausted = false;
    if (left > 0) {
      exhausted = true;
      if (n > 0) this.mark = this.prices[n - 1]!;
      usd += left * this.mark;
    }
    return { coins, usd, vwap: coins > 0 ? usd / coins : this.mark, exhausted };
  }

  /** A price drop without trading: the mark jumps to `price`, the levels above it are removed. */
  dropTo(price: number): void {
    if (!(price < this.mark)) return;
    while (this.best < this.prices.length && this.prices[this.best]! > price) this.sizes[this.best++] = 0;
    this.mark = price;
  }

  /** One round of resilience: the levels at or below the best one refill toward their original size. */
  recover(): void {
    const r = this.resilience;
    for (let i = this.best; i < this.sizes.length; i++) this.sizes[i]! += r * (this.orig[i]! - this.sizes[i]!);
  }
}
