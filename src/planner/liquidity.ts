/**
 * The cost model's data: calibrated liquidity per asset (data/liquidity/<asset>.json, written by
 * tools/gen-liquidity.ts), taker fees per venue (data/liquidity/fees.json) and the documented defaults.
 * Imported statically (bundled with the code, like the market catalog) and validated at first use.
 *
 * Defaults (assumptions, not calibrations; override with the planner options):
 * - Half-spread, bps of notional: BTC, ETH 1; SOL, BNB, XRP 2; stables 1; any other asset 10. Top of book on the
 *   large perps is about one tick (well under 1 bp); 1 bp allows for the spread widening in a stressed market.
 * - Liquidity of an asset without a calibration file: ADV 50 M USD, sigma_d 5 % (a small-cap altcoin).
 * - Stables trade without impact (no liquidity entry): transfers and stable swaps pay fee and half-spread only.
 * - Options: half-spread 1 vol point x vega (0.01 of vol) per contract; fee per the venue's option schedule.
 */
import { z } from 'zod';
import { BallastError } from '../errors/index.ts';
import bnb from '../../data/liquidity/bnb.json' with { type: 'json' };
import btc from '../../data/liquidity/btc.json' with { type: 'json' };
import eth from '../../data/liquidity/eth.json' with { type: 'json' };
import feesJson from '../../data/liquidity/fees.json' with { type: 'json' };
import sol from '../../data/liquidity/sol.json' with { type: 'json' };
import xrp from '../../data/liquidity/xrp.json' with { type: 'json' };
import type { Liquidity } from './cost.ts';

export const DEFAULT_HALF_SPREAD_BPS: Readonly<Record<string, number>> = { BTC: 1, ETH: 1, SOL: 2, BNB: 2, XRP: 2 };
export const STABLE_HALF_SPREAD_BPS = 1;
export const OTHER_HALF_SPREAD_BPS = 10;
export const DEFAULT_LIQUIDITY: Liquidity = { advUsd: 50e6, sigmaDaily: 0.05 };
export const DEFAULT_OPTION_HALF_SPREAD_VOL = 0.01;

const positive = () => z.number().positive();

const liquiditySchema = z.object({
  asset: z.string().min(1),
  advUsd: positive(),
  sigmaDaily: positive(),
  asOf: z.string(),
  window: z.object({ from: z.string(), to: z.string(), days: z.number().int().positive(), completeDays: z.number().int().nonnegative() }).loose(),
  source: z.object({ dataset: z.string(), file: z.string(), sha256: z.string() }).loose(),
});

const feesSchema = z.object({
  retrieved: z.string(),
  version: z.string(),
  default: z.number().nonnegative(),
  venues: z.record(
    z.string(),
    z.object({
      taker: z.number().nonnegative(),
      options: z.object({ rate: z.number().nonnegative(), cap: z.number().nonnegative() }).optional(),
      source: z.string().min(1),
    }),
  ),
});

export type CalibratedLiquidity = Liquidity & { readonly asset: string; readonly asOf: string; readonly dataset: string };
export type FeeTable = z.output<typeof feesSchema>;

/** A bundled data file does not validate: a packaging bug. */
export class LiquidityDataError extends BallastError {
  override readonly name = 'LiquidityDataError';
}

const parse = <T>(schema: z.ZodType<T>, raw: unknown, file: string): T => {
  const r = schema.safeParse(raw);
  if (!r.success) throw new LiquidityDataError(`data/liquidity/${file} is invalid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
};

let liquidityCache: Readonly<Record<string, CalibratedLiquidity>> | undefined;
let feesCache: FeeTable | undefined;

/** Calibrated liquidity per asset, from the bundled files. */
export function bundledLiquidity(): Readonly<Record<string, CalibratedLiquidity>> {
  if (liquidityCache) return liquidityCache;
  const out: Record<string, CalibratedLiquidity> = {};
  for (const [file, raw] of [['btc.json', btc], ['eth.json', eth], ['sol.json', sol], ['bnb.json', bnb], ['xrp.json', xrp]] as const) {
    const d = parse(liquiditySchema, raw, file);
    out[d.asset] = { asset: d.asset, advUsd: d.advUsd, sigmaDaily: d.sigmaDaily, asOf: d.asOf, dataset: d.source.dataset };
  }
  return (liquidityCache = out);
}

/** The bundled fee table. */
export const bundledFees = (): FeeTable => (feesCache ??= parse(feesSchema, feesJson, 'fees.json'));

/** Taker fee rate of a venue preset (the table's default for an unknown or inline venue); `overrides` first. */
export function takerFee(venue: string, overrides?: Readonly<Record<string, number>>): number {
  const o = overrides?.[venue];
  if (o !== undefined) return o;
  const t = bundledFees();
  return t.venues[venue]?.taker ?? t.default;
}

/** Option fee schedule of a venue (Deribit's when the venue has none). */
export function optionFeeSchedule(venue: string): { rate: number; cap: number } {
  const t = bundledFees();
  return t.venues[venue]?.options ?? t.venues.deribit?.options ?? { rate: 0.0003, cap: 0.125 };
}

/** Half-spread (bps) of an asset: override, then the default table, then stable / other defaults. */
export function halfSpreadBps(asset: string, isStable: boolean, overrides?: Readonly<Record<string, number>>): number {
  return overrides?.[asset] ?? DEFAULT_HALF_SPREAD_BPS[asset] ?? (isStable ? STABLE_HALF_SPREAD_BPS : OTHER_HALF_SPREAD_BPS);
}

/** Liquidity of an asset: override, then the calibration file, then DEFAULT_LIQUIDITY; null for a stable. */
export function liquidityOf(asset: string, isStable: boolean, overrides?: Readonly<Record<string, Liquidity>>): Liquidity | null {
  const o = overrides?.[asset];
  if (o !== undefined) return o;
  if (isStable) return null;
  return bundledLiquidity()[asset] ?? DEFAULT_LIQUIDITY;
}
