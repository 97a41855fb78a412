/**
 * Real-file tests: every bundled dataset is loaded and checked against data/market/README.md (the oracle): the
 * Files table (rows, first and last bar, gap counts, sha256) and the stated facts (known gaps, crash-day lows,
 * funding and DVOL values, the Deribit index lining up with Binance closes). Bad files are temp files.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.ts';
import { listDatasets, UnknownDatasetError } from '../market-data/catalog.ts';
import { summarize, type LoadedDataset } from '../market-data/dataset.ts';
import { MarketDataError } from '../market-data/parse.ts';
import { parseReadmeFiles } from '../market-data/readme-oracle.ts';
import { jointReturns } from '../market-data/returns.ts';
import type { MarketSeries, SeriesOf } from '../market-data/series.ts';
import { decodeMarketBytes, loadCsv, loadDataset, MARKET_DIR, MarketFileError, verifyChecksum } from './market-file.ts';

const H = 3_600_000;
const DAY = 24 * H;
const utc = (s: string): number => Date.parse(s.length === 10 ? `${s}T00:00:00Z` : `${s.replace(' ', 'T')}:00Z`);
const minute = (ms: number): number => Math.floor(ms / 60_000) * 60_000;

const readme = parseReadmeFiles(await readFile(join(MARKET_DIR, 'README.md'), 'utf8'));
const idOf = (file: string): string => {
  const d = listDatasets().find((x) => x.file === file);
  if (d === undefined) throw new Error(`${file} is not catalogued`);
  return d.id;
};

const loaded = new Map<string, LoadedDataset>();
const load = async (id: string): Promise<LoadedDataset> => {
  const hit = loaded.get(id) ?? (await loadDataset(id));
  loaded.set(id, hit);
  return hit;
};
const ohlcv = async (id: string): Promise<SeriesOf<'ohlcv'>> => {
  const s: MarketSeries = (await load(id)).series;
  if (s.kind !== 'ohlcv') throw new Error(`${id} is ${s.kind}`);
  return s;
};

/** Rows whose timestamp lies in [from, to). */
const rowsIn = (ts: Float64Array, from: number, to: number): number[] => {
  const out: number[] = [];
  ts.forEach((t, i) => t >= from && t < to && out.push(i));
  return out;
};
const minOver = (col: Float64Array, rows: readonly number[]): number => Math.min(...rows.map((i) => col[i] as number));
/** The value at the row within `tol` ms of `at` (funding times carry ms jitter). */
const valueAt = (ts: Float64Array, col: Float64Array, at: number, tol = 0): number => {
  const i = ts.findIndex((t) => Math.abs(t - at) <= tol);
  if (i < 0) throw new Error(`no row at ${new Date(at).toISOString()}`);
  return col[i] as number;
};

describe('the README Files table is the oracle for every bundled file', () => {
  it('states gap counts for the 16 OHLCV files, e.g. BTC spot 1h 27 gaps / 127 missing bars', () => {
    expect(readme.filter((r) => r.gaps !== undefined)).toHaveLength(16);
    expect(readme.find((r) => r.file.startsWith('binance-spot-btc-usdt-1h'))?.gaps).toEqual({ gaps: 27, missingBars: 127 });
    expect(readme.filter((r) => r.file.startsWith('binance-perp-') && !r.file.includes('funding')).map((r) => r.gaps)).toEqual(Array(5).fill({ gaps: 0, missingBars: 0 }));
  });

  it.each(readme.map((r) => [r.file, r] as const))('%s: rows, first and last bar and gaps as stated', async (_, r) => {
    const d = await load(idOf(r.file));
    const s = summarize(d);
    expect(s.rows).toBe(r.rows);
    expect(minute(s.first)).toBe(r.first);
    expect(minute(s.last)).toBe(r.last);
    if (r.gaps !== undefined) expect({ gaps: s.gaps, missingBars: s.missingBars }).toEqual(r.gaps);
    expect(d.source).toBe(`data/market/${r.file}`);
  });
});

