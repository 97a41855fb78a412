import { riskReport, type RiskReport } from '../src/risk/report.ts';
import type { Portfolio } from '../src/model/types.ts';
import { benchBook } from './book.ts';

/** The whole report: the report computes accounts, liquidation prices, distances and crash moves when first read
 * (risk/report.ts), so the benchmark reads every one of them. */
export function fullReport(book: Portfolio): RiskReport {
  const r = riskReport(book);
  for (const a of r.accounts) {
    if (a.crashMove.down === undefined) throw new Error('unreachable');
    for (const p of a.positions) if (p.liquidationPrices.down === undefined || p.distanceToLiquidation === undefined) throw new Error('unreachable');
  }
  return r;
}

/** Wall time of a full `risk` report (margin incl. portfolio-margin grids, liquidation prices, crash moves, Greeks). */
export function benchRisk(positions = 10_000, runs = 5): { positions: number; accounts: number; bestMs: number; medianMs: number } {
  const book = benchBook(positions);
  fullReport(book); // warm-up (JIT)
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fullReport(book);
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
    fullReport(sub);
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      fullReport(sub);
      best = Math.min(best, performance.now() - t0);
    }
    return { group, positions: accounts.reduce((s, a) => s + a.positions.length, 0), bestMs: best };
  });
}
