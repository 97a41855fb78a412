/**
 * `ballast stress [file] [--move X...] [--vol M...] [--funding R [--horizon H]] [--haircut F] [--corr-one]
 *  [--scenarios historical|none] [--json]`: the book under named scenarios (src/stress/) and its reverse stress.
 * - file: portfolio document, default the bundled example (as `ballast risk`).
 * - --move X: every non-stable price x (1 + X), X > -1 (-0.3 = a 30 % fall), named `move:X`; several allowed.
 * - --vol M: every option's vol x M (M > 0), named `vol:xM`. --funding R: R per 8h (positive: longs pay) over
 *   --horizon hours (default 24), named `funding:R/8h x Hh`. --haircut F: exit cost F of |value|, named `haircut:F`.
 * - --scenarios historical (default) adds the bundled historical scenarios; --corr-one adds after each its
 *   correlation-one variant (`<name> corr1`: every non-stable asset takes BTC's move).
 * JSON (--json): { asOf, scenarios: [{ name, shock, accounts: [{ id, equityAfter, marginRatioAfter, liquidated,
 * loss }] }], reverse: { accounts: [{ id, down, up }], first: { down, up } } }, conventions in stress/revalue.ts
 * and stress/reverse.ts (USD; loss = equity before - after, positive a loss). Bad options exit 2 naming the value.
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import { ValidationError, type FieldIssue } from '../../errors/index.ts';
import { parseNumber } from '../../io/csv.ts';
import { loadPortfolioFile } from '../../io/portfolio-file.ts';
import { historicalScenarios } from '../../stress/library.ts';
import { stressReport, type StressReport } from '../../stress/revalue.ts';
import { correlationOne, fundingScenario, haircutScenario, moveScenario, volScenario, type Scenario } from '../../stress/scenario.ts';
import { pct, usd } from '../format.ts';
import type { Io } from '../main.ts';
import { DEFAULT_PORTFOLIO } from './risk.ts';

export interface StressCliOptions {
  readonly move?: readonly string[];
  readonly vol?: readonly string[];
  readonly funding?: string;
  readonly horizon?: string;
  readonly haircut?: string;
  readonly corrOne?: boolean;
  readonly scenarios?: string;
  readonly json?: boolean;
}

const DEFAULT_FUNDING_HOURS = 24;

/** Parse one option value; an issue naming the option and the raw value when it is not a number passing `ok`. */
function numberOption(raw: string, option: string, ok: (x: number) => boolean, rule: string, issues: FieldIssue[]): number | undefined {
  const x = parseNumber(raw);
  if (x === undefined || !ok(x)) {
    issues.push({ path: option, value: raw, message: `must be ${rule}` });
    return undefined;
  }
  return x;
}

/** The scenarios the options ask for, in order: moves, vols, funding, haircut, then the historical library. */
export function scenariosFromOptions(opts: StressCliOptions, isStable: (asset: string) => boolean): Scenario[] {
  const issues: FieldIssue[] = [];
  const out: Scenario[] = [];
  for (const raw of opts.move ?? []) {
    const x = numberOption(raw, '--move', (v) => v > -1, 'a number > -1 (a fraction: -0.3 = a 30 % fall)', issues);
    if (x !== undefined) out.push(moveScenario(x));
  }
  for (const raw of opts.vol ?? []) {
    const m = numberOption(raw, '--vol', (v) => v > 0, 'a vol multiplier > 0', issues);
    if (m !== undefined) out.push(volScenario(m));
  }
  const hours = opts.horizon === undefined ? DEFAULT_FUNDING_HOURS : numberOption(opts.horizon, '--horizon', (v) => v > 0, 'a number of hours > 0', issues);
  if (opts.horizon !== undefined && opts.funding === undefined) issues.push({ path: '--horizon', value: opts.horizon, message: 'only applies with --funding' });
  if (opts.funding !== undefined) {
    const r = numberOption(opts.funding, '--funding', () => true, 'a funding rate per 8h (0.003 = 0.3 %)', issues);
    if (r !== undefined && hours !== undefined) out.push(fundingScenario(r, hours));
  }
  if (opts.haircut !== undefined) {
    const h = numberOption(opts.haircut, '--haircut', (v) => v >= 0 && v < 1, 'a fraction in [0, 1)', issues);
    if (h !== undefined) out.push(haircutScenario(h));
  }
  const library = opts.scenarios ?? 'historical';
  if (library !== 'historical' && library !== 'none') issues.push({ path: '--scenarios', value: library, message: 'must be historical or none' });
  // --move is correlation one already: the variant is of the historical scenarios only
  if (opts.corrOne && library === 'none') issues.push({ path: '--corr-one', value: true, message: 'applies to the historical scenarios (--scenarios historical)' });
  if (issues.length > 0) throw new ValidationError('options', issues);
  if (library === 'historical') {
    for (const s of historicalScenarios()) {
      out.push(s);
      if (opts.corrOne) out.push(correlationOne(s, isStable));
    }
  }
  return out;
}