describe('known gaps and caveats (README prose)', () => {
  it('BTC spot 1h: largest gap 2018-02-08 00:00 -> 2018-02-09 10:00 (33 bars), one of 10 bars on 2019-05-15', async () => {
    const { gaps } = await load('binance-spot-btc-usdt-1h');
    const largest = [...gaps].sort((a, b) => b.missingBars - a.missingBars)[0];
    expect(largest).toEqual({ from: utc('2018-02-08 00:00'), to: utc('2018-02-09 10:00'), missingBars: 33 });
    // The README's "other gaps of 3 to 11 bars in 2017-2019" is loose: the others miss 1 to 10 bars, until 2021-09.
    expect(Math.max(...gaps.filter((g) => g !== largest).map((g) => g.missingBars))).toBe(10);
    expect(Math.min(...gaps.map((g) => g.missingBars))).toBe(1);
    expect(gaps).toContainEqual({ from: utc('2019-05-15 02:00'), to: utc('2019-05-15 13:00'), missingBars: 10 });
    expect(gaps.at(-1)?.to).toBe(utc('2021-09-29 09:00'));
  });

  it('ETH spot 1h misses exactly the hours BTC spot 1h misses', async () => {
    expect((await load('binance-spot-eth-usdt-1h')).gaps).toEqual((await load('binance-spot-btc-usdt-1h')).gaps);
  });

  it('perp 1h: no missing hours and no zero-volume bars; the spot files end 2022-10-11', async () => {
    for (const id of ['binance-perp-bnb-usdt-1h', 'binance-perp-btc-usdt-1h', 'binance-perp-eth-usdt-1h', 'binance-perp-sol-usdt-1h', 'binance-perp-xrp-usdt-1h']) {
      const s = await ohlcv(id);
      expect((await load(id)).gaps, id).toEqual([]);
      expect(s.volume.every((v) => v > 0), id).toBe(true);
    }
    expect(summarize(await load('binance-spot-btc-usdt-1h')).last).toBe(utc('2022-10-11 10:00'));
  });

  it('Deribit hourly funding: one gap, 2020-08-27 05:00 -> 08:00 (2 missing hours)', async () => {
    expect((await load('deribit-btc-perpetual-funding-1h')).gaps).toEqual([{ from: utc('2020-08-27 05:00'), to: utc('2020-08-27 08:00'), missingBars: 2 }]);
  });

  it('DVOL: daily, 2025-11-11 missing', async () => {
    expect((await load('deribit-btc-dvol-1d')).gaps).toEqual([{ from: utc('2025-11-10'), to: utc('2025-11-12'), missingBars: 1 }]);
  });

  it('Binance BTCUSDT funding: every 8 h from 2022-11-03 08:00, a few ms of jitter kept, no gaps within 1 s', async () => {
    const d = await load('binance-perp-btc-usdt-funding-8h');
    expect(d.toleranceMs).toBe(1000);
    expect(d.gaps).toEqual([]);
    const jitter = Array.from(d.series.timestamp, (t) => t - Math.round(t / (8 * H)) * 8 * H);
    expect(Math.max(...jitter.map(Math.abs))).toBeGreaterThan(0);
    expect(Math.max(...jitter.map(Math.abs))).toBeLessThan(100);
    expect(d.series.timestamp[0]).toBe(utc('2022-11-03 08:00') + 16);
  });

  it('BitMEX XBTUSD funding: 04:00, 12:00, 20:00 UTC; the only gaps are the first, daily rows', async () => {
    const d = await load('bitmex-xbtusd-funding-8h');
    expect(new Set(Array.from(d.series.timestamp, (t) => (t % DAY) / H))).toEqual(new Set([4, 12, 20]));
    expect(d.gaps).toHaveLength(21);
    expect(d.gaps.every((g) => g.to - g.from === DAY && g.missingBars === 2)).toBe(true);
    expect(d.gaps.at(-1)?.to).toBe(utc('2016-06-04 12:00'));
  });
});

