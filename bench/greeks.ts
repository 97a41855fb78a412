/**
 * Throughput of the typed-array Greeks kernel (src/pricing/batch.ts): price + delta, gamma, vega, theta, vanna,
 * volga per option, one core. Book as in the pricing reference note, section 8 (same LCG, seed 12345, same draw
 * order): S = 60000, K in [30k, 90k], T in [1/365, 1 + 1/365] years, sigma in [0.3, 1.2], r in [0, 0.05], calls and
 * puts mixed. Best of 3 timed runs after one warm-up run.
 * greeksPerSecond = options per second, each option getting its price and all six Greeks.
 *
 * Run: node --import tsx bench/greeks.ts [n]
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { newGreeksBatch, newOptionBatch, priceBatch } from '../src/pricing/batch.ts';
import type { OptionBatch } from '../src/pricing/batch.ts';

export interface GreeksBenchResult {
  options: number;
  seconds: number;
  greeksPerSecond: number;
}

/** The reference note's random book (section 8). */
export function referenceBook(n: number): OptionBatch {
  const book = newOptionBatch(n);
  let seed = 12345;
  // Exactly the note's expression: a float product (not Math.imul), so the draws match its book bit for bit.
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  for (let i = 0; i < n; i++) {
    book.spot[i] = 60000;
    book.strike[i] = 30000 + 60000 * rnd();
    book.years[i] = 1 / 365 + rnd();
    book.vol[i] = 0.3 + 0.9 * rnd();
    book.rate[i] = 0.05 * rnd();
    book.w[i] = rnd() < 0.5 ? 1 : -1;
  }
  return book;
}

export function benchGreeks(n = 10_000_000): GreeksBenchResult {
  const book = referenceBook(n);
  const out = newGreeksBatch(n);
  priceBatch(book, out); // warm-up (JIT)
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    priceBatch(book, out);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return { options: n, seconds: best, greeksPerSecond: n / best };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(JSON.stringify(benchGreeks(n)));
}