/** Only the shock fields of a scenario (a historical one carries its provenance too). */
const shockOnly = (s: Scenario): Scenario => {
  const { name, prices, others, vol, fundingPer8h, horizonHours, haircut } = s;
  return {
    name,
    prices,
    ...(others === undefined ? {} : { others }),
    ...(vol === undefined ? {} : { vol }),
    ...(fundingPer8h === undefined ? {} : { fundingPer8h }),
    ...(horizonHours === undefined ? {} : { horizonHours }),
    ...(haircut === undefined ? {} : { haircut }),
  };
};

export async function runStress(file: string | undefined, opts: StressCliOptions, io: Io): Promise<number> {
  const portfolio = await loadPortfolioFile(file ?? DEFAULT_PORTFOLIO);
  const scenarios = scenariosFromOptions(opts, (a) => portfolio.market.stables.has(a)).map(shockOnly);
  const report = stressReport(portfolio, scenarios);
  io.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderStress(report, file ?? DEFAULT_PORTFOLIO));
  return 0;
}

const signedPct = (x: number | null): string => (x === null ? '-' : x > 0 ? `+${pct(x)}` : pct(x));

export function renderStress(r: StressReport, source: string): string {
  const out: string[] = [pc.bold(`Ballast stress  ${source}  as of ${r.asOf}`), ''];
  const ids = r.reverse.accounts.map((a) => a.id);
  if (r.scenarios.length === 0) out.push('no scenarios (use --move, --vol, --funding, --haircut or --scenarios historical)', '');
  else {
    const t = new Table({ head: ['scenario', 'total loss', ...ids.map((id) => `${id}\nloss (MM/equity)`)], style: { head: ['cyan'] } });
    for (const s of r.scenarios) {
      const total = s.accounts.reduce((x, a) => x + a.loss, 0);
      t.push([
        s.name,
        usd(total),
        ...s.accounts.map((a) => {
          const cell = `${usd(a.loss)} (${pct(a.marginRatioAfter)})`;
          return a.liquidated ? pc.red(`${cell} LIQ`) : cell;
        }),
      ]);
    }
    out.push(t.toString(), 'loss: USD, equity before - after (negative: a gain); LIQ: a bucket at or below maintenance after the shock', '');
  }
  const rev = new Table({ head: ['reverse stress', 'liquidating move down', 'liquidating move up'], style: { head: ['cyan'] } });
  for (const a of r.reverse.accounts) rev.push([a.id, signedPct(a.down), signedPct(a.up)]);
  out.push(rev.toString());
  const first = (id: string | null, way: 'down' | 'up'): string => {
    const a = r.reverse.accounts.find((x) => x.id === id);
    return a === undefined ? 'none' : `${a.id} at ${signedPct(a[way])}`;
  };
  out.push(`first liquidated by a joint move (all non-stable prices together): down ${first(r.reverse.first.down, 'down')}, up ${first(r.reverse.first.up, 'up')}`, '');
  return out.join('\n');
}
