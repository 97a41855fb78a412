/**
 * Running a backtest from a configuration (the edge: files and bundled data are read here, then the pure
 * pipeline runs): config -> market history -> portfolio from the data -> policies -> pipeline with the simulated
 * venue -> metrics and logs.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { BallastError, ValidationError } from '../errors/index.ts';
import { parseText, validatePortfolio } from '../model/parse.ts';
import { isRecord } from '../model/schema.ts';
import { parsePlannerConfig, type PlannerOptions } from '../planner/index.ts';
import { composePolicies, validatePolicies, type PreTradeConfig, type ComposedPolicy } from '../policy/index.ts';
import { validateBacktestConfig, portfolioAssets, preparePortfolio, type BacktestConfig } from './config.ts';
import { historyFeed, loadHistory, type MarketHistory } from './data.ts';
import { metricsOf, type BacktestMetrics } from './metrics.ts';
import { runPipeline, type PipelineResult } from './pipeline.ts';
import { SimulatedVenue, type Rejection } from './venue.ts';

export interface PolicySetup {
  readonly name: string;
  readonly policy: ComposedPolicy | null;
  readonly preTrade?: PreTradeConfig;
  readonly planner?: PlannerOptions;
}

export interface BacktestRun {
  readonly name: string;
  readonly metrics: BacktestMetrics;
  readonly result: PipelineResult;
  readonly rejected: readonly Rejection[];
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new BallastError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** A policy document (as `ballast plan` reads it, with its optional planner: section) -> composed policies. */
export function policySetup(raw: unknown, source: string, name: string): PolicySetup {
  const { planner, ...rest }: Record<string, unknown> = isRecord(raw) ? raw : { policies: raw };
  const issues: ValidationError['issues'][number][] = [];
  let set: ReturnType<typeof validatePolicies> | undefined;
  let plannerOptions: PlannerOptions | undefined;
  try {
    set = validatePolicies(rest, source);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    issues.push(...e.issues);
  }
  try {
    plannerOptions = parsePlannerConfig(planner, source);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    issues.push(...e.issues);
  }
  if (issues.length > 0 || !set || !plannerOptions) throw new ValidationError(source, issues);
  // in a backtest the data is as fresh as the bar: the data-age fail-safe never trips
  return { name, policy: composePolicies(set.policies), preTrade: set.preTrade, planner: plannerOptions };
}

export async function loadPolicySetup(spec: BacktestConfig['policies'], base: string, name: string): Promise<PolicySetup> {
  if (spec === null) return { name, policy: null };
  if (typeof spec === 'string') {
    const path = resolve(base, spec);
    return policySetup(parseText(await readText(path, 'policy file'), path), path, name);
  }
  return policySetup(spec, `${name} (inline policies)`, name);
}

export interface PreparedBacktest {
  readonly config: BacktestConfig;
  readonly history: MarketHistory;
  readonly portfolio: ReturnType<typeof validatePortfolio>;
  readonly base: string;
}

export async function prepareBacktest(configPath: string): Promise<PreparedBacktest> {
  const config = validateBacktestConfig(parseText(await readText(configPath, 'backtest config'), configPath), configPath);
  const base = dirname(resolve(configPath));
  let doc: unknown;
  let docSource: string;
  if (typeof config.portfolio === 'string') {
    docSource = resolve(base, config.portfolio);
    doc = parseText(await readText(docSource, 'portfolio file'), docSource);
  } else {
    doc = config.portfolio;
    docSource = `${configPath} portfolio`;
  }
  if (!isRecord(doc)) throw new ValidationError(docSource, [{ path: '(root)', value: doc, message: 'expected a portfolio mapping' }]);
  const assets = portfolioAssets(doc);
  if (assets.length === 0) throw new ValidationError(docSource, [{ path: 'accounts', value: doc.accounts, message: 'no non-stable asset to backtest' }]);
  const history = await loadHistory(assets, config.from, config.to);
  const opens: Record<string, number> = {};
  assets.forEach((a, i) => (opens[a] = history.open[i]![0]!));
  const prepared = preparePortfolio(doc, history.time[0]!, opens, docSource);
  const withMarket = { ...prepared, market: { ...(prepared.market as Record<string, unknown>) } };
  const portfolio = validatePortfolio(withMarket, docSource);
  return { config, history, portfolio, base };
}

export function runPrepared(p: PreparedBacktest, setup: PolicySetup, onProgress?: (done: number, total: number | null) => void): BacktestRun {
  const venue = new SimulatedVenue(p.config.execution);
  const result = runPipeline(p.portfolio, historyFeed(p.history), venue, {
    policy: setup.policy,
    ...(setup.preTrade ? { preTrade: setup.preTrade } : {}),
    ...(setup.planner ? { planner: setup.planner } : {}),
    ...(onProgress ? { onProgress, progressEvery: 500 } : {}),
  });
  return { name: setup.name, metrics: metricsOf(result), result, rejected: venue.rejected };
}

/** Run a config file: its own policies, plus every `compare` policy file over the same data. */
export async function runBacktestFile(configPath: string, onProgress?: (label: string, done: number, total: number | null) => void): Promise<{ prepared: PreparedBacktest; runs: BacktestRun[] }> {
  const prepared = await prepareBacktest(configPath);
  const setups = [await loadPolicySetup(prepared.config.policies, prepared.base, typeof prepared.config.policies === 'string' ? prepared.config.policies : prepared.config.policies ? 'policies' : 'no-guard')];
  for (const c of prepared.config.compare) setups.push(await loadPolicySetup(c, prepared.base, c ?? 'no-guard'));
  const runs = setups.map((s) => runPrepared(prepared, s, onProgress ? (d, t) => onProgress(s.name, d, t) : undefined));
  return { prepared, runs };
}
