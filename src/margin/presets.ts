/**
 * Venue preset registry: margin models with their parameters, kept as versioned data in data/venues/<name>.json
 * (each with its source, retrieval date and version). Files are imported statically (bundled with the code) and
 * validated with the venue schema at first use; a broken file is a PresetError naming the file and every bad field.
 */
import { BallastError, formatIssue, type FieldIssue } from '../errors/index.ts';
import { toFieldIssues } from '../model/schema.ts';
import { presetVenueSchema } from '../model/venue-schema.ts';
import aaveV3 from '../../data/venues/aave-v3.json' with { type: 'json' };
import binanceCoinm from '../../data/venues/binance-coinm.json' with { type: 'json' };
import binanceUsdm from '../../data/venues/binance-usdm.json' with { type: 'json' };
import bybitLinear from '../../data/venues/bybit-linear.json' with { type: 'json' };
import deribit from '../../data/venues/deribit.json' with { type: 'json' };
import drift from '../../data/venues/drift.json' with { type: 'json' };
import hyperliquid from '../../data/venues/hyperliquid.json' with { type: 'json' };
import okxSwap from '../../data/venues/okx-swap.json' with { type: 'json' };
import type { Provenance, VenueModel, VenueModelKind } from './venue-model.ts';

/** Raw preset data by name; the name is the file name under data/venues/. Typed unknown: validated at first use. */
const SOURCES: Readonly<Record<string, unknown>> = {
  'aave-v3': aaveV3,
  'binance-coinm': binanceCoinm,
  'binance-usdm': binanceUsdm,
  'bybit-linear': bybitLinear,
  deribit,
  drift,
  hyperliquid,
  'okx-swap': okxSwap,
};

/** A bundled preset file does not validate: a packaging bug, not a user error. */
export class PresetError extends BallastError {
  override readonly name = 'PresetError';
  constructor(
    readonly preset: string,
    readonly file: string,
    readonly issues: readonly FieldIssue[],
  ) {
    super(`venue preset ${preset} (${file}) is invalid:\n${issues.map(formatIssue).join('\n')}`);
  }
}

export interface PresetInfo {
  readonly name: string;
  readonly model: VenueModelKind;
  readonly provenance: Provenance;
}

const cache = new Map<string, VenueModel>();

export const presetFile = (name: string): string => `data/venues/${name}.json`;

/** Names of the bundled presets, sorted. */
export const presetNames = (): string[] => Object.keys(SOURCES).sort();

/** The validated preset, undefined for an unknown name. Throws PresetError when its file is invalid. */
export function getPreset(name: string): VenueModel | undefined {
  const hit = cache.get(name);
  if (hit) return hit;
  if (!Object.hasOwn(SOURCES, name)) return undefined;
  const r = presetVenueSchema.safeParse(SOURCES[name]);
  if (!r.success) throw new PresetError(name, presetFile(name), toFieldIssues(r.error.issues, SOURCES[name]));
  cache.set(name, r.data);
  return r.data;
}

/** Every preset with its model and provenance (validates them all). */
export const listPresets = (): PresetInfo[] =>
  presetNames().map((name) => {
    const v = getPreset(name) as VenueModel;
    return { name, model: v.model, provenance: v.provenance };
  });
