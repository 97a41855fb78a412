import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PNG_SIGNATURE } from '../../testing/png.ts';
import type { Io } from '../main.ts';
import { main } from '../main.ts';

const example = (name: string): string => fileURLToPath(new URL(`../../../examples/backtests/${name}`, import.meta.url));

function fakeIo(): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => out.push(s), stderr: (s) => err.push(s), readStdin: () => Promise.resolve('') };
}

describe('ballast backtest', () => {
  it('--json: metrics, equity curve, decision and trade logs for the config and every compared policy set', async () => {
    const io = fakeIo();
    const code = await main(['backtest', example('2020-03-12.yaml'), '--json', '--compare', example('policies-health-guard.yaml'), 'none'], io);
    expect(code).toBe(0);
    const doc = JSON.parse(io.out.join('')) as { window: string; runs: { name: string; metrics: Record<string, unknown>; equityCurve: unknown[]; decisions: unknown[]; trades: unknown[]; liquidations: unknown[] }[] };
    expect(doc.window).toBe('2020-03-12');
    // the config's own compare: list (no guard, health guard, vol target, CPPI: vol target and CPPI added to every
    // example window), then the --compare arguments
    expect(doc.runs.map((r) => r.name)).toEqual([
      'policies-drawdown-breaker.yaml',
      'no-guard',
      'policies-health-guard.yaml',
      'policies-vol-target.yaml',
      'policies-cppi.yaml',
      example('policies-health-guard.yaml'),
      'none',
    ]);
    const [breaker, none] = doc.runs;
    for (const k of ['return', 'maxDrawdown', 'calmar', 'sortino', 'liquidations', 'liquidationLosses', 'costsPaid', 'turnover', 'timeInState', 'finalEquity']) expect(breaker!.metrics).toHaveProperty(k);
    expect(breaker!.equityCurve).toHaveLength(337);
    expect(breaker!.decisions.length).toBeGreaterThan(0);
    expect(breaker!.trades.length).toBeGreaterThan(0);
    expect(none!.metrics.liquidations).toBeGreaterThanOrEqual(1);
    expect(breaker!.metrics.liquidations).toBe(0);
    expect(io.err.join('')).toBe(''); // no progress bar when stderr is not a terminal
  });

  it('prints one comparison table', async () => {
    const io = fakeIo();
    expect(await main(['backtest', example('2020-03-12-no-guard.yaml')], io)).toBe(0);
    const out = io.out.join('');
    expect(out).toContain('no-guard');
    expect(out).toContain('final equity');
    expect(out).toContain('funding.BTC: bitmex-xbtusd-funding-8h');
  });

  it('--out DIR: the report, the four PNG charts, the CSV logs and result.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ballast-bt-out-'));
    try {
      const io = fakeIo();
      expect(await main(['backtest', example('2020-03-12-no-guard.yaml'), '--out', dir], io)).toBe(0);
      expect((await readdir(dir)).sort()).toEqual(['decisions.csv', 'drawdown.png', 'equity.png', 'exposure.png', 'health.png', 'report.html', 'result.json', 'trades.csv']);
      for (const name of ['equity.png', 'drawdown.png', 'exposure.png', 'health.png']) expect([...(await readFile(join(dir, name))).subarray(0, 8)], name).toEqual([...PNG_SIGNATURE]);
      expect(io.err.join('')).toContain(`report written to ${dir}/report.html`);
      expect(io.out.join('')).toContain('no-guard'); // the table is still printed
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an invalid config exits 2 naming the field and the value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ballast-bt-'));
    const f = join(dir, 'bad.yaml');
    await writeFile(f, 'portfolio: p.yaml\ndata: { window: 2019-01-01 }\nexecution: { maxParticipation: 3 }\n');
    const io = fakeIo();
    expect(await main(['backtest', f], io)).toBe(2);
    const err = io.err.join('');
    expect(err).toContain('data.window');
    expect(err).toContain('execution.maxParticipation');
    expect(err).toContain('3');
  });
});
