/**
 * Zod schemas of every VenueModel variant, shared by the preset files (data/venues/*.json, provenance required)
 * and inline venues in a portfolio document (provenance optional, defaulted by the parser).
 *
 * Conventions: rates are decimals; a tier table's last `cap` is null (unbounded) in JSON/YAML and becomes Infinity;
 * tiers may omit `mmAmount` (derived by normalizeTiers). '*' is the default tier table for unlisted assets.
 * Account `params` override a venue per account: tiered `liquidationFeeRate`, `clearanceFeeRate` and per-asset
 * `tiers` (a listed asset's table replaces the venue's); lending per-asset fields merged onto the venue's asset.
 */
import { z } from 'zod';
import type { FieldIssue } from '../errors/index.ts';
import { normalizeTiers, TierTableError } from '../margin/tiers.ts';
import type {
  DeribitModel,
  LendingAssetParams,
  LendingModel,
  PartialLiquidation,
  Provenance,
  Tier,
  TieredModel,
  VenueModel,
  VenueModelKind,
  WeightedModel,
} from '../margin/venue-model.ts';
import { assetName, finite, formatPath, nonEmpty, nonNegative, parseAt, positive, rate, strict, type Path } from './schema.ts';

export const VENUE_MODELS: readonly VenueModelKind[] = ['tiered', 'deribit', 'lending', 'weighted'];

export const provenanceSchema = strict({
  source: nonEmpty(),
  retrieved: z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'expected an ISO date (YYYY-MM-DD)'),
  version: nonEmpty(),
  notes: z.string().optional(),
});

// ---------------------------------------------------------------------------------------------------------------
// Tiers

export const rawTierSchema = strict({
  floor: nonNegative(),
  /** null = unbounded (last tier). */
  cap: positive().nullable(),
  mmr: rate(),
  mmAmount: nonNegative().optional(),
  maxLeverage: z.number().min(1),
});

/** A tier table: raw tiers -> Tier[] through normalizeTiers, whose error becomes an issue at the tier and field it names. */
export const tierTableSchema = z
  .array(rawTierSchema)
  .min(1)
  .transform((raw, ctx): Tier[] => {
    try {
      return normalizeTiers(raw);
    } catch (e) {
      if (!(e instanceof TierTableError)) throw e;
      const prefix = `tier ${e.index}: ${e.field} ${JSON.stringify(e.value)} `;
      const message = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      ctx.issues.push({ code: 'custom', input: raw, path: e.field === 'table' ? [] : [e.index, e.field], message });
      return z.NEVER;
    }
  });

export const tierTablesSchema = z.record(z.string().regex(/^\S+$/, 'must be an asset symbol or "*"'), tierTableSchema);

// ---------------------------------------------------------------------------------------------------------------
// Models

const lendingAssetShape = {
  ltv: z.number().min(0).max(1),
  liquidationThreshold: z.number().min(0).max(1),
  liquidationBonus: rate(),
};

export const lendingAssetSchema = strict(lendingAssetShape).superRefine((a, ctx) => {
  if (a.ltv > a.liquidationThreshold) ctx.addIssue({ code: 'custom', path: ['ltv'], message: `must be <= liquidationThreshold (${a.liquidationThreshold})` });
});

const weightedAssetSchema = strict({
  initialAssetWeight: z.number().min(0).max(1),
  maintenanceAssetWeight: z.number().min(0).max(1),
  initialLiabilityWeight: z.number().min(1),
  maintenanceLiabilityWeight: z.number().min(1),
  imf: nonNegative(),
}).superRefine((a, ctx) => {
  if (a.maintenanceAssetWeight < a.initialAssetWeight)
    ctx.addIssue({ code: 'custom', path: ['maintenanceAssetWeight'], message: `must be >= initialAssetWeight (${a.initialAssetWeight})` });
  if (a.maintenanceLiabilityWeight > a.initialLiabilityWeight)
    ctx.addIssue({ code: 'custom', path: ['maintenanceLiabilityWeight'], message: `must be <= initialLiabilityWeight (${a.initialLiabilityWeight})` });
});

