/**
 * Stress revaluation: each scenario applied to the portfolio (./apply.ts) and the shocked book run through the
 * risk report (risk/report.ts), so every account is fully repriced by its own margin model. Per account (USD):
 * - equityAfter: the report's equity of the shocked book (funding and exit haircut already debited);
 * - marginRatioAfter: maintenance / equity after (null when equity after <= 0);
 * - liquidated: some bucket at or below its maintenance after the shock (the report's `liquidatable`);
 * - loss = equity before - equity after: positive is a loss, negative a gain.
 * Plus the reverse stress of the unshocked book (./reverse.ts).
 */
import type { Portfolio } from '../model/types.ts';
import { riskReport, type RiskReport } from '../risk/report.ts';
import { applyScenario } from './apply.ts';
import { reverseStress, type ReverseStress } from './reverse.ts';
import type { Scenario } from './scenario.ts';

export interface AccountStress {
  id: string;
  equityAfter: number;
  marginRatioAfter: number | null;
  liquidated: boolean;
  loss: number;
}

export interface ScenarioResult {
  name: string;
  /** What the scenario applies (scenario.ts conventions), without its name. */
  shock: Omit<Scenario, 'name'>;
  accounts: AccountStress[];
}

export interface StressReport {
  asOf: string;
  scenarios: ScenarioResult[];
  reverse: ReverseStress;
}

/** One scenario against the report of the unshocked book (`before`, same portfolio). */
export function stressScenario(portfolio: Portfolio, before: RiskReport, scenario: Scenario): ScenarioResult {
  const after = riskReport(applyScenario(portfolio, scenario));
  const { name, ...shock } = scenario;
  return {
    name,
    shock,
    accounts: after.accounts.map((a, i) => ({
      id: a.id,
      equityAfter: a.equity,
      marginRatioAfter: a.marginRatio,
      liquidated: a.liquidatable,
      loss: before.accounts[i]!.equity - a.equity,
    })),
  };
}

export function stressReport(portfolio: Portfolio, scenarios: readonly Scenario[]): StressReport {
  const before = riskReport(portfolio);
  return {
    asOf: before.asOf,
    scenarios: scenarios.map((s) => stressScenario(portfolio, before, s)),
    reverse: reverseStress(before),
  };
}
