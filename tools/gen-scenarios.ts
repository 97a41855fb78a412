/**
 * Generator of data/scenarios/historical.json from the bundled market history (rules: src/stress/historical.ts).
 *   node --import tsx tools/gen-scenarios.ts        writes the file
 * src/stress/historical.test.ts re-derives the text with renderHistorical() and compares, so the file cannot drift.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/io/market-file.ts';
import type { BaseSeries, MarketKind, SeriesOf } from '../src/market-data/series.ts';
import { deriveHistorical, HOUR_MS, type HistoricalInputs, type HistoricalScenario, type PriceSource } from '../src/stress/historical.ts';

export const HISTORICAL_FILE = fileURLToPath(new URL('../data/scenarios/historical.json', import.meta.url));

const LEAD = { asset: 'BTC', dataset: 'binance-perp-btc-usdt-1h' };
const ALTS = ['ETH', 'SOL', 'BNB', 'XRP'].map((asset) => ({ asset, dataset: `binance-perp-${asset.toLowerCase()}-usdt-1h` }));

const isKind = <K extends MarketKind>(s: BaseSeries, kind: K): s is SeriesOf<K> => s.kind === kind;

async function load<K extends MarketKind>(id: string, kind: K): Promise<SeriesOf<K>> {
  const { series } = await loadDataset(id);
  if (!isKind(series, kind)) throw new Error(`${id}: expected ${kind}, catalog says ${series.kind}`);
  return series;
}

const prices = async (p: { asset: string; dataset: string }): Promise<PriceSource> => ({ ...p, bars: await load(p.dataset, 'ohlcv') });

/** The bundled datasets the scenarios are derived from. */
export async function bundledInputs(): Promise<HistoricalInputs> {
  const binance = await load('binance-perp-btc-usdt-funding-8h', 'funding');
  const bitmex = await load('bitmex-xbtusd-funding-8h', 'funding');
  const deribit = await load('deribit-btc-perpetual-funding-1h', 'deribit-funding');
  const dvol = await load('deribit-btc-dvol-1d', 'dvol');
  return {
    lead: await prices(LEAD),
    alts: await Promise.all(ALTS.map(prices)),
    funding: [
      { dataset: 'binance-perp-btc-usdt-funding-8h', periodMs: 8 * HOUR_MS, timestamp: binance.timestamp, ratePer8h: binance.funding_rate },
      { dataset: 'bitmex-xbtusd-funding-8h', periodMs: 8 * HOUR_MS, timestamp: bitmex.timestamp, ratePer8h: bitmex.funding_rate },
      { dataset: 'deribit-btc-perpetual-funding-1h', periodMs: HOUR_MS, timestamp: deribit.timestamp, ratePer8h: deribit.interest_8h },
    ],
    dvol: { dataset: 'deribit-btc-dvol-1d', asset: 'BTC', timestamp: dvol.timestamp, dvol: dvol.dvol },
  };
}

export interface HistoricalFile {
  readonly description: string;
  readonly generator: string;
  readonly rules: string;
  readonly scenarios: readonly HistoricalScenario[];
}

/** The file's text (2-space JSON, trailing newline). */
export function renderHistorical(scenarios: readonly HistoricalScenario[]): string {
  const doc: HistoricalFile = {
    description:
      'Historical stress scenarios derived from the bundled market history (data/market/). Conventions of a scenario: src/stress/scenario.ts; derivation rules: src/stress/historical.ts.',
    generator: 'node --import tsx tools/gen-scenarios.ts (do not edit by hand: a test re-derives this file)',
    rules:
      "BTC perp's worst close-to-low move per window (1h, 24h, 7d) with its low bar within the crash day +/- 1 day; other listed perps over the same bars; unlisted non-stable assets: `others` = geometric mean of the listed altcoins' moves; funding: first covering source of Binance BTCUSDT, BitMEX XBTUSD, Deribit BTC-PERPETUAL, rate per 8h over the window; vol: BTC DVOL maximum over the days touched, absolute.",
    scenarios,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export const generateHistorical = async (): Promise<string> => renderHistorical(deriveHistorical(await bundledInputs()));

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(HISTORICAL_FILE, await generateHistorical());
  process.stdout.write(`wrote ${HISTORICAL_FILE}\n`);
}