const weightedPerpSchema = strict({
  initialMarginRatio: z.number().gt(0).max(1),
  maintenanceMarginRatio: z.number().gt(0).max(1),
  imf: nonNegative(),
}).superRefine((p, ctx) => {
  if (p.maintenanceMarginRatio > p.initialMarginRatio)
    ctx.addIssue({ code: 'custom', path: ['maintenanceMarginRatio'], message: `must be <= initialMarginRatio (${p.initialMarginRatio})` });
});

const deribitStandardSchema = strict({
  futureImBase: rate(),
  futureMmBase: rate(),
  futureSlopePer100: nonNegative(),
  optionImBase: rate(),
  optionImFloor: rate(),
  optionMmBase: rate(),
});

const portfolioGridSchema = strict({
  priceRange: z.number().gt(0).lt(1),
  bucketsPerSide: z.number().int().min(1),
  volUp: nonNegative(),
  volDown: rate(),
  shortTermVegaPower: finite(),
  longTermVegaPower: finite(),
  extendedMoves: z.array(strict({ move: z.number().gt(-1), weight: z.number().min(0).max(1) })),
  shortOptionContingency: nonNegative(),
  mmFactor: z.number().gt(0).max(1),
});

/** Partial liquidation of a tiered venue (see PartialLiquidation): units a decimal share, USD, ms, a ratio. */
export const partialLiquidationSchema = strict({
  /** A share in (0, 1): 1 would be a whole-position liquidation (omit the field). */
  fraction: z.number().gt(0).lt(1),
  aboveNotionalUsd: nonNegative(),
  cooldownMs: nonNegative(),
  /** A ratio of balance (equity) to maintenance in [0, 1]; 0: no backstop. */
  backstopBelow: z.number().min(0).max(1),
});

const models = <P extends z.ZodType>(provenance: P) => ({
  tiered: strict({
    model: z.literal('tiered'),
    settle: z.enum(['linear', 'inverse']),
    maintenanceAt: z.enum(['mark', 'entry']),
    liquidationFeeRate: rate(),
    /** Decimal rate of the liquidated notional, taken at liquidation only (see TieredModel); optional, 0 when absent. */
    clearanceFeeRate: rate().optional(),
    /** Partial liquidation of large positions (Hyperliquid); optional, whole-bucket liquidation when absent. */
    partialLiquidation: partialLiquidationSchema.optional(),
    tiers: tierTablesSchema,
    provenance,
  }),
  deribit: strict({
    model: z.literal('deribit'),
    settle: z.enum(['inverse', 'linear']),
    standard: deribitStandardSchema,
    portfolio: portfolioGridSchema,
    provenance,
  }),
  lending: strict({
    model: z.literal('lending'),
    assets: z.record(assetName(), lendingAssetSchema),
    closeFactor: z.number().gt(0).max(1),
    closeFactorHfThreshold: positive(),
    provenance,
  }),
  weighted: strict({
    model: z.literal('weighted'),
    spot: z.record(assetName(), weightedAssetSchema),
    perps: z.record(assetName(), weightedPerpSchema),
    unrealizedPnlMaintenanceWeight: z.number().min(0).max(1),
    provenance,
  }),
});

const preset = models(provenanceSchema);
const inline = models(provenanceSchema.optional());

/** A preset file: every model field and its provenance. */
export const presetVenueSchema = z.discriminatedUnion('model', [preset.tiered, preset.deribit, preset.lending, preset.weighted]);
/** An inline venue in a document: as a preset, provenance optional. */
export const inlineVenueSchema = z.discriminatedUnion('model', [inline.tiered, inline.deribit, inline.lending, inline.weighted]);

