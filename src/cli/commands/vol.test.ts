import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import btcFixture from '../../../test/fixtures/garch-btc.json' with { type: 'json' };
import simFixture from '../../../test/fixtures/garch-simulated.json' with { type: 'json' };
import { runCli } from '../../testing/cli.ts';
import type { DvolDocument, EwmaDocument, GarchDocument, RealisedDocument, VolDocument } from './vol.ts';

const run = runCli;
const json = async <T extends VolDocument>(argv: string[]): Promise<T> => {
  const { code, out, err } = await run([...argv, '--json']);
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out) as T;
};
const failure = async (argv: string[], ...patterns: RegExp[]): Promise<void> => {
  const { code, out, err } = await run(argv);
  expect(out).toBe('');
  expect(code).toBe(2);
  for (const p of patterns) expect(err).toMatch(p);
};

const dir = mkdtempSync(join(tmpdir(), 'ballast-vol-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

/** Reference note §3b fixed series. */
const R3B = [
  0.012, -0.034, 0.021, 0.005, -0.051, 0.017, -0.008, 0.029, -0.022, 0.014, -0.063, 0.038, 0.009, -0.015, 0.026, -0.041, 0.033, 0.004, -0.019, 0.022,
];
const r3bCsv = (): string => file('r3b.csv', `date,ret\n${R3B.map((r, i) => `2024-01-${String(i + 1).padStart(2, '0')},${r}`).join('\n')}\n`);

describe('ballast vol on bundled assets', () => {
  const daily = btcFixture.datasets[0]!;

  it('BTC --model garch: the 1d spot dataset, fGarch estimates, forecasts and the documented fields', async () => {
    const d = await json<GarchDocument>(['vol', 'BTC', '--model', 'garch', '--horizon', '5']);
    expect(Object.keys(d).slice(0, 18)).toEqual([
      'model',
      'asset',
      'dataset',
      'file',
      'column',
      'input',
      'interval',
      'periodsPerYear',
      'observations',
      'first',
      'last',
      'skippedAcrossGaps',
      'variance',
      'annualisedVol',
      'horizon',
      'forecast',
      'horizonVariance',
      'warnings',
    ]);
    expect(d).toMatchObject({ model: 'garch', asset: 'BTC', dataset: 'binance-spot-btc-usdt-1d', interval: '1d', periodsPerYear: 365, input: 'closes' });
    expect(d.observations).toBe(daily.observations);
    expect(d.first).toBe('2017-08-17T00:00:00.000Z');
    expect(d.last).toBe('2022-10-10T00:00:00.000Z');
    for (const k of ['mu', 'omega', 'alpha', 'beta'] as const) expect(rel(d[k], daily.fit[k]), k).toBeLessThan(1e-4);
    expect(d.logLikelihood).toBeCloseTo(daily.fit.logLikelihood, 6);
    expect(d.persistence).toBe(d.alpha + d.beta);
    expect(d.unconditionalVariance).toBeCloseTo(d.omega / (1 - d.persistence), 15);
    expect(d.unconditionalVol).toBeCloseTo(Math.sqrt((d.unconditionalVariance! * 365)), 14);
    expect(d.init).toBe('fgarch');
    expect(d.atBound).toBe(false);
    expect(d.warnings).toEqual([]);
    expect(d.standardErrors).not.toBeNull();
    expect(d.forecast).toHaveLength(5);
    d.forecast.forEach((f, k) => {
      expect(f.step).toBe(k + 1);
      expect(rel(Math.sqrt(f.variance), daily.fit.predictSd[k]!)).toBeLessThan(1e-5);
      expect(f.annualisedVol).toBeCloseTo(Math.sqrt(f.variance * 365), 15);
    });
    expect(d.variance).toBe(d.forecast[0]!.variance);
    expect(d.annualisedVol).toBe(d.forecast[0]!.annualisedVol);
    expect(d.horizonVariance).toBeCloseTo(d.forecast.reduce((s, f) => s + f.variance, 0), 15);
    expect(d.lastVariance).toBeGreaterThan(0);
  });

  it('BTC --model ewma: RiskMetrics 0.94 on the daily log returns (as computed in R)', async () => {
    const d = await json<EwmaDocument>(['vol', 'BTC', '--model', 'ewma']);
    expect(d.lambda).toBe(0.94);
    expect(rel(d.variance, daily.ewma094)).toBeLessThan(1e-12);
    const d2 = await json<EwmaDocument>(['vol', 'btc', '--model', 'ewma', '--lambda', '0.97']);
    expect(d2.lambda).toBe(0.97);
    expect(d2.variance).not.toBe(d.variance);
  });

  it('BTC (realised by default): last 30 daily returns, full-sample vol as R var()', async () => {
    const d = await json<RealisedDocument>(['vol', 'BTC']);
    expect(d.model).toBe('realised');
    expect(d.window).toBe(30);
    expect(d.observations).toBe(30);
    expect(d.first).toBe('2022-09-10T00:00:00.000Z'); // the bar whose close starts the first of the 30 returns
    expect(rel(d.fullSampleAnnualisedVol, Math.sqrt(daily.closeToCloseVariance * 365))).toBeLessThan(1e-12);
    expect(d.forecast.every((f) => f.variance === d.variance)).toBe(true);
  });

  it('BTC --interval 1h: the perp hourly dataset, 8760 periods a year, 30 days = 720 bars; Parkinson ~ Garman-Klass', async () => {
    const pk = await json<RealisedDocument>(['vol', 'BTC', '--interval', '1h', '--model', 'parkinson']);
    const gk = await json<RealisedDocument>(['vol', 'BTC', '--interval', '1h', '--model', 'garman-klass', '--window', '720']);
    for (const d of [pk, gk]) {
      expect(d).toMatchObject({ dataset: 'binance-perp-btc-usdt-1h', interval: '1h', periodsPerYear: 8760, window: 720, input: 'ohlc' });
      expect(d.last).toBe('2024-06-16T12:00:00.000Z');
      expect(d.annualisedVol).toBeGreaterThan(0.1);
      expect(d.annualisedVol).toBeLessThan(2);
    }
    expect(rel(pk.annualisedVol, gk.annualisedVol)).toBeLessThan(0.3);
  });

  it('BTC --model dvol: sigma = DVOL/100 on the given UTC day, or the last row', async () => {
    const d = await json<DvolDocument>(['vol', 'BTC', '--model', 'dvol', '--date', '2022-11-09', '--horizon', '2']);
    expect(d).toMatchObject({ dataset: 'deribit-btc-dvol-1d', date: '2022-11-09', dvol: 114.72, annualisedVol: 1.1472, interval: '1d', periodsPerYear: 365 });
    expect(d.variance).toBeCloseTo(1.1472 ** 2 / 365, 15);
    expect(d.forecast.map((f) => f.annualisedVol)).toEqual([1.1472, 1.1472]);
    const hourly = await json<DvolDocument>(['vol', 'BTC', '--model', 'dvol', '--interval', '1h']);
    expect(hourly.date).toBe('2025-11-12');
    expect(hourly.variance).toBeCloseTo(hourly.annualisedVol ** 2 / 8760, 15);
  });

  it('prints a table by default', async () => {
    const { code, out } = await run(['vol', 'BTC', '--model', 'garch', '--horizon', '10']);
    expect(code).toBe(0);
    for (const s of ['binance-spot-btc-usdt-1d', 'alpha', 'persistence', 'unconditional vol', 'vol over 10 periods']) expect(out).toContain(s);
  });
});

describe('ballast vol --csv', () => {
  it('§3b returns: realised (ddof 1, ann 365) 0.558560214442 and EWMA 0.000607527924239', async () => {
    const f = r3bCsv();
    const r = await json<RealisedDocument>(['vol', '--csv', f, '--column', 'ret', '--returns', '--window', '20']);
    expect(r).toMatchObject({ file: f, column: 'ret', input: 'returns', interval: '1d', periodsPerYear: 365, observations: 20, first: null, dataset: null });
    expect(r.annualisedVol).toBeCloseTo(0.558560214442, 11);
    const e = await json<EwmaDocument>(['vol', '--csv', f, '--returns', '--model', 'ewma']);
    expect(rel(e.variance, 0.000607527924239)).toBeLessThan(1e-12);
    expect(e.column).toBe('ret');
  });

  it('GARCH on a committed simulated series agrees with fGarch (--periods-per-year 252, no interval)', async () => {
    const c = simFixture.cases[0]!;
    const f = file('sim.csv', `r\n${c.series.join('\n')}\n`);
    const d = await json<GarchDocument>(['vol', '--csv', f, '--returns', '--model', 'garch', '--periods-per-year', '252', '--horizon', '5']);
    expect(d.interval).toBeNull();
    expect(d.periodsPerYear).toBe(252);
    for (const k of ['omega', 'alpha', 'beta'] as const) expect(rel(d[k], c.fit[k]), k).toBeLessThan(1e-4);
    d.forecast.forEach((s, k) => expect(rel(Math.sqrt(s.variance), c.fit.predictSd[k]!)).toBeLessThan(1e-5));
    expect(d.unconditionalVol).toBeCloseTo(Math.sqrt((d.omega / (1 - d.alpha - d.beta)) * 252), 14);
    const sv = await json<GarchDocument>(['vol', '--csv', f, '--returns', '--model', 'garch', '--init', 'sample-variance']);
    expect(sv.init).toBe('sample-variance');
    expect(sv.logLikelihood).not.toBe(d.logLikelihood);
  });

  it('a price column becomes log returns; an OHLCV file feeds Parkinson with its inferred interval', async () => {
    const prices = file('px.csv', 'date,close\n2024-01-01,100\n2024-01-02,110\n2024-01-03,99\n2024-01-04,104\n');
    const d = await json<RealisedDocument>(['vol', '--csv', prices, '--window', '3']);
    const r = [Math.log(1.1), Math.log(99 / 110), Math.log(104 / 99)];
    const m = (r[0]! + r[1]! + r[2]!) / 3;
    expect(d.input).toBe('closes');
    expect(d.variance).toBeCloseTo(r.reduce((s, x) => s + (x - m) ** 2, 0) / 2, 16);
    const t0 = Date.UTC(2024, 0, 1);
    const bars = [0, 1, 2].map((i) => `${t0 + i * 3_600_000},100,${105 + i},${95 - i},${101 + i},10`).join('\n');
    const ohlc = file('bars.csv', `timestamp,open,high,low,close,volume\n${bars}\n`);
    const pk = await json<RealisedDocument>(['vol', '--csv', ohlc, '--model', 'parkinson']);
    expect(pk).toMatchObject({ interval: '1h', periodsPerYear: 8760, window: 3, first: new Date(t0).toISOString() });
    const terms = [0, 1, 2].map((i) => Math.log((105 + i) / (95 - i)) ** 2 / (4 * Math.LN2));
    expect(pk.variance).toBeCloseTo((terms[0]! + terms[1]! + terms[2]!) / 3, 16);
  });
});

describe('ballast vol: invalid input exits 2 naming the option and the value', () => {
  it('bad option values, all reported together', async () => {
    await failure(
      ['vol', 'BTC', '--model', 'foo', '--horizon', '0', '--interval', '5m'],
      /--model: must be one of realised, parkinson, garman-klass, ewma, garch, dvol \(got "foo"\)/,
      /--horizon: must be a whole number from 1 to 10000 \(got "0"\)/,
      /--interval: bundled assets come in 1h or 1d bars \(got "5m"\)/,
    );
    await failure(['vol', 'BTC', '--model', 'ewma', '--lambda', '1.5'], /--lambda: must be a number strictly between 0 and 1 \(RiskMetrics: 0.94\) \(got "1.5"\)/);
    await failure(['vol', 'BTC', '--model', 'garch', '--init', 'backcast'], /--init: must be 'fgarch'.*\(got "backcast"\)/);
    await failure(['vol', 'BTC', '--model', 'dvol', '--date', '2024-13-01'], /--date: must be a UTC calendar day YYYY-MM-DD \(got "2024-13-01"\)/);
    await failure(['vol', 'BTC', '--periods-per-year', '-1'], /--periods-per-year: must be a number > 0/);
  });
  it('options that do not apply to the model or input are refused, not ignored', async () => {
    await failure(['vol', 'BTC', '--model', 'garch', '--lambda', '0.9'], /--lambda: applies only to --model ewma \(got "0.9"\)/);
    await failure(['vol', 'BTC', '--window', '10', '--model', 'ewma'], /--window: applies only to --model realised, parkinson or garman-klass/);
    await failure(['vol', 'BTC', '--returns'], /--returns: applies only to --csv with --model realised, ewma or garch/);
    await failure(['vol', '--csv', r3bCsv(), '--model', 'parkinson', '--column', 'ret'], /--column: applies only to --csv/);
  });
  it('assets, datasets and sources', async () => {
    await failure(['vol', 'DOGE'], /asset: must be one of BTC, ETH, SOL, BNB, XRP or an OHLCV dataset id .* \(got "DOGE"\)/);
    await failure(['vol', 'ETH', '--model', 'dvol'], /asset: DVOL is bundled for BTC only \(deribit-btc-dvol-1d\) \(got "ETH"\)/);
    await failure(['vol', 'BTC', '--csv', r3bCsv()], /asset: give either an ASSET or --csv FILE, not both \(got "BTC"\)/);
    await failure(['vol'], /asset: give an ASSET \(BTC, ETH, SOL, BNB, XRP\) or --csv FILE \(got missing\)/);
    await failure(['vol', 'binance-spot-btc-usdt-1h', '--interval', '1d'], /--interval: dataset binance-spot-btc-usdt-1h has 1h bars \(got "1d"\)/);
    await failure(['vol', 'BTC', '--model', 'dvol', '--date', '2025-11-11'], /date: no DVOL row that day \(nearest earlier: 2025-11-10, later: 2025-11-12\)/);
    await failure(['vol', 'BTC', '--window', '5000'], /--window: is longer than the 1880 returns available \(got 5000\)/);
  });
  it('bad CSV content names the line; a missing file exits 1', async () => {
    const bad = file('bad.csv', 'date,close\n2024-01-01,100\n2024-01-02,0\n');
    await failure(['vol', '--csv', bad], /line 3, column "close": a price must be > 0 \(pass --returns if the column holds returns\) \(got 0\)/);
    const { code, err } = await run(['vol', '--csv', join(dir, 'nope.csv')]);
    expect(code).toBe(1);
    expect(err).toMatch(/no such file/);
  });
  it('a dataset id works as the asset', async () => {
    const d = await json<RealisedDocument>(['vol', 'binance-spot-eth-usdt-1d', '--window', '10']);
    expect(d).toMatchObject({ dataset: 'binance-spot-eth-usdt-1d', asset: 'ETH', window: 10 });
  });
});
