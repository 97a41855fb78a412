import { riskReport } from '../src/risk/report.ts';
import { benchBook } from './book.ts';

/** Wall time of a full `risk` report (margin incl. portfolio-margin grids, liquidation prices, crash moves, Greeks). */
export function benchRisk(positions = 10_000, runs = 5): { positions: number; accounts: number; bestMs: number; medianMs: number } {
  const book = benchBook(positions);
  riskReport(book); // warm-up (JIT)
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    riskReport(book);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { positions, accounts: book.accounts.length, bestMs: times[0]!, medianMs: times[Math.floor(times.length / 2)]! };
}
