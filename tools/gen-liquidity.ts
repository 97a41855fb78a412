/**
 * Generator of data/liquidity/<asset>.json: the impact model's calibration (ADV, daily sigma) from the bundled
 * Binance USDT-M perpetual hourly bars (rules: src/planner/calibrate.ts).
 *   node --import tsx tools/gen-liquidity.ts        writes the files
 * src/planner/liquidity-data.test.ts re-derives every file with renderLiquidity() and compares the text, so the
 * files cannot drift from the data.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/io/market-file.ts';
import { calibrateLiquidity, DEFAULT_CALIBRATION_DAYS, type Calibration } from '../src/planner/calibrate.ts';

export const LIQUIDITY_DIR = fileURLToPath(new URL('../data/liquidity/', import.meta.url));

/** Assets calibrated, each from its Binance USDT-M perpetual hourly dataset. */
export const LIQUIDITY_ASSETS = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP'] as const;

/** The last complete UTC day common to the five bundled perp files ends here (their data ends 2024-06-16 12:00). */
export const LIQUIDITY_AS_OF = Date.parse('2024-06-16T00:00:00Z');

export const liquidityFile = (asset: string): string => `${LIQUIDITY_DIR}${asset.toLowerCase()}.json`;

export interface LiquidityDocument {
  readonly asset: string;
  readonly advUsd: number;
  readonly sigmaDaily: number;
  readonly asOf: string;
  readonly window: { readonly from: string; readonly to: string; readonly days: number; readonly completeDays: number; readonly hourlyReturns: number; readonly minDailyUsd: number; readonly maxDailyUsd: number };
  readonly method: string;
  readonly source: { readonly dataset: string; readonly file: string; readonly sha256: string; readonly venue: string; readonly instrument: string };
  readonly generator: string;
}

const METHOD =
  'advUsd: median over the complete UTC days (24 hourly bars) of sum(volume x close), volume in the base asset, close as the price proxy; sigmaDaily: sample standard deviation of hourly log returns between consecutive bars x sqrt(24); window [asOf - days, asOf). Single venue (Binance USDT-M perpetual): the whole market trades more, so impact from this ADV is conservative. Rules: src/planner/calibrate.ts.';

/** The file's text (2-space JSON, trailing newline); ADV rounded to the USD, sigma to 1e-6. */
export function renderLiquidity(asset: string, c: Calibration, source: LiquidityDocument['source']): string {
  const doc: LiquidityDocument = {
    asset,
    advUsd: Math.round(c.advUsd),
    sigmaDaily: Math.round(c.sigmaDaily * 1e6) / 1e6,
    asOf: new Date(c.to).toISOString(),
    window: {
      from: new Date(c.from).toISOString(),
      to: new Date(c.to).toISOString(),
      days: c.days,
      completeDays: c.completeDays,
      hourlyReturns: c.hourlyReturns,
      minDailyUsd: Math.round(c.minDailyUsd),
      maxDailyUsd: Math.round(c.maxDailyUsd),
    },
    method: METHOD,
    source,
    generator: 'node --import tsx tools/gen-liquidity.ts (do not edit by hand: a test re-derives this file)',
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Every asset's file text, derived from the bundled datasets. */
export async function generateLiquidity(): Promise<{ asset: string; path: string; text: string }[]> {
  const out: { asset: string; path: string; text: string }[] = [];
  for (const asset of LIQUIDITY_ASSETS) {
    const id = `binance-perp-${asset.toLowerCase()}-usdt-1h`;
    const { series, entry } = await loadDataset(id);
    if (series.kind !== 'ohlcv') throw new Error(`${id}: expected ohlcv, catalog says ${series.kind}`);
    const c = calibrateLiquidity(series, LIQUIDITY_AS_OF, DEFAULT_CALIBRATION_DAYS);
    const source = { dataset: id, file: `data/market/${entry.file}`, sha256: entry.sha256, venue: entry.venue, instrument: entry.instrument };
    out.push({ asset, path: liquidityFile(asset), text: renderLiquidity(asset, c, source) });
  }
  return out;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const f of await generateLiquidity()) {
    writeFileSync(f.path, f.text);
    process.stdout.write(`wrote ${f.path}\n`);
  }
}
