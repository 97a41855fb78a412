/**
 * `npm run bench [-- --json]`: speed figures. Results go to BENCHMARKS.md with the command and machine.
 * Benchmarks measure; tests never time anything.
 */
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { benchBacktest } from './backtest.ts';
import { benchPlan } from './plan.ts';
import { benchGreeks } from './greeks.ts';
import { benchRisk, benchRiskBreakdown } from './risk10k.ts';
import { benchFullRevaluationVar, benchPathSteps } from './var.ts';

const json = process.argv.includes('--json');
const log = (s: string): void => {
  if (!json) console.log(s);
};

const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` };
log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);

const greeks = benchGreeks();
log(`greeks: ${greeks.options.toLocaleString()} options priced with 6 Greeks in ${greeks.seconds.toFixed(3)} s -> ${(greeks.greeksPerSecond / 1e6).toFixed(2)} M options/s (one core)`);

const risk = benchRisk();
log(`risk report: ${risk.positions} positions in ${risk.accounts} accounts -> best ${risk.bestMs.toFixed(1)} ms, median ${risk.medianMs.toFixed(1)} ms`);

const breakdown = benchRiskBreakdown();
for (const b of breakdown) log(`  ${b.group.padEnd(24)} ${String(b.positions).padStart(6)} positions  ${b.bestMs.toFixed(1)} ms`);

const paths = [1, 5].map((d) => benchPathSteps(d));
for (const p of paths) log(`mc path steps: ${p.paths} paths x ${p.steps} steps x ${p.assets} asset(s) in ${p.seconds.toFixed(2)} s -> ${(p.stepsPerSecond / 1e6).toFixed(1)} M steps/s (one core)`);

const varBench = await benchFullRevaluationVar();
log(`var 99% 1d, ${varBench.positions}-position book, full revaluation: historical ${varBench.historical.scenarios} scenarios in ${varBench.historical.seconds.toFixed(2)} s, mc ${varBench.mc.scenarios} scenarios in ${varBench.mc.seconds.toFixed(2)} s (${varBench.equityUsPerScenario.toFixed(0)} us/scenario; with liquidation flags ${varBench.termsUsPerScenario.toFixed(0)} us/scenario)`);

const plan2 = benchPlan(2, 'REDUCING');
const plan4 = benchPlan(4, 'ACTIVE');
for (const [label, b] of [['health >= 2, REDUCING', plan2], ['health >= 4, ACTIVE', plan4]] as const) {
  log(`plan, 1000-position book, ${label}: best ${b.bestMs.toFixed(1)} ms, median ${b.medianMs.toFixed(1)} ms (${b.orders} orders)`);
}

// in a fresh process: the benchmarks above leave a large heap behind, which slows a 40 ms loop's garbage collection
const bt = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./backtest.ts', import.meta.url))], { encoding: 'utf8', maxBuffer: 1 << 24 })) as Awaited<ReturnType<typeof benchBacktest>>;
const sa = bt.singleAsset;
log(
  `backtest, single asset (${sa.bars} hourly BTC bars, ${sa.policies}): cold ${(sa.coldBarsPerSecond / 1e3).toFixed(0)} k bars/s; warm best ${(sa.bestBarsPerSecond / 1e6).toFixed(2)} M, median ${(sa.medianBarsPerSecond / 1e6).toFixed(2)} M bars/s (${sa.quietBars} quiet bars); every bar evaluated: best ${(bt.singleAssetEveryBar.bestBarsPerSecond / 1e3).toFixed(0)} k bars/s; no guard: best ${(bt.noGuard.bestBarsPerSecond / 1e6).toFixed(2)} M bars/s`,
);
log(`backtest, five assets x three policies (${bt.fiveAssets.bars} bars): load ${bt.fiveAssets.loadSeconds.toFixed(2)} s + run ${bt.fiveAssets.runSeconds.toFixed(2)} s = ${bt.fiveAssets.wallSeconds.toFixed(2)} s wall`);

if (json) {
  console.log(
    JSON.stringify(
      {
        machine,
        greeksPerSecond: Math.round(greeks.greeksPerSecond),
        risk10kMs: Number(risk.bestMs.toFixed(2)),
        risk10kMedianMs: Number(risk.medianMs.toFixed(2)),
        risk10kBreakdownMs: Object.fromEntries(breakdown.map((b) => [b.group, Number(b.bestMs.toFixed(2))])),
        mcPathStepsPerSecond: Object.fromEntries(paths.map((p) => [`${p.assets}asset`, Math.round(p.stepsPerSecond)])),
        var1kHistoricalSeconds: Number(varBench.historical.seconds.toFixed(3)),
        var1kHistoricalScenarios: varBench.historical.scenarios,
        var1kMcSeconds: Number(varBench.mc.seconds.toFixed(3)),
        var1kMcScenarios: varBench.mc.scenarios,
        var1kTermsUsPerScenario: Number(varBench.termsUsPerScenario.toFixed(1)),
        plan1kMs: Number(plan2.bestMs.toFixed(2)),
        plan1kMedianMs: Number(plan2.medianMs.toFixed(2)),
        plan1kHealth4Ms: Number(plan4.bestMs.toFixed(2)),
        backtest: bt,
      },
      null,
      2,
    ),
  );
}