describe('sanity checks (README: lowest values on each crash day, UTC)', () => {
  // [day, dataset, min close, min low]; undefined = not stated. The README rounds to 6 significant digits.
  const table: [string, string, number | undefined, number | undefined][] = [
    ['2020-03-12', 'binance-spot-btc-usdt-1h', 4800, 4410],
    ['2020-03-12', 'binance-perp-btc-usdt-1h', 4764.65, 4347],
    ['2020-03-12', 'binance-perp-eth-usdt-1h', 106.71, 95],
    ['2020-03-12', 'btc-usd-1d', undefined, 4644],
    ['2021-05-19', 'binance-spot-btc-usdt-1h', 35234.6, 30000],
    ['2021-05-19', 'binance-perp-btc-usdt-1h', 35060.4, 28688],
    ['2021-05-19', 'binance-perp-eth-usdt-1h', 2333.82, 1400.73],
    ['2021-05-19', 'binance-perp-sol-usdt-1h', 31.506, undefined],
    ['2021-05-19', 'btc-usd-1d', undefined, 30000],
    ['2022-05-12', 'binance-spot-btc-usdt-1h', 27114.8, 26700],
    ['2022-05-12', 'binance-perp-btc-usdt-1h', 27079, 26631],
    ['2022-05-12', 'binance-perp-eth-usdt-1h', 1832.98, 1775.43],
    ['2022-05-12', 'binance-perp-sol-usdt-1h', 40.53, undefined],
    ['2022-05-12', 'btc-usd-1d', undefined, 25338.5],
    ['2022-06-18', 'binance-spot-btc-usdt-1h', 17809, 17622],
    ['2022-06-18', 'binance-perp-btc-usdt-1h', 17798, 17593.2],
    ['2022-06-18', 'binance-perp-eth-usdt-1h', 903.26, 878.04],
    ['2022-06-18', 'binance-perp-sol-usdt-1h', 27.77, undefined],
    ['2022-06-18', 'btc-usd-1d', undefined, 17567.5],
    ['2022-11-09', 'binance-perp-btc-usdt-1h', 15701.8, 15462.6],
    ['2022-11-09', 'binance-perp-eth-usdt-1h', 1101.49, 1071.14],
    ['2022-11-09', 'binance-perp-sol-usdt-1h', 9.992, undefined],
    ['2022-11-09', 'btc-usd-1d', undefined, 15512],
  ];

  it.each(table)('%s %s: min close %s, min low %s', async (day, id, close, low) => {
    const s = await ohlcv(id);
    const rows = rowsIn(s.timestamp, utc(day), utc(day) + DAY);
    expect(rows.length).toBe((s.timestamp[1] as number) - (s.timestamp[0] as number) === DAY ? 1 : 24);
    const sig6 = (x: number): number => Number(x.toPrecision(6));
    if (close !== undefined) expect(sig6(minOver(s.close, rows))).toBe(close);
    if (low !== undefined) expect(sig6(minOver(s.low, rows))).toBe(low);
  });

  it('the COVID low came on 2020-03-13: BTC spot 1h closed at 4130.64 at 01:00', async () => {
    const s = await ohlcv('binance-spot-btc-usdt-1h');
    expect(valueAt(s.timestamp, s.close, utc('2020-03-13 01:00'))).toBe(4130.64);
  });

  it('the ETH perp 2021-05-19 low of 1400.73 is well below the spot low of 1888', async () => {
    const spot = await ohlcv('binance-spot-eth-usdt-1h');
    expect(minOver(spot.low, rowsIn(spot.timestamp, utc('2021-05-19'), utc('2021-05-20')))).toBe(1888);
  });

  it('funding: BitMEX -0.001691 at 2020-03-12 20:00 and -0.00375 in all three 2020-03-13 periods; Binance -0.00119172 at 2022-11-10 00:00', async () => {
    const bitmex = (await load('bitmex-xbtusd-funding-8h')).series;
    const binance = (await load('binance-perp-btc-usdt-funding-8h')).series;
    if (bitmex.kind !== 'funding' || binance.kind !== 'funding') throw new Error('funding kinds expected');
    expect(valueAt(bitmex.timestamp, bitmex.funding_rate, utc('2020-03-12 20:00'))).toBe(-0.001691);
    for (const h of ['04:00', '12:00', '20:00']) expect(valueAt(bitmex.timestamp, bitmex.funding_rate, utc(`2020-03-13 ${h}`))).toBe(-0.00375);
    expect(valueAt(binance.timestamp, binance.funding_rate, utc('2022-11-10 00:00'), 1000)).toBe(-0.00119172);
  });

  it('DVOL peaked at 114.72 on 2022-11-09', async () => {
    const s = (await load('deribit-btc-dvol-1d')).series;
    if (s.kind !== 'dvol') throw new Error('dvol expected');
    const max = Math.max(...s.dvol);
    expect(max).toBe(114.72);
    expect(s.timestamp[s.dvol.indexOf(max)]).toBe(utc('2022-11-09'));
  });

  it("Deribit's index at H matches the Binance 1h bar that closes at H (timestamps are bar opens)", async () => {
    const deribit = (await load('deribit-btc-perpetual-funding-1h')).series;
    if (deribit.kind !== 'deribit-funding') throw new Error('deribit-funding expected');
    const perp = await ohlcv('binance-perp-btc-usdt-1h');
    const closeAt = new Map(Array.from(perp.timestamp, (t, i) => [t, perp.close[i] as number]));
    const medianDiff = (shift: number): number => {
      const d = Array.from(deribit.timestamp, (t, i) => [closeAt.get(t + shift), deribit.index_price[i] as number] as const)
        .filter((p): p is readonly [number, number] => p[0] !== undefined)
        .map(([c, x]) => Math.abs(x / c - 1))
        .sort((a, b) => a - b);
      expect(d.length).toBeGreaterThan(10_000);
      return d[Math.floor(d.length / 2)] as number;
    };
    const closesAtH = medianDiff(-H);
    expect(closesAtH).toBeLessThan(0.002);
    expect(closesAtH * 3).toBeLessThan(medianDiff(0));
  });
});

