import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { equityCurve } from '../../analytics/series.ts';
import { runCli } from '../../testing/cli.ts';
import type { StatsDocument } from './stats.ts';

const run = runCli;

const dir = mkdtempSync(join(tmpdir(), 'ballast-stats-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const close = (actual: number | null, expected: number, rel: number): void => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
};

/** Reference doc §3b fixed series and its expected statistics (ann 365), printed to 12 significant digits. */
const R3B = [
  0.012, -0.034, 0.021, 0.005, -0.051, 0.017, -0.008, 0.029, -0.022, 0.014, -0.063, 0.038, 0.009, -0.015, 0.026, -0.041, 0.033, 0.004, -0.019, 0.022,
];
const expect3b = (d: StatsDocument): void => {
  expect(d.periods).toBe(20);
  expect(d.periodsPerYear).toBe(365);
  close(d.maxDrawdown, -0.0925983948052, 1e-11);
  expect(d.maxDrawdownDuration).toBe(19);
  expect(d.maxDrawdownDurationOpen).toBe(true);
  close(d.timeUnderWater, 0.95, 1e-15);
  close(d.cagr, -0.434736448135, 1e-11);
  close(d.annualVolatility, 0.558560214442, 1e-11);
  close(d.sharpe, -0.751485675397, 1e-11);
  close(d.sortino, -0.957014160207, 1e-11);
  close(d.calmar, -4.69485944168, 1e-11);
};
const dates = (n: number): string[] => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10));

describe('ballast stats', () => {
  it('--returns --json on the §3b series, column inferred and reported', async () => {
    const d = dates(20);
    const f = file('returns.csv', `date,ret\n${R3B.map((r, i) => `${d[i]},${r}`).join('\n')}\n`);
    const { code, out, err } = await run(['stats', f, '--returns', '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(out) as StatsDocument;
    expect(Object.keys(doc)).toEqual([
      'file',
      'column',
      'input',
      'periods',
      'maxDrawdown',
      'maxDrawdownPeakLine',
      'maxDrawdownTroughLine',
      'maxDrawdownDuration',
      'maxDrawdownDurationOpen',
      'timeUnderWater',
      'cagr',
      'annualVolatility',
      'sharpe',
      'sortino',
      'calmar',
      'periodsPerYear',
    ]);
    expect(doc).toMatchObject({ file: f, column: 'ret', input: 'returns' });
    expect3b(doc);
    // peak after r[0] (line 2), trough after r[10] (line 12)
    expect([doc.maxDrawdownPeakLine, doc.maxDrawdownTroughLine]).toEqual([2, 12]);
  });

  it('an equity column (the default input) with blank lines and a trailing text column gives the same numbers', async () => {
    const eq = equityCurve(R3B);
    const d = dates(21);
    const rows = [...eq].map((e, i) => `${d[i]},${e * 25000},${i === 5 ? '"rebalanced, fees"' : ''}`);
    rows.splice(10, 0, '');
    const f = file('equity.csv', `date,equity,note\n${rows.join('\n')}\n`);
    const { code, out } = await run(['stats', f, '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as StatsDocument;
    expect(doc).toMatchObject({ column: 'equity', input: 'equity' });
    expect3b(doc);
    // curve index 1 is data row 1 (line 3); index 11 is line 14 (a blank line sits at line 12)
    expect([doc.maxDrawdownPeakLine, doc.maxDrawdownTroughLine]).toEqual([3, 14]);
  });

  it('--column and --periods-per-year 252 reproduce empyrical (mixed_returns with the NaN as 0)', async () => {
    const r = [0, 1, 10, -4, 2, 3, 2, 1, -10].map((x) => x / 100);
    const f = file('mixed.csv', `ret,other\n${r.map((x) => `${x},1`).join('\n')}\n`);
    const { code, out } = await run(['stats', f, '--column', 'ret', '--returns', '--periods-per-year', '252', '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as StatsDocument;
    expect(doc.column).toBe('ret');
    expect(doc.periodsPerYear).toBe(252);
    close(doc.cagr, 1.9135925373194231, 1e-12);
    close(doc.calmar, 19.135925373194233, 1e-12);
    close(doc.maxDrawdown, -0.1, 1e-12);
  });

  it('undefined statistics are null in JSON (one period: no deviation)', async () => {
    const f = file('one.csv', 'equity\n100\n101\n');
    const doc = JSON.parse((await run(['stats', f, '--json'])).out) as StatsDocument;
    expect(doc).toMatchObject({ periods: 1, maxDrawdown: 0, maxDrawdownPeakLine: null, annualVolatility: null, sharpe: null, sortino: null, calmar: null });
  });

  it('prints a table by default and says which column was used', async () => {
    const f = file('table.csv', `date,equity\n${[...equityCurve(R3B)].map((e, i) => `${i},${e}`).join('\n')}\n`);
    const { code, out } = await run(['stats', f]);
    expect(code).toBe(0);
    expect(out).toContain('column "equity" (last numeric column)');
    expect(out).toContain('max drawdown');
    expect(out).toContain('-9.26%');
    expect(out).toContain('not recovered');
  });

  it('a bad cell exits 2 naming the line, the column and the value, and prints no report', async () => {
    const f = file('bad.csv', 'date,equity\n2024-01-01,100\n2024-01-02,101\n\n2024-01-04,1O2\n2024-01-05,103\n');
    const { code, out, err } = await run(['stats', f, '--json']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(f);
    expect(err).toContain('line 5, column "equity": not a number (got "1O2")');
  });

  it('non-positive equity and returns below -100 % exit 2 with their line', async () => {
    const f = file('neg.csv', 'pnl\n100\n-20\n50\n');
    const a = await run(['stats', f]);
    expect(a.code).toBe(2);
    expect(a.err).toContain('line 3, column "pnl": equity must be > 0 (pass --returns if the column holds returns) (got -20)');
    expect(a.err).toContain('column: picked as the last numeric column; choose another with --column NAME (got "pnl")');
    const b = await run(['stats', file('r.csv', 'r\n0.1\n-1.5\n'), '--returns']);
    expect(b.code).toBe(2);
    expect(b.err).toContain('line 3, column "r": a simple return must be >= -1');
    const c = await run(['stats', file('r2.csv', 'r\n0.1\n-1.5\n'), '--returns', '--column', 'r']);
    expect(c.err).not.toContain('picked as the last numeric column');
  });

  it('option and file problems', async () => {
    const f = file('ok.csv', 'equity\n100\n110\n');
    const a = await run(['stats', f, '--periods-per-year', 'daily']);
    expect(a.code).toBe(2);
    expect(a.err).toContain('--periods-per-year: must be a number > 0');
    expect((await run(['stats', f, '--periods-per-year', '0'])).code).toBe(2);
    const b = await run(['stats', f, '--column', 'close']);
    expect(b.code).toBe(2);
    expect(b.err).toContain('no such column in the header (line 1): "equity" (got "close")');
    const c = await run(['stats', file('short.csv', 'equity\n100\n')]);
    expect(c.code).toBe(2);
    expect(c.err).toContain('needs at least 2 values (one period)');
    const d = await run(['stats', join(dir, 'nope.csv')]);
    expect(d.code).toBe(1);
    expect(d.err).toContain('no such file');
    expect((await run(['stats'])).code).toBe(2);
  });
});
