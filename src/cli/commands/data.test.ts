import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { datasetIds } from '../../market-data/catalog.ts';
import { runCli } from '../../testing/cli.ts';
import type { DatasetDoc, GapDoc } from './data.ts';

const run = runCli;

const tmp = (name: string, content: string | Uint8Array): string => {
  const f = join(mkdtempSync(join(tmpdir(), 'ballast-data-')), name);
  writeFileSync(f, content);
  return f;
};

describe('ballast data', () => {
  it('--json lists every dataset with rows, first and last bar, interval, gaps and source', async () => {
    const { code, out, err } = await run(['data', '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(out) as { datasets: DatasetDoc[] };
    expect(doc.datasets.map((d) => d.id)).toEqual(datasetIds());
    const btc = doc.datasets.find((d) => d.id === 'binance-spot-btc-usdt-1h');
    expect(btc).toMatchObject({
      file: 'binance-spot-btc-usdt-1h-2017-2022.csv.gz',
      kind: 'ohlcv',
      venue: 'binance',
      market: 'spot',
      instrument: 'BTCUSDT',
      interval: '1h',
      intervalMs: 3_600_000,
      rows: 45024,
      first: '2017-08-17T04:00:00.000Z',
      last: '2022-10-11T10:00:00.000Z',
      gaps: 27,
      missingBars: 127,
      origin: 'Binance spot klines',
    });
    expect(btc?.sources[0]).toEqual({ repo: 'https://github.com/djienne/3EMA_SRSI_ATR', path: 'user_data/data/binance/BTC_USDT-1h.json', commit: '29af186a61' });
    expect(doc.datasets.find((d) => d.id === 'binance-perp-btc-usdt-funding-8h')).toMatchObject({ first: '2022-11-03T08:00:00.016Z', interval: '8h', gaps: 0 });
  });

  it('prints a table by default', async () => {
    const { code, out } = await run(['data']);
    expect(code).toBe(0);
    for (const id of datasetIds()) expect(out).toContain(id);
    expect(out).toContain('2017-08-17T04:00Z');
    expect(out).toContain('27 (127 bars)');
    expect(out).toContain('djienne/3EMA_SRSI_ATR');
  });

  it('<id> --json details one dataset with its gap list', async () => {
    const { code, out } = await run(['data', 'deribit-btc-perpetual-funding-1h', '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as DatasetDoc & { gapList: GapDoc[]; notes: string[]; sha256: string; toleranceMs: number };
    expect(doc).toMatchObject({ id: 'deribit-btc-perpetual-funding-1h', kind: 'deribit-funding', rows: 16008, gaps: 1, missingBars: 2, toleranceMs: 1000 });
    expect(doc.gapList).toEqual([{ from: '2020-08-27T05:00:00.000Z', to: '2020-08-27T08:00:00.000Z', missingBars: 2 }]);
    expect(doc.sha256).toBe('d18c7e431965983d07d496be3d5500eec507634a91219184c79f913e66f2ecb1');
    expect(doc.notes.length).toBeGreaterThan(0);
  });

  it('<id> --gaps lists every gap in a table; without --gaps it says how to', async () => {
    const withGaps = await run(['data', 'binance-spot-btc-usdt-1h', '--gaps']);
    expect(withGaps.code).toBe(0);
    expect(withGaps.out).toContain('27 gaps / 127 missing bars');
    expect(withGaps.out).toMatch(/2018-02-08T00:00Z.*2018-02-09T10:00Z.*33/);
    // One table row per gap: the only lines holding two times.
    expect(withGaps.out.split('\n').filter((l) => /T\d\d:\d\dZ.*T\d\d:\d\dZ/.test(l))).toHaveLength(27);
    const plain = await run(['data', 'binance-spot-btc-usdt-1h']);
    expect(plain.out).toContain('(--gaps lists every gap)');
    expect(plain.out).not.toContain('2018-02-09T10:00Z');
    expect(plain.out).toContain('djienne/3EMA_SRSI_ATR user_data/data/binance/BTC_USDT-1h.json @ 29af186a61');
  });

  it('an unknown id exits 2 and lists the known ids', async () => {
    const { code, out, err } = await run(['data', 'binance-perp-btc-usdt-4h']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('unknown dataset "binance-perp-btc-usdt-4h" (did you mean binance-perp-btc-usdt-1h?)');
    for (const id of datasetIds()) expect(err).toContain(id);
  });

  it('--csv checks your own file, plain or gzip, with --kind and --interval', async () => {
    const text = 'timestamp,funding_rate\n1667462400016,4.4e-06\n1667491200005,6.94e-05\n1667548800002,1e-4\n';
    for (const f of [tmp('f.csv', text), tmp('f.csv.gz', gzipSync(text))]) {
      const { code, out } = await run(['data', '--csv', f, '--kind', 'funding', '--interval', '8h', '--json']);
      expect(code).toBe(0);
      expect(JSON.parse(out)).toEqual({
        file: f,
        kind: 'funding',
        interval: '8h',
        intervalMs: 28_800_000,
        rows: 3,
        first: '2022-11-03T08:00:00.016Z',
        last: '2022-11-04T08:00:00.002Z',
        gaps: 1,
        missingBars: 1,
        intervalInferred: false,
        toleranceMs: 1000,
        gapList: [{ from: '2022-11-03T16:00:00.005Z', to: '2022-11-04T08:00:00.002Z', missingBars: 1 }],
      });
    }
  });

  it('--csv without --kind or --interval takes them from the file and says the interval is inferred', async () => {
    const f = tmp('bars.csv', 'timestamp,open,high,low,close,volume\n1704067200000,1,2,0.5,1.5,10\n1704070800000,1.5,2,1,1.2,5\n');
    const { code, out } = await run(['data', '--csv', f, '--gaps']);
    expect(code).toBe(0);
    expect(out).toContain('ohlcv');
    expect(out).toContain('1h (inferred');
    expect(out).toContain('none');
  });

  it('a bad CSV exits 2, naming the file, line, column and value, and prints nothing on stdout', async () => {
    const f = tmp('bad.csv', 'timestamp,open,high,low,close,volume\n1704067200000,1,2,0.5,1.5,10\n1704070800000,1.5,1,1,1.2,5\n');
    const { code, out, err } = await run(['data', '--csv', f, '--kind', 'ohlcv', '--interval', '1h']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(`${f}: 1 invalid value`);
    expect(err).toContain('line 3, column 3 (high): below max(open, close) = 1.5 (got "1")');
  });

  it('a missing file exits 1', async () => {
    const { code, err } = await run(['data', '--csv', join(tmpdir(), 'ballast-no-such-file.csv')]);
    expect(code).toBe(1);
    expect(err).toContain('no such file');
  });

  it('bad or conflicting options exit 2, each named', async () => {
    const cases: [string[], string][] = [
      [['data', 'btc-usd-1d', '--csv', 'x.csv'], '--csv: give a dataset id or --csv FILE, not both'],
      [['data', '--kind', 'ohlcv'], '--kind: only applies with --csv FILE'],
      [['data', '--interval', '1h'], '--interval: only applies with --csv FILE'],
      [['data', '--gaps'], '--gaps: needs a dataset id or --csv FILE'],
      [['data', '--csv', 'x.csv', '--kind', 'trades'], '--kind: must be one of ohlcv, funding, dvol, deribit-funding'],
      [['data', '--csv', 'x.csv', '--interval', '1y'], '--interval: expected e.g. 15m, 1h, 8h, 1d, or milliseconds'],
    ];
    for (const [argv, message] of cases) {
      const { code, out, err } = await run(argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(out).toBe('');
      expect(err).toContain(message);
    }
  });
});
