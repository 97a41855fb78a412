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

export interface SpeedFigure {
  readonly bars: number;
  /** The first run in the process (cold: the JIT has not compiled the hot loop yet). */
  readonly coldBarsPerSecond: number;
  /** Best and median of RUNS timed runs after WARMUP runs (steady state). */
  readonly bestBarsPerSecond: number;
  readonly medianBarsPerSecond: number;
  readonly bestSeconds: number;
  /** Bars closed on the quiet path (no report, no policy evaluation). */
  readonly quietBars: number;
}

export interface BacktestBench {
  readonly singleAsset: SpeedFigure & { policies: string; decisions: number; warmup: number; runs: number };
  /** The same run evaluating the policies every bar (skipQuiet: false): the full report + policy path. */
  readonly singleAssetEveryBar: SpeedFigure;
  readonly noGuard: SpeedFigure;
  readonly fiveAssets: { assets: string[]; bars: number; policies: number; loadSeconds: number; runSeconds: number; wallSeconds: number; barsPerSecond: number; liquidations: number; quietBars: number };
}

/** V8 needs about six runs of the 39 085-bar loop before it settles (measured: 0.13 s, then 0.09 s for five runs,
 * then 0.036-0.05 s). */
const WARMUP = 6;
const RUNS = 9;

function timed(run: () => { bars: number; quietBars: number }): SpeedFigure & { result: { bars: number; quietBars: number } } {
  let t = performance.now();
  let result = run();
  const cold = (performance.now() - t) / 1e3;
  for (let k = 1; k < WARMUP; k++) run();
  const seconds: number[] = [];
  for (let k = 0; k < RUNS; k++) {
    t = performance.now();
    result = run();
    seconds.push((performance.now() - t) / 1e3);
  }
  seconds.sort((a, b) => a - b);
  const best = seconds[0]!;
  const median = seconds[Math.floor(RUNS / 2)]!;
  return {
    bars: result.bars,
    coldBarsPerSecond: result.bars / cold,
    bestBarsPerSecond: result.bars / best,
    medianBarsPerSecond: result.bars / median,
    bestSeconds: best,
    quietBars: result.quietBars,
    result,
  };
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
  const btcBook = book(['BTC'], [btc.open[0]![0]!], 100_000);
  const single = (skipQuiet: boolean) => () => runPipeline(btcBook, historyFeed(btc), new SimulatedVenue(), { policy: one.policy, preTrade: one.preTrade!, planner: one.planner!, skipQuiet });
  const s1 = timed(single(true));
  const sAll = timed(single(false));
  const n0 = timed(() => runPipeline(btcBook, historyFeed(btc), new SimulatedVenue(), { policy: null }));
  const decisions = runPipeline(btcBook, historyFeed(btc), new SimulatedVenue(), { policy: one.policy, preTrade: one.preTrade!, planner: one.planner! }).decisions.length;

  const three = policySetup(THREE, 'bench', 'three');
  const f0 = performance.now();
  const r5 = runPipeline(book(all.assets, all.open.map((o) => o[0]!), 1_000_000), historyFeed(all), new SimulatedVenue(), { policy: three.policy, preTrade: three.preTrade!, planner: three.planner! });
  const runSeconds = (performance.now() - f0) / 1e3;
  const strip = ({ result: _, ...f }: ReturnType<typeof timed>): SpeedFigure => f;
  return {
    singleAsset: { ...strip(s1), policies: 'drawdown-breaker', decisions, warmup: WARMUP, runs: RUNS },
    singleAssetEveryBar: strip(sAll),
    noGuard: strip(n0),
    fiveAssets: { assets: [...all.assets], bars: r5.bars, policies: 3, loadSeconds, runSeconds, wallSeconds: loadSeconds + runSeconds, barsPerSecond: r5.bars / runSeconds, liquidations: r5.liquidations.length, quietBars: r5.quietBars },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchBacktest(), null, 2));
}