describe('joint returns on the bundled files', () => {
  const input = async (id: string) => ({ id, timestamp: (await ohlcv(id)).timestamp, close: (await ohlcv(id)).close });

  it('BTC and ETH perp 1h: one return per hour, nothing skipped', async () => {
    const r = jointReturns([await input('binance-perp-btc-usdt-1h'), await input('binance-perp-eth-usdt-1h')], { method: 'log', intervalMs: H });
    expect(r.commonBars).toBe(39085);
    expect(r.timestamps.length).toBe(39084);
    expect(r.skippedAcrossGaps).toBe(0);
  });

  it('BTC and ETH spot 1h: the 27 shared gaps are skipped, never stretched', async () => {
    const r = jointReturns([await input('binance-spot-btc-usdt-1h'), await input('binance-spot-eth-usdt-1h')], { method: 'simple', intervalMs: H });
    expect(r.commonBars).toBe(45024);
    expect(r.skippedAcrossGaps).toBe(27);
    expect(r.timestamps.length).toBe(45024 - 1 - 27);
    expect(r.timestamps.includes(utc('2018-02-09 10:00'))).toBe(false);
  });

  it('BTC spot and perp hourly log returns move together (correlation > 0.95)', async () => {
    const r = jointReturns([await input('binance-spot-btc-usdt-1h'), await input('binance-perp-btc-usdt-1h')], { method: 'log', intervalMs: H });
    const [a, b] = r.returns as [Float64Array, Float64Array];
    const mean = (x: Float64Array): number => x.reduce((s, v) => s + v, 0) / x.length;
    const [ma, mb] = [mean(a), mean(b)];
    let [sab, saa, sbb] = [0, 0, 0];
    a.forEach((x, i) => {
      const y = b[i] as number;
      sab += (x - ma) * (y - mb);
      saa += (x - ma) ** 2;
      sbb += (y - mb) ** 2;
    });
    expect(r.timestamps.length).toBeGreaterThan(24_000);
    expect(sab / Math.sqrt(saa * sbb)).toBeGreaterThan(0.95);
  });
});

