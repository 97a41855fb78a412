import { describe, expect, it } from 'vitest';
import { runCli } from '../../testing/cli.ts';

const run = runCli;

interface Doc {
  asOf: string;
  scenarios: { name: string; shock: Record<string, unknown>; accounts: Record<string, unknown>[] }[];
  reverse: { accounts: { id: string; down: number | null; up: number | null }[]; first: { down: string | null; up: string | null } };
}

const ACCOUNTS = ['binance-cross', 'binance-iso', 'deribit', 'aave'];

describe('ballast stress', () => {
  it('--json on the bundled example: historical scenarios, then the reverse stress', async () => {
    const { code, out } = await run(['stress', '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as Doc;
    expect(doc.scenarios).toHaveLength(15);
    expect(doc.scenarios[0]!.name).toBe('2020-03-12 1h');
    expect(doc.scenarios.at(-1)!.name).toBe('2022-11 FTX 7d');
    for (const s of doc.scenarios) {
      expect(s.accounts.map((a) => a.id)).toEqual(ACCOUNTS);
      for (const a of s.accounts) expect(Object.keys(a)).toEqual(['id', 'equityAfter', 'marginRatioAfter', 'liquidated', 'loss']);
    }
    expect(doc.reverse.accounts.map((a) => a.id)).toEqual(ACCOUNTS);
    expect(doc.reverse.first).toEqual({ down: 'deribit', up: 'binance-iso' });
  });

  it('--move X... --scenarios none: one move:X scenario per value, in order', async () => {
    const { code, out } = await run(['stress', '--move', '-0.3', '0.2', '--move=-0.1', '--scenarios', 'none', '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as Doc;
    expect(doc.scenarios.map((s) => s.name)).toEqual(['move:-0.3', 'move:+0.2', 'move:-0.1']);
    expect(doc.scenarios[0]!.shock).toEqual({ prices: {}, others: 0.7 });
  });

  it('hypothetical vol, funding and haircut scenarios, and correlation-one variants of the historical ones', async () => {
    const { code, out } = await run(['stress', '--vol', '2', '--funding', '0.003', '--horizon', '48', '--haircut', '0.05', '--corr-one', '--json']);
    expect(code).toBe(0);
    const names = (JSON.parse(out) as Doc).scenarios.map((s) => s.name);
    expect(names.slice(0, 5)).toEqual(['vol:x2', 'funding:+0.003/8h x 48h', 'haircut:0.05', '2020-03-12 1h', '2020-03-12 1h corr1']);
    expect(names).toHaveLength(3 + 30);
  });

  it('prints tables by default', async () => {
    const { code, out } = await run(['stress', '--move', '-0.25']);
    expect(code).toBe(0);
    expect(out).toContain('move:-0.25');
    expect(out).toContain('2022-11 FTX 7d');
    expect(out).toContain('reverse stress');
    expect(out).toContain('down deribit');
  });

  it.each([
    [['--move', 'abc'], '"abc"'],
    [['--move', '-1'], '"-1"'],
    [['--move', '-2.5'], '"-2.5"'],
    [['--move=1e400'], '"1e400"'],
    [['--vol', '0'], '--vol'],
    [['--haircut', '1'], '--haircut'],
    [['--scenarios', 'all'], '"all"'],
    [['--horizon', '8'], '--horizon'],
    [['--corr-one', '--scenarios', 'none'], '--corr-one'],
  ])('bad option %j exits 2 naming the value, and prints nothing', async (args, shown) => {
    const { code, out, err } = await run(['stress', ...args]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(shown);
  });
});
