import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Io } from '../main.ts';
import { runCli } from '../../testing/cli.ts';
import { runVar } from './var.ts';

const run = runCli;

interface Doc {
  method: string;
  quantile: string | null;
  scenarios: Record<string, number>;
  dataWindow: { from: string; to: string; hours: number; assets: string[]; sources: string[] };
  liquidation: { paths: number; seed: number };
  accounts: { id: string; equity: number; var: Record<string, Record<string, number>>; es: Record<string, Record<string, number>>; liquidationProbability: Record<string, number> }[];
  book: { var: Record<string, Record<string, number>>; es: Record<string, Record<string, number>> };
}

const ACCOUNTS = ['binance-cross', 'binance-iso', 'deribit', 'aave'];

describe('ballast var', () => {
  it('--json on the bundled example: historical VaR / ES per account and book, liquidation probabilities, bundled hourly history', async () => {
    const { code, out, err } = await run(['var', '--json', '--paths', '2000']);
    expect(code).toBe(0);
    expect(err).toBe(''); // no progress bar when not a terminal
    const doc = JSON.parse(out) as Doc;
    expect(doc.method).toBe('historical');
    expect(doc.quantile).toBe('linear');
    expect(doc.accounts.map((a) => a.id)).toEqual(ACCOUNTS);
    expect(doc.dataWindow).toMatchObject({ from: '2020-01-01T00:00:00.000Z', to: '2024-03-01T00:00:00.000Z', assets: ['BTC', 'ETH'], sources: ['binance-perp-btc-usdt-1h', 'binance-perp-eth-usdt-1h'] });
    expect(doc.scenarios['1h']).toBe(doc.dataWindow.hours);
    expect(doc.scenarios['30d']).toBeLessThan(doc.scenarios['1h']!);
    for (const a of doc.accounts) {
      expect(Object.keys(a.var)).toEqual(['1h', '1d', '7d', '30d']);
      expect(Object.keys(a.var['1d']!)).toEqual(['0.95', '0.99', '0.999']);
      expect(a.es['1d']!['0.99']!).toBeGreaterThanOrEqual(a.var['1d']!['0.99']!);
      expect(Object.keys(a.liquidationProbability)).toEqual(['1d', '7d', '30d']);
    }
    expect(doc.book.var['1d']!['0.99']!).toBeGreaterThan(0);
    // the short isolated BTC perp (liquidated by a 14 % rise) is the most likely to go within 30 days
    const p30 = Object.fromEntries(doc.accounts.map((a) => [a.id, a.liquidationProbability['30d']!]));
    expect(p30['binance-iso']).toBeGreaterThan(p30.deribit!);
    expect(doc.liquidation).toMatchObject({ paths: 2000, seed: 1 });
  });

  it('--method mc --seed: deterministic; every method runs', async () => {
    const a = await run(['var', '--method', 'mc', '--paths', '2000', '--seed', '42', '--json']);
    const b = await run(['var', '--method', 'mc', '--paths', '2000', '--seed', '42', '--json']);
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    expect((JSON.parse(a.out) as Doc).scenarios).toEqual({ '1h': 2000, '1d': 2000, '7d': 2000, '30d': 2000 });
    for (const method of ['fhs', 'parametric']) {
      const r = await run(['var', '--method', method, '--paths', '200', '--json']);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.out) as Doc).method).toBe(method);
    }
  });

  it('prints tables by default', async () => {
    const { code, out } = await run(['var', '--method', 'parametric', '--paths', '200']);
    expect(code).toBe(0);
    expect(out).toContain('VaR 99.0%');
    expect(out).toContain('liquidation probability');
    expect(out).toContain('book');
  });

  it('a book with an asset that has no bundled history fails, naming the asset (exit 1)', async () => {
    const { code, out, err } = await run(['var', fileURLToPath(new URL('../../../examples/perp-cross.yaml', import.meta.url)), '--paths', '200']);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain('DOGE');
  });

  it.each([
    [['--method', 'delta'], '"delta"'],
    [['--paths', '1'], '--paths'],
    [['--paths', '1e3.5'], '--paths'],
    [['--seed', '-3'], '--seed'],
    [['--quantile', 'type9'], '--quantile'],
  ])('bad option %j exits 2 naming the value, and prints nothing', async (args, shown) => {
    const { code, out, err } = await run(['var', ...args]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(shown);
  });

  it('draws a progress bar on stderr when asked (a terminal), and clears it', async () => {
    let out = '';
    let err = '';
    const io: Io = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), readStdin: () => Promise.resolve('') };
    expect(await runVar(undefined, { method: 'historical', paths: '200', json: true, progress: true }, io)).toBe(0);
    expect(err).toMatch(/historical 1h +\[#+-*\] \d+%/);
    expect(err).toContain('liquidation paths');
    expect(err.endsWith('\r\x1b[K')).toBe(true);
    expect(JSON.parse(out)).toHaveProperty('book');
  });
});
