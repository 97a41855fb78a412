/**
 * Policy configuration: YAML or JSON text -> validated policies, pre-trade settings and the data age limit.
 *
 *   maxDataAgeMs: 300000          # optional, default 5 min; each policy may override it
 *   preTrade: { maxOrderNotionalUsd: 250000, priceBand: 0.05, protectiveExits: [close, buy-option] }
 *   policies:
 *     - { type: health-guard, target: 1.5 }
 *     - { type: drawdown-breaker, bands: [{ drawdown: 0.1, reduceTo: 0.5 }, { drawdown: 0.2, reduceTo: 0 }] }
 *
 * Every bad field is reported at once (ValidationError, one issue per field, its path such as
 * `policies[1].bands[0].drawdown` and the value found), with the portfolio schema's conventions: strict objects
 * with spelling hints, finite numbers. An unknown type lists the known ones. Policy names (default: the type) must
 * be unique: they key the composed state.
 */
import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../errors/index.ts';
import { parseText, type DocumentFormat } from '../model/parse.ts';
import { didYouMean, formatPath, isRecord, parseFields, type Path } from '../model/schema.ts';
import { DEFAULT_MAX_DATA_AGE_MS, type Resolved } from './common.ts';
import { cppiDefinition, tippDefinition } from './cppi.ts';
import { deltaHedgeDefinition } from './delta-hedge.ts';
import { drawdownBreakerDefinition } from './drawdown-breaker.ts';
import { exposureCapsDefinition } from './exposure-caps.ts';
import { fundingGuardDefinition } from './funding-guard.ts';
import { greeksLimitsDefinition } from './greeks-limits.ts';
import { healthGuardDefinition } from './health-guard.ts';
import { liquidationBufferDefinition } from './liquidation-buffer.ts';
import { preTradeShape, type PreTradeConfig } from './pretrade.ts';
import { protectivePutDefinition } from './protective-put.ts';
import { stopLossDefinition } from './stop-loss.ts';
import { trailingStopDefinition } from './trailing-stop.ts';
import { volCapDefinition } from './vol-cap.ts';
import { volTargetDefinition } from './vol-target.ts';
import type { Policy } from './types.ts';

/** A policy type as the loader sees it (type-erased). */
export interface PolicyType {
  readonly type: string;
  readonly parse: (raw: Record<string, unknown>, path: Path, issues: FieldIssue[], defaults: Pick<Resolved, 'maxDataAgeMs'>) => Policy | undefined;
}

const DEFINITIONS: readonly PolicyType[] = [
  drawdownBreakerDefinition,
  stopLossDefinition,
  trailingStopDefinition,
  liquidationBufferDefinition,
  cppiDefinition,
  tippDefinition,
  volTargetDefinition,
  volCapDefinition,
  deltaHedgeDefinition,
  greeksLimitsDefinition,
  healthGuardDefinition,
  protectivePutDefinition,
  fundingGuardDefinition,
  exposureCapsDefinition,
];

export const POLICY_TYPES: ReadonlyMap<string, PolicyType> = new Map(DEFINITIONS.map((d) => [d.type, d]));

/** Known policy types, sorted. */
export const policyTypes = (): string[] => [...POLICY_TYPES.keys()].sort();

export interface PolicySet {
  /** Built policies in config order (compose them with composePolicies). */
  readonly policies: readonly Policy[];
  readonly preTrade: PreTradeConfig;
  readonly maxDataAgeMs: number;
}

const rootShape = {
  policies: z.array(z.unknown()).min(1),
  preTrade: z.unknown(),
  maxDataAgeMs: z.number().int().positive().optional(),
};

/** Validate a parsed policies document. Throws ValidationError listing every bad field. */
export function validatePolicies(raw: unknown, source: string): PolicySet {
  const issues: FieldIssue[] = [];
  const root = parseFields(rootShape, raw, [], issues);
  if (!root) throw new ValidationError(source, issues);
  const maxDataAgeMs = root.maxDataAgeMs ?? DEFAULT_MAX_DATA_AGE_MS;

  const rawPre = isRecord(raw) ? raw.preTrade : undefined;
  const pre = rawPre === undefined ? { protectiveExits: [] } : parseFields(preTradeShape, rawPre, ['preTrade'], issues);

  const policies: Policy[] = [];
  const names = new Map<string, number>();
  (root.policies ?? []).forEach((item, i) => {
    const path = ['policies', i];
    if (!isRecord(item)) {
      issues.push({ path: formatPath(path), value: item, message: `expected a policy mapping such as { type: health-guard, target: 1.5 }` });
      return;
    }
    const type = item.type;
    const def = typeof type === 'string' ? POLICY_TYPES.get(type) : undefined;
    if (!def) {
      const hint = typeof type === 'string' ? didYouMean(type, policyTypes()) : '';
      const what = type === undefined ? 'required field is missing' : typeof type === 'string' ? 'unknown policy type' : 'expected a policy type name';
      issues.push({ path: formatPath([...path, 'type']), value: type, message: `${what}${hint}; known types: ${policyTypes().join(', ')}` });
      return;
    }
    const policy = def.parse(item, path, issues, { maxDataAgeMs });
    if (!policy) return;
    const first = names.get(policy.name);
    if (first !== undefined) {
      issues.push({
        path: formatPath([...path, 'name']),
        value: item.name,
        message: `duplicate policy name "${policy.name}" (policies[${first}] has it too): give ${item.name === undefined ? 'this one' : 'one of them'} a distinct name`,
      });
      return;
    }
    names.set(policy.name, i);
    policies.push(policy);
  });

  if (issues.length > 0) throw new ValidationError(source, issues);
  const p = pre as NonNullable<typeof pre>;
  return {
    policies,
    preTrade: { maxOrderNotionalUsd: p.maxOrderNotionalUsd, priceBand: p.priceBand, protectiveExits: p.protectiveExits ?? [], maxDataAgeMs },
    maxDataAgeMs,
  };
}

/** Parse and validate a policies document (YAML or JSON). Throws DocumentSyntaxError or ValidationError. */
export function parsePolicies(text: string, source: string, format?: DocumentFormat): PolicySet {
  return validatePolicies(parseText(text, source, format), source);
}
