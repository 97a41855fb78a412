/**
 * CLI entry: `ballast <command>`. Each command module is imported lazily so a call loads only what it uses.
 * Exit codes: 0 success, 1 runtime failure, 2 invalid input (the message names the field and the value).
 */
import { Command, CommanderError } from 'commander';
import { BallastError, ValidationError } from '../errors/index.ts';

export interface Io {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly readStdin: () => Promise<string>;
}

const defaultIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  let code = 0;
  const program = new Command()
    .name('ballast')
    .description('Risk engine and guardian for leveraged crypto derivatives portfolios')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command('risk')
    .description('margin, liquidation prices, crash moves and Greeks of a portfolio file')
    .argument('[file]', 'portfolio document (YAML or JSON); defaults to the bundled example')
    .option('--json', 'print the stable JSON document instead of tables')
    .action(async (file: string | undefined, opts: { json?: boolean }) => {
      const { runRisk } = await import('./commands/risk.ts');
      code = await runRisk(file, opts, io);
    });

  program
    .command('stress')
    .description('the book under historical and hypothetical scenarios, and the joint moves that liquidate each account')
    .argument('[file]', 'portfolio document (YAML or JSON); defaults to the bundled example')
    .option('--move <x...>', 'joint move of every non-stable price, a fraction > -1 (-0.3 = a 30 % fall); several allowed (give the file first)')
    .option('--vol <m...>', 'every option vol times m (> 0); several allowed')
    .option('--funding <rate>', 'funding rate per 8h paid by perps (positive: longs pay), over --horizon')
    .option('--horizon <hours>', 'hours the --funding rate is paid for (default 24)')
    .option('--haircut <fraction>', 'exit cost, fraction of each position\'s USD value, in [0, 1)')
    .option('--corr-one', 'add each historical scenario\'s correlation-one variant (every asset takes BTC\'s move)')
    .option('--scenarios <set>', 'historical (default) or none')
    .option('--json', 'print the stable JSON document instead of tables')
    .action(async (file: string | undefined, opts: { move?: string[]; vol?: string[]; funding?: string; horizon?: string; haircut?: string; corrOne?: boolean; scenarios?: string; json?: boolean }) => {
      const { runStress } = await import('./commands/stress.ts');
      code = await runStress(file, opts, io);
    });

  program
    .command('var')
    .description('Value at Risk, Expected Shortfall (1h, 1d, 7d, 30d) and liquidation probabilities of a portfolio file')
    .argument('[portfolio]', 'portfolio document (YAML or JSON); defaults to the bundled example')
    .option('--method <method>', 'historical (default) | fhs | parametric | mc')
    .option('--paths <n>', 'Monte Carlo scenarios per horizon and liquidation paths (default 10000)')
    .option('--seed <s>', 'seed of the Monte Carlo streams (default 1)')
    .option('--quantile <method>', 'empirical quantile: linear (default) or nearest-rank')
    .option('--json', 'print the stable JSON document instead of tables')
    .action(async (file: string | undefined, opts: { method?: string; paths?: string; seed?: string; quantile?: string; json?: boolean }) => {
      const { runVar } = await import('./commands/var.ts');
      code = await runVar(file, { ...opts, progress: io === defaultIo && process.stderr.isTTY === true }, io);
    });

  program
    .command('plan')
    .description('evaluate risk policies and plan the cheapest orders that restore safety')
    .argument('[file]', 'portfolio document (YAML or JSON); defaults to the bundled example')
    .option('--policies <file>', 'policy file (YAML or JSON); defaults to examples/policies/default.yaml')
    .option('--json', 'print the stable JSON document instead of tables')
    .action(async (file: string | undefined, opts: { policies?: string; json?: boolean }) => {
      const { runPlan } = await import('./commands/plan.ts');
      code = await runPlan(file, opts, io);
    });

  program
    .command('backtest')
    .description('run policies over bundled crash history through a simulated venue (fees, impact, latency, funding, liquidations)')
    .argument('<config>', 'backtest config (YAML or JSON): portfolio, policies, data, execution')
    .option('--compare <files...>', 'more policy files (or none) run over the same data, one table')
    .option('--json', 'print metrics, equity curve, decision and trade logs as JSON')
    .option('--out <dir>', 'write report.html, equity.png, drawdown.png, exposure.png, health.png, trades.csv, decisions.csv, result.json here')
    .action(async (file: string, opts: { compare?: string[]; json?: boolean; out?: string }) => {
      const { runBacktestCommand } = await import('./commands/backtest.ts');
      code = await runBacktestCommand(file, opts, io);
    });

  program
    .command('price')
    .description('option desk calculator: JSON array on stdin, price and Greeks out')
    .option('--json', 'JSON output (the default; kept for symmetry)')
    .action(async () => {
      const { runPrice } = await import('./commands/price.ts');
      code = await runPrice(io);
    });

  program
    .command('stats')
    .description('drawdown and performance statistics of an equity (or returns) column of a CSV file')
    .argument('<csv>', 'CSV file with a header line (.csv, or .csv.gz)')
    .option('--column <name>', 'column to read (default: the last numeric column)')
    .option('--returns', 'the column holds simple returns per period, not equity')
    .option('--periods-per-year <n>', 'annualisation: 365 (default, crypto days) or 252 (trading days), 52, 12...')
    .option('--json', 'print the stable JSON document instead of a table')
    .action(async (file: string, opts: { column?: string; returns?: boolean; periodsPerYear?: string; json?: boolean }) => {
      const { runStats } = await import('./commands/stats.ts');
      code = await runStats(file, opts, io);
    });

  program
    .command('vol')
    .description('volatility of a bundled asset or a CSV: realised, Parkinson, Garman-Klass, EWMA, GARCH(1,1), DVOL')
    .argument('[asset]', 'BTC, ETH, SOL, BNB, XRP (1d: Binance spot daily; 1h: Binance USDT perp hourly) or an OHLCV dataset id')
    .option('--model <model>', 'realised (default) | parkinson | garman-klass | ewma | garch | dvol (BTC: Deribit DVOL)')
    .option('--interval <interval>', '1d (default) or 1h bars; with --csv, the bar interval used for annualisation')
    .option('--lambda <lambda>', 'EWMA decay in (0, 1), default 0.94 (RiskMetrics)')
    .option('--horizon <n>', 'forecast steps (bars), default 1')
    .option('--window <n>', 'realised, parkinson, garman-klass: bars in the window (default 30 days of bars)')
    .option('--init <init>', "garch first variance: fgarch (default, h1 = omega + (alpha+beta)·mean(e²)) or sample-variance (h1 = var(x))")
    .option('--date <yyyy-mm-dd>', 'dvol: the UTC day whose DVOL row to use (default: the last row)')
    .option('--csv <file>', 'your own CSV instead of a bundled asset (plain or .gz)')
    .option('--column <name>', 'with --csv: column of prices (default: the last numeric column)')
    .option('--returns', 'with --csv: the column holds log returns per period, not prices')
    .option('--periods-per-year <n>', 'annualisation override (default from the interval: 1h 8760, 1d 365)')
    .option('--json', 'print the stable JSON document instead of a table')
    .action(async (asset: string | undefined, opts: { model?: string; interval?: string; lambda?: string; horizon?: string; window?: string; init?: string; date?: string; csv?: string; column?: string; returns?: boolean; periodsPerYear?: string; json?: boolean }) => {
      const { runVol } = await import('./commands/vol.ts');
      code = await runVol(asset, opts, io);
    });

  program
    .command('data')
    .description('bundled market history (rows, range, gaps, source), one dataset, or your own CSV file')
    .argument('[id]', 'dataset id (see `ballast data`): details and gaps of that dataset')
    .option('--gaps', 'list every gap')
    .option('--json', 'print the stable JSON document instead of tables')
    .option('--csv <file>', 'check your own CSV (plain or .gz) instead of a bundled dataset')
    .option('--kind <kind>', 'with --csv: ohlcv | funding | dvol | deribit-funding (default: from the header)')
    .option('--interval <interval>', 'with --csv: bar interval, e.g. 1h, 8h, 1d (default: the most common step)')
    .action(async (id: string | undefined, opts: { gaps?: boolean; json?: boolean; csv?: string; kind?: string; interval?: string }) => {
      const { runData } = await import('./commands/data.ts');
      code = await runData(id, opts, io);
    });

  program
    .command('simulate')
    .description('simulations; `simulate cascade`: liquidation cascade with and without guardians')
    .argument('<simulation>', 'cascade')
    .option('--config <file>', 'cascade config (YAML or JSON); defaults as in examples/cascade/default.yaml')
    .option('--guardians <share>', 'share of accounts running Ballast deleveraging, in [0, 1]')
    .option('--threshold <d>', 'guardians act when the distance to liquidation is below d (default 0.05)')
    .option('--fraction <f>', 'share of the position a guardian sells each time it acts (default 0.5)')
    .option('--shock-usd <usd>', 'exogenous market sell, USD')
    .option('--shock-drop <y>', 'exogenous price drop, a fraction (instead of --shock-usd)')
    .option('--accounts <n>', 'number of accounts')
    .option('--seed <s>', 'population seed')
    .option('--rounds <n>', 'maximum rounds')
    .option('--sweep', 'add a sweep over guardian shares (config `sweep`)')
    .option('--json', 'print the stable JSON document instead of tables')
    .action(async (sim: string, opts: { config?: string; guardians?: string; threshold?: string; fraction?: string; shockUsd?: string; shockDrop?: string; accounts?: string; seed?: string; rounds?: string; sweep?: boolean; json?: boolean }) => {
      const { runSimulate } = await import('./commands/simulate.ts');
      code = await runSimulate(sim, opts, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof ValidationError) {
      io.stderr(`${e.message}\n`);
      return 2;
    }
    if (e instanceof BallastError) {
      io.stderr(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  return code;
}
