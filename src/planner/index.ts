/**
 * The planner's public surface: planBook (intents -> plan) and planFromVote (composed vote + portfolio + config ->
 * plan, for `ballast plan`), the `planner:` config schema, the cost model.
 */
export { planBook, planFromVote, gatePlan, explainPlan, buildProblem, plannedBook, grossExposures, type PlanBookOptions, type Problem, type ExplainedPlan, type GateResult } from './plan.ts';
export { parsePlannerConfig, plannerConfigSchema, resolveOptions, type PlannerOptions, type ReserveConfig, type ProtectiveExit } from './config.ts';
export { impactFraction, linearTradeCost, walkBook, DEFAULT_IMPACT_Y, type Liquidity, type OrderBook, type BookLevel } from './cost.ts';
export { bundledLiquidity, bundledFees, takerFee } from './liquidity.ts';
export type { Plan, Order, OrderKind, OptionSpec, AccountSnapshot } from './types.ts';