// Compile-time guards: the schemas produce exactly the fields of the VenueModel types (fails when a field is added).
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
const _tiered: [z.ZodType<TieredModel>, SameKeys<z.output<typeof preset.tiered>, TieredModel>] = [preset.tiered, true];
const _deribit: [z.ZodType<DeribitModel>, SameKeys<z.output<typeof preset.deribit>, DeribitModel>] = [preset.deribit, true];
const _lending: [z.ZodType<LendingModel>, SameKeys<z.output<typeof preset.lending>, LendingModel>] = [preset.lending, true];
const _weighted: [z.ZodType<WeightedModel>, SameKeys<z.output<typeof preset.weighted>, WeightedModel>] = [preset.weighted, true];
const _lendingAsset: SameKeys<z.output<typeof lendingAssetSchema>, LendingAssetParams> = true;
const _std: SameKeys<z.output<typeof deribitStandardSchema>, DeribitModel['standard']> = true;
const _grid: SameKeys<z.output<typeof portfolioGridSchema>, DeribitModel['portfolio']> = true;
const _wAsset: SameKeys<z.output<typeof weightedAssetSchema>, WeightedModel['spot'][string]> = true;
const _partial: SameKeys<z.output<typeof partialLiquidationSchema>, PartialLiquidation> = true;
const _wPerp: SameKeys<z.output<typeof weightedPerpSchema>, WeightedModel['perps'][string]> = true;

/** Provenance of an inline venue without one: the document is the source, its asOf date the retrieval date. */
export const inlineProvenance = (asOf: number | undefined): Provenance => ({
  source: 'inline',
  retrieved: asOf === undefined ? 'unknown' : new Date(asOf).toISOString().slice(0, 10),
  version: 'inline',
});

/** Validate an inline venue at `path`; undefined (issues in `sink`) when invalid. */
export const parseInlineVenue = (raw: unknown, path: Path, asOf: number | undefined, sink: FieldIssue[]): VenueModel | undefined => {
  const v = parseAt(inlineVenueSchema, raw, path, sink);
  return v && { ...v, provenance: v.provenance ?? inlineProvenance(asOf) };
};

// ---------------------------------------------------------------------------------------------------------------
// Account params: per-account overrides of a venue

export const tieredParamsSchema = strict({ liquidationFeeRate: rate().optional(), clearanceFeeRate: rate().optional(), tiers: tierTablesSchema.optional() });

export const lendingParamsSchema = z.record(
  assetName(),
  strict({
    ltv: lendingAssetShape.ltv.optional(),
    liquidationThreshold: lendingAssetShape.liquidationThreshold.optional(),
    liquidationBonus: lendingAssetShape.liquidationBonus.optional(),
  }),
);

/**
 * Apply an account's `params` (at `path`) to its venue. Tiered: liquidationFeeRate, clearanceFeeRate and per-asset
 * tier tables replace the venue's. Lending: per-asset fields merged onto the venue's asset (a new asset needs all three).
 * Deribit and weighted venues take no params (describe the venue inline instead). Undefined when invalid.
 */
export function applyParams(venue: VenueModel, raw: unknown, path: Path, sink: FieldIssue[]): VenueModel | undefined {
  if (raw === undefined) return venue;
  switch (venue.model) {
    case 'tiered': {
      const p = parseAt(tieredParamsSchema, raw, path, sink);
      if (!p) return undefined;
      return {
        ...venue,
        liquidationFeeRate: p.liquidationFeeRate ?? venue.liquidationFeeRate,
        clearanceFeeRate: p.clearanceFeeRate ?? venue.clearanceFeeRate,
        tiers: { ...venue.tiers, ...p.tiers },
      };
    }
    case 'lending': {
      const p = parseAt(lendingParamsSchema, raw, path, sink);
      if (!p) return undefined;
      const assets: Record<string, LendingAssetParams> = { ...venue.assets };
      let ok = true;
      for (const [asset, o] of Object.entries(p)) {
        const merged = { ...venue.assets[asset], ...o };
        const a = parseAt(lendingAssetSchema, merged, [...path, asset], sink);
        if (a) assets[asset] = a;
        else ok = false;
      }
      return ok ? { ...venue, assets } : undefined;
    }
    case 'deribit':
    case 'weighted':
      sink.push({
        path: formatPath(path),
        value: raw,
        message: `params are not supported for ${venue.model} venues; describe the venue inline (venue: { model: ${venue.model}, ... }) to change its parameters`,
      });
      return undefined;
  }
}
