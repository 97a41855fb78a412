/**
 * Quiet bars (pipeline.ts): skipping the report and the policy evaluation where the policies' quiet band says
 * nothing can change gives the same results as evaluating every bar, on every bundled backtest config and policy
 * set, and the summary numbers equal the report's to the bit.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { historyFeed } from './data.ts';
import { runPipeline, type PipelineResult } from './pipeline.ts';
import { loadPolicySetup, prepareBacktest } from './run.ts';
import { SimulatedVenue } from './venue.ts';

const dir = fileURLToPath(new URL('../../examples/backtests/', import.meta.url));

function same(a: PipelineResult, b: PipelineResult): void {
  expect(a.bars).toBe(b.bars);
  expect(Array.from(a.equity)).toEqual(Array.from(b.equity));
  expect(Array.from(a.gross)).toEqual(Array.from(b.gross));
  expect(Array.from(a.health)).toEqual(Array.from(b.health));
  expect(a.states).toEqual(b.states);
  expect(JSON.stringify(a.decisions)).toBe(JSON.stringify(b.decisions));
  expect(JSON.stringify(a.fills)).toBe(JSON.stringify(b.fills));
  expect(JSON.stringify(a.liquidations)).toBe(JSON.stringify(b.liquidations));
  expect(a.fundingPaid).toBe(b.fundingPaid);
  expect(JSON.stringify(a.final)).toBe(JSON.stringify(b.final));
}

describe('quiet bars', async () => {
  const configs = (await readdir(dir)).filter((f) => f.endsWith('.yaml') && !f.startsWith('policies-')).sort();
  it('covers every window config', () => expect(configs.length).toBeGreaterThanOrEqual(7));
  for (const file of configs) {
    it(`${file}: the same results with and without skipping, for every policy set`, async () => {
      const prepared = await prepareBacktest(`${dir}${file}`);
      const specs = [prepared.config.policies, ...prepared.config.compare];
      let quiet = 0;
      for (const spec of specs) {
        const setup = await loadPolicySetup(spec, prepared.base, typeof spec === 'string' ? spec : spec === null ? 'no-guard' : 'inline');
        const run = (skipQuiet: boolean): PipelineResult =>
          runPipeline(prepared.portfolio, historyFeed(prepared.history), new SimulatedVenue(prepared.config.execution), {
            policy: setup.policy,
            ...(setup.preTrade ? { preTrade: setup.preTrade } : {}),
            ...(setup.planner ? { planner: setup.planner } : {}),
            skipQuiet,
          });
        const fast = run(true);
        const full = run(false);
        expect(full.quietBars).toBe(0);
        same(fast, full);
        quiet += fast.quietBars;
      }
      // every config compares no guard (all its bars are quiet); the drawdown breaker adds its own quiet bars
      expect(quiet).toBeGreaterThanOrEqual(prepared.history.time.length);
      if (specs.includes('policies-drawdown-breaker.yaml')) expect(quiet).toBeGreaterThan(1.5 * prepared.history.time.length);
    }, 60_000);
  }
});
