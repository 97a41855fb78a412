/**
 * Cascade simulator configuration: a YAML/JSON document (examples/cascade/default.yaml) merged over the defaults,
 * then CLI overrides; every field validated, a bad one is a ValidationError naming its path and value (exit 2).
 * Liquidity defaults (ADV, sigma) are the planner's calibrated BTC values (data/liquidity/btc.json); tiers and the
 * maintenance fee term come from the venue presets (data/venues/<name>.json).
 * venues[i].clearanceFeeRate (fraction of the liquidated notional, charged at liquidation from the margin left, never
 * more: see simulate.ts) is optional: when not given it is the preset's clearanceFeeRate (binance-usdm 0.0125,
 * Binance's insurance clearance fee; 0 for a preset without one, e.g. hyperliquid); a value given, 0 included,
 * overrides the preset. The default venues give none, so they take their presets' rates.
 */
import { z } from 'zod';
import btc from '../../data/liquidity/btc.json' with { type: 'json' };
import { ValidationError, type FieldIssue } from '../errors/index.ts';
import { getPreset } from '../margin/presets.ts';
import { toFieldIssues } from '../model/schema.ts';
import type { BookSpec } from './book.ts';
import type { PopulationSpec, VenueSpec } from './population.ts';
import type { GuardianSpec, Shock } from './simulate.ts';

const pos = () => z.number().positive();
const frac = () => z.number().min(0).max(1);

const configSchema = z.strictObject({
  seed: z.number().int(),
  asset: z.string().min(1),
  startPrice: pos(),
  maxRounds: z.number().int().min(1).max(100_000),
  population: z.strictObject({
    accounts: z.number().int().min(1).max(10_000_000),
    openInterestUsd: pos(),
    longShare: frac(),
    leverage: z.strictObject({ median: z.number().min(1), sigma: z.number().min(0), min: z.number().min(1), max: z.number().min(1) }),
    entrySigma: z.number().min(0).max(1),
    sizeSigma: z.number().min(0).max(5),
    crossShare: frac(),
    crossBufferMax: z.number().min(0),
    minStartDistance: z.number().min(0).lt(1),
  }),
  venues: z
    .array(z.strictObject({ name: z.string(), weight: z.number().positive(), clearanceFeeRate: z.number().min(0).lt(1).optional() }))
    .min(1)
    .max(255),
  book: z.strictObject({
    shape: z.enum(['sqrt', 'flat']),
    tick: z.number().positive().max(0.1),
    extent: z.number().positive().lt(1),
    advUsd: pos(),
    sigmaDaily: pos(),
    impactY: pos(),
    depthScale: pos(),
    typicalTradeUsd: pos(),
    resilience: frac(),
  }),
  shock: z.strictObject({ sellUsd: z.number().min(0).optional(), drop: z.number().min(0).lt(1).optional() }),
  guardians: z.strictObject({ share: frac(), threshold: z.number().min(0).lt(1), fraction: z.number().gt(0).max(1), takerFeeRate: z.number().min(0).lt(1), minNotionalUsd: z.number().min(0) }),
  sweep: z.array(frac()),
});

export type CascadeConfig = z.output<typeof configSchema>;

export const DEFAULT_CONFIG: CascadeConfig = {
  seed: 1,
  asset: 'BTC',
  startPrice: 60_000,
  maxRounds: 200,
  population: {
    accounts: 10_000,
    openInterestUsd: 8e9,
    longShare: 0.6,
    leverage: { median: 10, sigma: 0.7, min: 1, max: 100 },
    entrySigma: 0.05,
    sizeSigma: 1.5,
    crossShare: 0.5,
    crossBufferMax: 1,
    minStartDistance: 0.05,
  },
  venues: [
    { name: 'binance-usdm', weight: 0.7 },
    { name: 'hyperliquid', weight: 0.3 },
  ],
  book: { shape: 'sqrt', tick: 0.0005, extent: 0.9, advUsd: btc.advUsd, sigmaDaily: btc.sigmaDaily, impactY: 1, depthScale: 0.01, typicalTradeUsd: 10e6, resilience: 0.1 },
  shock: { sellUsd: 1e9 },
  guardians: { share: 0.3, threshold: 0.05, fraction: 0.5, takerFeeRate: 0.0005, minNotionalUsd: 100 },
  sweep: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of plain objects (arrays and scalars of `over` replace). */
export function merge(base: unknown, over: unknown): unknown {
  if (!isObj(base) || !isObj(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/** Validate a document merged over the defaults. `source` names it in the error. */
export function parseConfig(doc: unknown, source = 'cascade config'): CascadeConfig {
  if (doc !== undefined && doc !== null && !isObj(doc)) throw new ValidationError(source, [{ path: '', value: doc, message: 'expected a mapping' }]);
  // a shock given in the document replaces the default shock (sellUsd and drop are alternatives)
  const d = isObj(doc) && isObj(doc['shock']) ? { ...doc, shock: doc['shock'] } : doc;
  const merged = merge({ ...DEFAULT_CONFIG, ...(isObj(d) && d['shock'] !== undefined ? { shock: {} } : {}) }, d ?? {});
  const r = configSchema.safeParse(merged);
  if (!r.success) throw new ValidationError(source, toFieldIssues(r.error.issues, merged));
  const c = r.data;
  const issues: FieldIssue[] = [];
  if (c.population.leverage.min > c.population.leverage.max) issues.push({ path: 'population.leverage.min', value: c.population.leverage.min, message: `must be <= population.leverage.max ${c.population.leverage.max}` });
  if ((c.shock.sellUsd === undefined) === (c.shock.drop === undefined)) issues.push({ path: 'shock', value: c.shock, message: 'give exactly one of sellUsd (USD sold at market) or drop (a fraction)' });
  if (c.book.tick >= c.book.extent) issues.push({ path: 'book.tick', value: c.book.tick, message: `must be below book.extent ${c.book.extent}` });
  c.venues.forEach((v, i) => {
    const p = getPreset(v.name);
    if (p === undefined || p.model !== 'tiered' || p.settle !== 'linear') issues.push({ path: `venues[${i}].name`, value: v.name, message: 'must be a linear tiered venue preset (binance-usdm, bybit-linear, okx-swap, hyperliquid, ...)' });
  });
  if (issues.length > 0) throw new ValidationError(source, issues);
  return c;
}

/**
 * Venue specs of a valid config: the preset's tier table for the asset ('*' when unlisted), its liquidationFeeRate,
 * and the clearance fee rate given in the config, else the preset's (0 when it has none).
 */
export function venueSpecs(c: CascadeConfig): VenueSpec[] {
  return c.venues.map((v) => {
    const p = getPreset(v.name);
    if (p === undefined || p.model !== 'tiered') throw new ValidationError('cascade config', [{ path: 'venues', value: v.name, message: 'unknown tiered venue' }]);
    const tiers = p.tiers[c.asset] ?? p.tiers['*'] ?? [];
    return { name: v.name, weight: v.weight, tiers, liquidationFeeRate: p.liquidationFeeRate, clearanceFeeRate: v.clearanceFeeRate ?? p.clearanceFeeRate ?? 0 };
  });
}

export const populationSpec = (c: CascadeConfig): PopulationSpec => ({ seed: c.seed, startPrice: c.startPrice, ...c.population, venues: venueSpecs(c) });
export const bookSpec = (c: CascadeConfig): BookSpec => ({ startPrice: c.startPrice, ...c.book });
export const shockOf = (c: CascadeConfig): Shock => c.shock;
export const guardianSpec = (c: CascadeConfig): GuardianSpec => c.guardians;