describe('loadDataset errors', () => {
  it('an unknown id is invalid input listing the known ids', async () => {
    await expect(loadDataset('binance-perp-doge-usdt-1h')).rejects.toBeInstanceOf(UnknownDatasetError);
  });

  it('a checksum mismatch is a damaged copy', () => {
    expect(() => verifyChecksum(Buffer.from('x'), '0'.repeat(64), 'data/market/x.csv')).toThrow(/sha256 [0-9a-f]{64} differs from the catalog's 0{64}/);
    expect(() => verifyChecksum(Buffer.from(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'e')).not.toThrow();
  });
});

describe('loadCsv: your own files', () => {
  let dir = '';
  const file = async (name: string, content: string | Uint8Array): Promise<string> => {
    const p = join(dir, name);
    await writeFile(p, content);
    return p;
  };
  const caught = async (p: Promise<unknown>): Promise<unknown> => {
    try {
      await p;
    } catch (e) {
      return e;
    }
    throw new Error('expected a rejection');
  };
  const BARS = `timestamp,open,high,low,close,volume\n${utc('2024-01-01')},1,2,0.5,1.5,10\n${utc('2024-01-01 01:00')},1.5,2,1,1.2,5\n${utc('2024-01-01 04:00')},1.2,1.3,1.1,1.25,5\n`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ballast-market-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads plain and gzip files (gzip by its magic bytes, whatever the name)', async () => {
    for (const [name, content] of [
      ['plain.csv', BARS],
      ['zipped.csv.gz', gzipSync(BARS)],
      ['zipped-but-named.csv', gzipSync(BARS)],
    ] as const) {
      const d = await loadCsv(await file(name, content), 'ohlcv', H);
      expect([...d.series.close]).toEqual([1.5, 1.2, 1.25]);
      expect(d.gaps).toEqual([{ from: utc('2024-01-01 01:00'), to: utc('2024-01-01 04:00'), missingBars: 2 }]);
      expect(d.intervalInferred).toBe(false);
    }
  });

  it('takes the kind from the header and infers the interval when not given', async () => {
    const d = await loadCsv(await file('auto.csv', BARS));
    expect(d.series.kind).toBe('ohlcv');
    expect(d).toMatchObject({ intervalMs: H, intervalInferred: true });
    const unknown = await caught(loadCsv(await file('weird.csv', 'time,price\n1,2\n')));
    expect(unknown).toBeInstanceOf(MarketDataError);
    expect((unknown as Error).message).toContain('not the header of a known kind');
  });

  it('a copy of a bundled file loads to the same series', async () => {
    const bytes = await readFile(join(MARKET_DIR, 'binance-perp-btc-usdt-1h-2020-2024.csv.gz'));
    const mine = await loadCsv(await file('btc.csv.gz', bytes), 'ohlcv', H);
    const bundled = await load('binance-perp-btc-usdt-1h');
    expect(mine.series).toEqual(bundled.series);
  });

  it('bad values are invalid input naming the file, line, column and value', async () => {
    const p = await file('bad.csv', BARS.replace(',1.2,5\n', ',-1.2,5\n'));
    const e = await caught(loadCsv(p, 'ohlcv', H));
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as Error).message).toContain(`${p}: 1 invalid value\n  - line 3, column 5 (close): must be > 0 (got "-1.2")`);
  });

  it('I/O problems are MarketFileErrors with the reason', async () => {
    const reason = async (p: Promise<unknown>): Promise<string> => {
      const e = await caught(p);
      if (!(e instanceof MarketFileError)) throw e;
      return `${e.reason}: ${e.message}`;
    };
    expect(await reason(loadCsv(join(dir, 'nope.csv'), 'ohlcv'))).toMatch(/^not-found: .*no such file$/);
    expect(await reason(loadCsv(dir, 'ohlcv'))).toMatch(/^unreadable: .*is a directory$/);
    expect(await reason(loadCsv(await file('fake.csv.gz', BARS), 'ohlcv'))).toMatch(/named \.gz but not gzip data$/);
    const truncated = gzipSync(BARS).subarray(0, 20);
    expect(await reason(loadCsv(await file('cut.csv.gz', truncated), 'ohlcv'))).toMatch(/bad gzip data/);
    expect(await reason(loadCsv(await file('latin1.csv', Buffer.from([0x74, 0xe9, 0x0a])), 'ohlcv'))).toMatch(/not UTF-8 text$/);
  });

  it('decodeMarketBytes decodes both forms to the same text', () => {
    expect(decodeMarketBytes(gzipSync(BARS), 'x.gz')).toBe(BARS);
    expect(decodeMarketBytes(Buffer.from(BARS), 'x.csv')).toBe(BARS);
  });
});
