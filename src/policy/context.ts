/**
 * Building a PolicyContext from a validated portfolio: the risk report is computed here, market history (vol
 * forecasts, implied vol index, funding) is passed in by the caller (no I/O), and the data age is now - asOf
 * unless given.
 */
import type { Portfolio } from '../model/types.ts';
import { riskReport, type RiskReport } from '../risk/report.ts';
import type { PolicyContext } from './types.ts';

export interface ContextOptions {
  /** Evaluation time, epoch ms; default: the portfolio's asOf (fresh data). */
  readonly now?: number;
  readonly forecastVol?: Readonly<Record<string, number>>;
  readonly impliedVolIndex?: Readonly<Record<string, number>>;
  readonly funding?: Readonly<Record<string, number>>;
  /** Default: now - market.asOf. */
  readonly dataAgeMs?: number;
  /** A report already computed for this portfolio. */
  readonly report?: RiskReport;
}

export function policyContext(portfolio: Portfolio, options: ContextOptions = {}): PolicyContext {
  const now = options.now ?? portfolio.market.asOf;
  return {
    now,
    portfolio,
    report: options.report ?? riskReport(portfolio),
    market: {
      forecastVol: options.forecastVol ?? {},
      impliedVolIndex: options.impliedVolIndex ?? {},
      funding: options.funding ?? {},
      dataAgeMs: options.dataAgeMs ?? now - portfolio.market.asOf,
    },
  };
}
