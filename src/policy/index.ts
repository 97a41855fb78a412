/**
 * Risk policies (issue 4): small pure units voting for the trading state with reasons and intents, their
 * composition, configuration and the pre-trade gate. See types.ts for the contract and compose.ts for the merge
 * rules.
 */
export * from './types.ts';
export { DEFAULT_MAX_DATA_AGE_MS, grossExposureUsd, type PolicyDefinition } from './common.ts';
export { policyContext, type ContextOptions } from './context.ts';
export { composePolicies, mergeVotes, INTENT_ORDER, type ComposedPolicy, type ComposedResult, type ComposedState, type PolicyEvaluation } from './compose.ts';
export { parsePolicies, validatePolicies, policyTypes, POLICY_TYPES, type PolicySet, type PolicyType } from './config.ts';
export { preTradeCheck, reducesRisk, ORDER_KINDS, type OrderLike, type OrderLikeKind, type PreTradeConfig, type PreTradeResult, type Denial } from './pretrade.ts';
export { drawdownBreaker, type DrawdownBreakerConfig, type DrawdownBreakerState } from './drawdown-breaker.ts';
export { stopLoss, type StopLossConfig } from './stop-loss.ts';
export { trailingStop, type TrailingStopConfig } from './trailing-stop.ts';
export { liquidationBuffer, type LiquidationBufferConfig } from './liquidation-buffer.ts';
export { cppi, tipp, type CppiConfig, type TippConfig } from './cppi.ts';
export { volTarget, type VolTargetConfig } from './vol-target.ts';
export { volCap, type VolCapConfig } from './vol-cap.ts';
export { deltaHedge, whalleyWilmottBand, type DeltaHedgeConfig } from './delta-hedge.ts';
export { greeksLimits, type GreeksLimitsConfig } from './greeks-limits.ts';
export { healthGuard, type HealthGuardConfig } from './health-guard.ts';
export { protectivePut, type ProtectivePutConfig } from './protective-put.ts';
export { fundingGuard, type FundingGuardConfig } from './funding-guard.ts';
export { exposureCaps, UNBOUNDED_USD, type ExposureCapsConfig } from './exposure-caps.ts';
