/**
 * `ballast backtest <config.yaml> [--json] [--compare <files...>]`: run a policy set over bundled market history
 * through the simulated venue (src/backtest) and print the metrics; `--compare` adds runs over the same data, each
 * file either a policy file (the config's portfolio, data and execution) or `none` (no guard); a config's own
 * `compare:` list does the same. JSON: per run the metrics, the equity curve, the decision log and the trade log
 * (fills and liquidations), plus the data sources. A progress bar shows on stderr when it is a terminal.
 */
import { resolve } from 'node:path';
import Table from 'cli-table3';
import pc from 'picocolors';
import { loadPolicySetup, prepareBacktest, runPrepared, type BacktestRun } from '../../backtest/run.ts';
import { num, pct, usd } from '../format.ts';
import type { Io } from '../main.ts';

export interface BacktestOptions {
  readonly json?: boolean;
  readonly compare?: readonly string[];
  /** Write the report files (report.html, equity.png, drawdown.png, exposure.png, health.png when some bar has a finite
   * health factor, trades.csv, decisions.csv, result.json) here. */
  readonly out?: string;
  /** Show a progress bar (default: stderr is a TTY). */
  readonly progress?: boolean;
}

export async function runBacktestCommand(file: string, opts: BacktestOptions, io: Io): Promise<number> {
  const prepared = await prepareBacktest(file);
  const specs: { spec: string | Record<string, unknown> | null; name: string }[] = [
    { spec: prepared.config.policies, name: typeof prepared.config.policies === 'string' ? prepared.config.policies : prepared.config.policies ? 'policies' : 'no-guard' },
    ...prepared.config.compare.map((c) => ({ spec: c, name: c ?? 'no-guard' })),
    // --compare files are relative to the working directory
    ...(opts.compare ?? []).map((c) => ({ spec: c === 'none' ? null : resolve(c), name: c })),
  ];
  const progress = opts.progress ?? Boolean(process.stderr.isTTY);
  const runs: BacktestRun[] = [];
  for (const s of specs) {
    const setup = await loadPolicySetup(s.spec, prepared.base, s.name);
    const bar = progress ? (d: number, t: number | null): void => io.stderr(`\r${progressLine(s.name, d, t)}`) : undefined;
    runs.push(runPrepared(prepared, setup, bar));
    if (progress) io.stderr('\n');
  }
  const window = prepared.config.window ?? `${new Date(prepared.config.from).toISOString()} to ${new Date(prepared.config.to).toISOString()}`;
  if (opts.out) {
    // vega, vega-lite and resvg load only on this path
    const { writeBacktestReport } = await import('../../report/backtest.ts');
    await writeBacktestReport({ config: file, window, assets: prepared.history.assets, sources: prepared.history.sources, runs }, resolve(opts.out));
    io.stderr(`report written to ${resolve(opts.out)}/report.html\n`);
  }
  if (opts.json) {
    // one document for --json and --out's result.json (report/backtest.ts loads vega and resvg lazily, in the
    // chart functions only)
    const { backtestDocument, jsonNumber } = await import('../../report/backtest.ts');
    const doc = backtestDocument({ config: file, window, assets: prepared.history.assets, sources: prepared.history.sources, runs });
    io.stdout(`${JSON.stringify(doc, jsonNumber, 2)}\n`);
    return 0;
  }
  io.stdout(renderTable(file, window, runs, prepared.history.sources));
  return 0;
}

function progressLine(name: string, done: number, total: number | null): string {
  const width = 30;
  const f = total ? Math.min(1, done / total) : 0;
  const filled = Math.round(f * width);
  return `${name.slice(0, 28).padEnd(28)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${total ? `${done}/${total}` : done} bars`;
}

export function renderTable(file: string, window: string, runs: readonly BacktestRun[], sources: Readonly<Record<string, string>>): string {
  const out: string[] = [pc.bold(`Ballast backtest  ${file}  ${window}`), ''];
  const t = new Table({
    head: ['policies', 'return', 'max DD', 'Calmar', 'Sortino', 'liquidations', 'liq. losses', 'costs', 'funding', 'turnover', 'ACTIVE/REDUCING/HALTED', 'final equity'],
    style: { head: ['cyan'] },
  });
  for (const r of runs) {
    const m = r.metrics;
    t.push([
      r.name,
      pct(m.return),
      pct(m.maxDrawdown),
      num(m.calmar, 2),
      num(m.sortino, 2),
      m.liquidations > 0 ? pc.red(String(m.liquidations)) : '0',
      usd(m.liquidationLosses),
      usd(m.costsPaid),
      usd(m.fundingPaid),
      num(m.turnover, 2),
      `${pct(m.timeInState.ACTIVE, 0)}/${pct(m.timeInState.REDUCING, 0)}/${pct(m.timeInState.HALTED, 0)}`,
      usd(m.finalEquity),
    ]);
  }
  out.push(t.toString(), '');
  for (const [k, v] of Object.entries(sources)) out.push(pc.dim(`${k}: ${v}`));
  out.push('');
  return out.join('\n');
}
