/**
 * Backtest speed (issue 5): bar events per second of a single-asset policy backtest (a bar event = one bar through
 * the whole pipeline: intrabar path, venue, risk report, policies, and the planner when there are intents), and
 * the wall time of the full 2020-2024 hourly history for five assets with three policies.
 * Data loading is timed apart from the run.
 */
import { validatePortfolio } from '../src/model/parse.ts';
import { historyFeed, loadHistory } from '../src/backtest/data.ts';
import { runPipeline } from '../src/backtest/pipeline.ts';
import { policySetup } from '../src/backtest/run.ts';
import { SimulatedVenue } from '../src/backtest/venue.ts';

export interface BacktestBench {
  readonly singleAsset: { bars: number; seconds: number; barsPerSecond: number; policies: string; decisions: number };
  readonly noGuard: { bars: number; seconds: number; barsPerSecond: number };
  readonly fiveAssets: { assets: string[]; bars: number; policies: number; loadSeconds: number; runSeconds: number; wallSeconds: number; barsPerSecond: number; liquidations: number };
}

const FROM = Date.parse('2020-01-01T00:00:00Z');
const TO = Date.parse('2025-01-01T00:00:00Z');

function book(assets: readonly string[], opens: readonly number[], collateral: number) {
  return validatePortfolio(
    {
      asOf: new Date(FROM).toISOString(),
      market: { prices: Object.fromEntries<number>([...assets.map((a, i): [string, number] => [a, opens[i]!]), ['USDT', 1]]) },
      accounts: [
        {
          id: 'binance',
          venue: 'binance-usdm',
          mode: 'cross',
          collateral: { USDT: collateral },
          // 2x gross, spread equally: survives the history so every bar runs the full pipeline
          positions: assets.map((a, i) => ({ kind: 'perp', asset: a, qty: (2 * collateral) / assets.length / opens[i]!, entry: opens[i]! })),
        },
      ],
    },
    'bench',
  );
}

const THREE = {
  preTrade: { protectiveExits: ['reduce', 'close'] },
  policies: [
    { type: 'drawdown-breaker', bands: [{ drawdown: 0.5, reduceTo: 0.5 }, { drawdown: 0.8, reduceTo: 0 }], resume: 'manual' },
    { type: 'health-guard', target: 1.5 },
    { type: 'exposure-caps', maxLeverage: 10 },
  ],
};

export async function benchBacktest(): Promise<BacktestBench> {
  const t0 = performance.now();
  // the five assets' joint history: XRP's bundled perp bars start 2020-10-23 08:00 UTC, all end 2024-06-16
  const all = await loadHistory(['BTC', 'ETH', 'SOL', 'BNB', 'XRP'], Date.parse('2020-10-23T08:00:00Z'), TO);
  const loadSeconds = (performance.now() - t0) / 1e3;
  const btc = await loadHistory(['BTC'], FROM, TO);

  // single asset, one policy (drawdown breaker)
  const one = policySetup({ preTrade: THREE.preTrade, policies: [THREE.policies[0]] }, 'bench', 'drawdown-breaker');
  const s0 = performance.now();
  const r1 = runPipeline(book(['BTC'], [btc.open[0]![0]!], 100_000), historyFeed(btc), new SimulatedVenue(), { policy: one.policy, preTrade: one.preTrade!, planner: one.planner! });
  const s1 = (performance.now() - s0) / 1e3;

  const n0 = performance.now();
  const r0 = runPipeline(book(['BTC'], [btc.open[0]![0]!], 100_000), historyFeed(btc), new SimulatedVenue(), { policy: null });
  const sn = (performance.now() - n0) / 1e3;

  const three = policySetup(THREE, 'bench', 'three');
  const f0 = performance.now();
  const r5 = runPipeline(book(all.assets, all.open.map((o) => o[0]!), 1_000_000), historyFeed(all), new SimulatedVenue(), { policy: three.policy, preTrade: three.preTrade!, planner: three.planner! });
  const runSeconds = (performance.now() - f0) / 1e3;
  return {
    singleAsset: { bars: r1.bars, seconds: s1, barsPerSecond: r1.bars / s1, policies: 'drawdown-breaker', decisions: r1.decisions.length },
    noGuard: { bars: r0.bars, seconds: sn, barsPerSecond: r0.bars / sn },
    fiveAssets: { assets: [...all.assets], bars: r5.bars, policies: 3, loadSeconds, runSeconds, wallSeconds: loadSeconds + runSeconds, barsPerSecond: r5.bars / runSeconds, liquidations: r5.liquidations.length },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchBacktest(), null, 2));
}
