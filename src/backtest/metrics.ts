/**
 * Backtest metrics from the pipeline's result. Conventions:
 * - return: finalEquity / initialEquity - 1 (initial: equity at the first bar's open).
 * - maxDrawdown: largest fall from a running peak of the equity curve (bar closes), a positive fraction.
 * - sortino, calmar: analytics/stats.ts (empyrical conventions) on hourly returns of the curve, annualised with
 *   365 x 24 periods; null when undefined (NaN). Equity at or below 0 is taken as 0 (returns after it: 0).
 * - liquidations: venue liquidation events, one per Liquidation record: a whole-bucket close, each partial chunk
 *   and the whole or backstop close that may follow it (partial-liquidation venues: one bucket can count several
 *   times in a bar), each Aave liquidationCall; not the number of buckets or accounts liquidated.
 *   liquidationLosses: their fees / bonuses (USD); badDebt: balances below zero the venue wrote off.
 * - costsPaid: fees + half-spread + impact of the book's own fills, USD (liquidation fees are in liquidationLosses).
 * - turnover: traded notional (own fills; options: the underlying's notional; transfers, repays and option expiries
 *   trade nothing) / initial equity.
 * - timeInState: fraction of bars whose close vote was ACTIVE, REDUCING, HALTED.
 */
import { calmar, sortino } from '../analytics/stats.ts';
import type { PipelineResult } from './pipeline.ts';

export interface BacktestMetrics {
  return: number;
  maxDrawdown: number;
  calmar: number | null;
  sortino: number | null;
  liquidations: number;
  liquidationLosses: number;
  badDebt: number;
  costsPaid: number;
  fundingPaid: number;
  turnover: number;
  timeInState: { ACTIVE: number; REDUCING: number; HALTED: number };
  initialEquity: number;
  finalEquity: number;
  bars: number;
}

const nullIfNaN = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function metricsOf(r: PipelineResult): BacktestMetrics {
  const eq = r.equity;
  const e0 = eq[0]!;
  const eN = eq[eq.length - 1]!;
  let peak = -Infinity;
  let mdd = 0;
  const returns = new Float64Array(Math.max(0, eq.length - 1));
  for (let k = 0; k < eq.length; k++) {
    const e = Math.max(0, eq[k]!);
    if (e > peak) peak = e;
    if (peak > 0) mdd = Math.max(mdd, (peak - e) / peak);
    if (k > 0) {
      const p = Math.max(0, eq[k - 1]!);
      returns[k - 1] = p > 0 ? e / p - 1 : 0;
    }
  }
  const opts = { periodsPerYear: 365 * 24 };
  let costs = 0;
  let traded = 0;
  for (const f of r.fills) {
    costs += f.fee + f.slippage;
    traded += f.kind === 'transfer' || f.kind === 'repay' || f.kind === 'expiry' ? 0 : f.notionalUsd;
  }
  const count = { ACTIVE: 0, REDUCING: 0, HALTED: 0 };
  for (const s of r.states) count[s]++;
  const n = Math.max(1, r.states.length);
  return {
    return: e0 > 0 ? eN / e0 - 1 : NaN,
    maxDrawdown: mdd,
    calmar: returns.length > 1 ? nullIfNaN(calmar(returns, opts)) : null,
    sortino: returns.length > 1 ? nullIfNaN(sortino(returns, opts)) : null,
    liquidations: r.liquidations.length,
    liquidationLosses: r.liquidations.reduce((s, l) => s + l.loss, 0),
    badDebt: r.liquidations.reduce((s, l) => s + l.badDebt, 0),
    costsPaid: costs,
    fundingPaid: r.fundingPaid,
    turnover: e0 > 0 ? traded / e0 : NaN,
    timeInState: { ACTIVE: count.ACTIVE / n, REDUCING: count.REDUCING / n, HALTED: count.HALTED / n },
    initialEquity: e0,
    finalEquity: eN,
    bars: r.bars,
  };
}
