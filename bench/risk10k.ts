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

/** The same book split by venue and mode: where the time of a risk report goes. */
export function benchRiskBreakdown(positions = 10_000, runs = 3): { group: string; positions: number; bestMs: number }[] {
  const book = benchBook(positions);
  const groups = new Map<string, typeof book.accounts>();
  for (const a of book.accounts) {
    const k = `${a.venueName}/${a.mode}`;
    groups.set(k, [...(groups.get(k) ?? []), a]);
  }
  return [...groups.entries()].map(([group, accounts]) => {
    const sub = { ...book, accounts };
    riskReport(sub);
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      riskReport(sub);
      best = Math.min(best, performance.now() - t0);
    }
    return { group, positions: accounts.reduce((s, a) => s + a.positions.length, 0), bestMs: best };
  });
}
