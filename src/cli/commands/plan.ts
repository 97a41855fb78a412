/**
 * `ballast plan [portfolio] --policies <file> [--json]`: evaluate the policies on the book and turn their intents
 * into the cheapest orders that restore safety (src/planner). The policy file may carry a `planner:` section
 * (reserves, impact limits, protective exits); market history for the policies (vol forecasts, DVOL, funding) comes
 * from the bundled data (plan-inputs.ts). Every order passes the pre-trade checks of the policy file's `preTrade:`;
 * a denied order makes the plan infeasible and is listed with its reason.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import pc from 'picocolors';
import { BallastError, ValidationError } from '../../errors/index.ts';
import { loadPortfolioFile } from '../../io/portfolio-file.ts';
import { parseText } from '../../model/parse.ts';
import { gatePlan, parsePlannerConfig, planFromVote, type Plan } from '../../planner/index.ts';
import { composePolicies, policyContext, preTradeCheck, validatePolicies } from '../../policy/index.ts';
import { num, usd } from '../format.ts';
import type { Io } from '../main.ts';
import { planInputs } from './plan-inputs.ts';
import { DEFAULT_PORTFOLIO } from './risk.ts';

export const DEFAULT_POLICIES = fileURLToPath(new URL('../../../examples/policies/default.yaml', import.meta.url));

export async function runPlan(file: string | undefined, opts: { policies?: string; json?: boolean }, io: Io): Promise<number> {
  const portfolio = await loadPortfolioFile(file ?? DEFAULT_PORTFOLIO);
  const policyFile = opts.policies ?? DEFAULT_POLICIES;
  let text: string;
  try {
    text = await readFile(policyFile, 'utf8');
  } catch (e) {
    throw new BallastError(`cannot read policy file ${policyFile}: ${(e as Error).message}`);
  }
  const raw = parseText(text, policyFile);
  const { planner, ...rest } = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : { policies: raw }) as Record<string, unknown>;
  let set: ReturnType<typeof validatePolicies> | undefined;
  let plannerOptions: ReturnType<typeof parsePlannerConfig> | undefined;
  const issues: ValidationError['issues'][number][] = [];
  try {
    set = validatePolicies(rest, policyFile);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    issues.push(...e.issues);
  }
  try {
    plannerOptions = parsePlannerConfig(planner, policyFile);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    issues.push(...e.issues);
  }
  if (issues.length > 0 || !set || !plannerOptions) throw new ValidationError(policyFile, issues);

  const inputs = await planInputs(portfolio);
  const ctx = policyContext(portfolio, { forecastVol: inputs.forecastVol, impliedVolIndex: inputs.impliedVolIndex, funding: inputs.funding });
  const composed = composePolicies(set.policies);
  const { vote } = composed.evaluate(ctx, composed.initialState(ctx));
  const preTrade = set.preTrade;
  const proposed = planFromVote(portfolio, vote, { protectiveExits: preTrade.protectiveExits, ...plannerOptions });
  const plan = gatePlan(proposed, (o) => preTradeCheck(o, ctx, preTrade, vote.state));
  io.stdout(opts.json ? `${JSON.stringify({ ...plan, inputs }, null, 2)}\n` : renderPlan(plan, file ?? DEFAULT_PORTFOLIO, policyFile));
  return 0;
}

export function renderPlan(plan: Plan, source: string, policies: string): string {
  const color = plan.state === 'ACTIVE' ? pc.green : plan.state === 'REDUCING' ? pc.yellow : pc.red;
  const out: string[] = [pc.bold(`Ballast plan  ${source}  policies ${policies}`), '', `state ${color(plan.state)}   ${plan.feasible ? pc.green('feasible') : pc.red('NOT feasible: least bad plan')}`, ''];
  for (const r of plan.reasons) out.push(`  ${r.policy}  ${pc.cyan(r.code)}  ${r.message}`);
  for (const u of plan.unmet) out.push(`  ${pc.red('unmet')}  ${u}`);
  out.push('');
  const orders = new Table({ head: ['#', 'account', 'asset', 'kind', 'side', 'qty', 'cost USD', 'health after', 'reason'], style: { head: ['cyan'] }, colWidths: [4, 18, 7, 16, 6, 14, 10, 8, 46], wordWrap: true });
  plan.orders.forEach((o, i) =>
    orders.push([String(i + 1), o.account, o.asset, o.to !== undefined ? `${o.kind} to ${o.to}` : o.kind, o.side, num(o.qty, 4), usd(o.expectedCost), o.expectedHealthAfter === null ? '-' : num(o.expectedHealthAfter, 3), o.reason]),
  );
  out.push(plan.orders.length > 0 ? orders.toString() : 'no orders', '');
  const acc = new Table({ head: ['account', 'health before', 'health after', 'equity before', 'equity after', 'gross before', 'gross after'], style: { head: ['cyan'] } });
  plan.before.accounts.forEach((b, i) => {
    const a = plan.after.accounts[i]!;
    acc.push([b.id, b.healthFactor === null ? 'no debt' : num(b.healthFactor, 3), a.healthFactor === null ? 'no debt' : num(a.healthFactor, 3), usd(b.equity), usd(a.equity), usd(b.grossExposure), usd(a.grossExposure)]);
  });
  out.push(acc.toString(), '');
  return out.join('\n');
}
