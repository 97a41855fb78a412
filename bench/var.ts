/**
 * VaR benchmarks (src/var/):
 * - benchPathSteps: Monte Carlo price-path steps per second on one core, counted per asset and step, in the real
 *   liquidation loop (src/var/liquidation.ts: seeded xoshiro128** ziggurat normals, Cholesky, antithetic replay, log
 *   price update, barrier check). Books with one isolated long per asset whose barrier is never reached, so every
 *   step of every path runs.
 * - benchFullRevaluationVar: historical and Monte Carlo 99 % 1-day VaR of the 1 000-position bench book (bench/book.ts)
 *   by full revaluation (src/var/engine.ts, mode 'equity'): scenario construction, revaluation of every group of every
 *   account in every scenario, quantile. Historical uses every overlapping 24h window of the bundled hourly history of
 *   its five assets (as many as the joint history holds); MC uses 100 000 scenarios. The mode with liquidation flags
 *   ('terms', which also runs each Deribit portfolio-margin grid) is timed on fewer scenarios, per scenario.
 */
import { loadVarHistories } from '../src/cli/commands/var.ts';
import { parsePortfolio } from '../src/model/parse.ts';
import { compileBook, evaluateScenarios, riskAssets } from '../src/var/engine.ts';
import { horizonReturns, hourlyCovariance, hourlyReturns } from '../src/var/history.ts';
import { cholesky, correlationOf } from '../src/var/linalg.ts';
import { liquidationProbabilities } from '../src/var/liquidation.ts';
import { monteCarloScenarios, type McModel } from '../src/var/montecarlo.ts';
import { Xoshiro128 } from '../src/var/prng.ts';
import { empiricalVarEs } from '../src/var/quantile.ts';
import { benchBook } from './book.ts';

const ASSETS = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP'];
const PRICES: Record<string, number> = { BTC: 62000, ETH: 3400, SOL: 130, BNB: 410, XRP: 0.62 };

/** Steps per second of the path loop with `d` correlated assets (best of `runs`). */
export function benchPathSteps(d: number, paths = 20_000, steps = 720, runs = 3): { assets: number; paths: number; steps: number; seconds: number; stepsPerSecond: number } {
  const assets = ASSETS.slice(0, d).sort();
  const accounts = assets
    .map((a) => `  - { id: ${a}, venue: binance-usdm, mode: isolated, positions: [{ kind: perp, asset: ${a}, qty: 1, entry: ${PRICES[a]}, margin: ${PRICES[a]! * 0.99} }] }`)
    .join('\n');
  const p = parsePortfolio(`asOf: 2024-03-01T00:00:00Z\nmarket: { prices: { ${assets.map((a) => `${a}: ${PRICES[a]}`).join(', ')}, USDT: 1 }, rate: 0 }\naccounts:\n${accounts}\n`, 'bench');
  const book = compileBook(p, assets);
  const corr = Float64Array.from({ length: d * d }, (_, k) => (Math.floor(k / d) === k % d ? 1 : 0.6));
  const model: McModel = { assets, vols: new Float64Array(d).fill(0.6), chol: cholesky(corr, d), innovations: { kind: 'normal' } };
  const run = (): number => {
    const t0 = performance.now();
    const r = liquidationProbabilities(book, model, { paths, horizons: [steps], stepHours: 1, seed: 1, monitoring: 'discrete' });
    if (r.probability.some((x) => x !== 0)) throw new Error('bench paths must never liquidate (every step must run)');
    return (performance.now() - t0) / 1000;
  };
  liquidationProbabilities(book, model, { paths: 2000, horizons: [steps], stepHours: 1, seed: 2 }); // warm-up
  let best = Infinity;
  for (let i = 0; i < runs; i++) best = Math.min(best, run());
  return { assets: d, paths, steps, seconds: best, stepsPerSecond: (paths * steps * d) / best };
}

export interface VarBench {
  positions: number;
  compileMs: number;
  historical: { scenarios: number; seconds: number; var99: number };
  mc: { scenarios: number; seconds: number; var99: number };
  termsUsPerScenario: number;
  equityUsPerScenario: number;
}

/** Historical and MC 99 % 1d VaR of benchBook(positions) by full revaluation (see the module comment). */
export async function benchFullRevaluationVar(positions = 1000, mcScenarios = 100_000): Promise<VarBench> {
  const p = benchBook(positions);
  const assets = riskAssets(p);
  const histories = await loadVarHistories(p);
  const hourly = hourlyReturns(assets, histories, p.market.asOf);
  const t0 = performance.now();
  const book = compileBook(p, assets);
  const compileMs = performance.now() - t0;
  const d = assets.length;
  // warm-up on a few scenarios
  evaluateScenarios(book, { assets, count: 512, multipliers: new Float64Array(512 * d).fill(1.01) }, { mode: 'equity' });

  const h0 = performance.now();
  const cols = horizonReturns(hourly, 24);
  const n = cols[0]!.length;
  const multipliers = new Float64Array(n * d);
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) multipliers[s * d + j] = Math.exp(cols[j]![s]!);
  const hist = evaluateScenarios(book, { assets, count: n, multipliers }, { mode: 'equity' });
  const [hv] = empiricalVarEs(hist.bookPnl, [0.99]);
  const histSeconds = (performance.now() - h0) / 1000;

  const m0 = performance.now();
  const cov = hourlyCovariance(hourly);
  const vols = Float64Array.from(assets, (a, i) => p.market.vols[a] ?? Math.sqrt(cov[i * d + i]! * 8760));
  const model: McModel = { assets, vols, chol: cholesky(correlationOf(cov, d), d), innovations: { kind: 'student-t', nu: 4 } };
  const mcMult = monteCarloScenarios(model, 24, mcScenarios, new Xoshiro128(1));
  const mc = evaluateScenarios(book, { assets, count: mcScenarios, multipliers: mcMult }, { mode: 'equity' });
  const [mv] = empiricalVarEs(mc.bookPnl, [0.99]);
  const mcSeconds = (performance.now() - m0) / 1000;

  const k = 2048;
  const tt = performance.now();
  evaluateScenarios(book, { assets, count: k, multipliers: mcMult.subarray(0, k * d) }, { mode: 'terms' });
  const termsUs = ((performance.now() - tt) * 1000) / k;

  return {
    positions,
    compileMs,
    historical: { scenarios: n, seconds: histSeconds, var99: hv!.var },
    mc: { scenarios: mcScenarios, seconds: mcSeconds, var99: mv!.var },
    termsUsPerScenario: termsUs,
    equityUsPerScenario: (mcSeconds * 1e6) / mcScenarios,
  };
}
