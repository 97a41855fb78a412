import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundledInputs, HISTORICAL_FILE, renderHistorical } from '../../tools/gen-scenarios.ts';
import { deriveHistorical, deriveScenario, HOUR_MS, windowFunding, worstWindow, type HistoricalInputs, type HistoricalScenario, type HourlyBars } from './historical.ts';
import { historicalScenarios, parseHistorical, ScenarioFileError } from './library.ts';

const utc = (s: string): number => Date.parse(`${s.replace(' ', 'T')}:00Z`);

let inputs: HistoricalInputs;
let derived: HistoricalScenario[];
beforeAll(async () => {
  inputs = await bundledInputs();
  derived = deriveHistorical(inputs);
});

const named = (name: string): HistoricalScenario => {
  const s = historicalScenarios().find((x) => x.name === name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return s;
};

describe('data/scenarios/historical.json', () => {
  it('is exactly what tools/gen-scenarios.ts derives from the bundled data (no drift, no hand edits)', () => {
    expect(readFileSync(HISTORICAL_FILE, 'utf8')).toBe(renderHistorical(derived));
  });

  it('names every event and window, with the date', () => {
    expect(historicalScenarios().map((s) => s.name)).toEqual([
      '2020-03-12 1h',
      '2020-03-12 24h',
      '2020-03-12 7d',
      '2021-05-19 1h',
      '2021-05-19 24h',
      '2021-05-19 7d',
      '2022-05 LUNA 1h',
      '2022-05 LUNA 24h',
      '2022-05 LUNA 7d',
      '2022-06 3AC 1h',
      '2022-06 3AC 24h',
      '2022-06 3AC 7d',
      '2022-11 FTX 1h',
      '2022-11 FTX 24h',
      '2022-11 FTX 7d',
    ]);
  });

  it('every multiplier is its low over its start close, and the horizon spans the window', () => {
    for (const s of historicalScenarios()) {
      for (const [asset, m] of Object.entries(s.prices)) {
        const p = s.provenance.prices[asset]!;
        expect(m).toBe(p.low / p.startClose);
        expect(Date.parse(p.lowAt)).toBeGreaterThanOrEqual(Date.parse(s.start));
        expect(Date.parse(p.lowAt)).toBeLessThan(Date.parse(s.end));
      }
      expect((Date.parse(s.end) - Date.parse(s.start)) / HOUR_MS).toBe(s.horizonHours);
      expect(s.horizonHours).toBeLessThanOrEqual({ '1h': 1, '24h': 24, '7d': 168 }[s.window]!);
      // a crash: BTC falls, and every asset whose move is unknown falls with the altcoins
      expect(s.prices.BTC!).toBeLessThan(1);
      expect(s.others!).toBeLessThan(1);
    }
  });
});

/** data/market/README.md sanity table (perp columns): lowest 1h close and low of BTC and ETH perps on each crash day. */
const README_DAYS = [
  { day: '2020-03-12', btc: [4764.65, 4347], eth: [106.71, 95] },
  { day: '2021-05-19', btc: [35060.4, 28688], eth: [2333.82, 1400.73] },
  { day: '2022-05-12', btc: [27079, 26631], eth: [1832.98, 1775.43] },
  { day: '2022-06-18', btc: [17798, 17593.2], eth: [903.26, 878.04] },
  { day: '2022-11-09', btc: [15701.8, 15462.6], eth: [1101.49, 1071.14] },
] as const;

const dayExtremes = (bars: HourlyBars, day: string): [number, number] => {
  const t0 = utc(`${day} 00:00`);
  let close = Infinity;
  let low = Infinity;
  for (let i = 0; i < bars.timestamp.length; i++) {
    const t = bars.timestamp[i]!;
    if (t < t0 || t >= t0 + 24 * HOUR_MS) continue;
    close = Math.min(close, bars.close[i]!);
    low = Math.min(low, bars.low[i]!);
  }
  return [close, low];
};

describe('historical scenarios against the README sanity values', () => {
  it.each(README_DAYS)('$day: the perp series they come from have the README lows', ({ day, btc, eth }) => {
    const [btcClose, btcLow] = dayExtremes(inputs.lead.bars, day);
    expect(btcClose).toBeCloseTo(btc[0], 1); // the README rounds 35060.39 to 35060.4
    expect(btcLow).toBe(btc[1]);
    const ethBars = inputs.alts.find((a) => a.asset === 'ETH')!.bars;
    expect(dayExtremes(ethBars, day)).toEqual(eth);
  });

  it.each([
    { name: '2020-03-12 1h', btcLow: 5199.17, startClose: 7357.61, lowAt: '2020-03-12 10:00' },
    // the COVID bottom came early on 2020-03-13 (README), below the 2020-03-12 low of 4347
    { name: '2020-03-12 24h', btcLow: 3621.81, startClose: 7667.32, lowAt: '2020-03-13 02:00' },
    { name: '2021-05-19 1h', btcLow: 28688, ethLow: 1400.73, lowAt: '2021-05-19 13:00' },
    { name: '2021-05-19 24h', btcLow: 28688, ethLow: 1400.73, lowAt: '2021-05-19 13:00' },
    { name: '2022-05 LUNA 24h', btcLow: 26631, ethLow: 1775.43, lowAt: '2022-05-12 07:00' },
    { name: '2022-06 3AC 24h', btcLow: 17593.2, ethLow: 878.04, lowAt: '2022-06-18 20:00' },
    { name: '2022-11 FTX 7d', btcLow: 15462.6, lowAt: '2022-11-09 22:00' },
  ])('$name: BTC low $btcLow at $lowAt', ({ name, btcLow, startClose, ethLow, lowAt }) => {
    const s = named(name);
    expect(s.provenance.prices.BTC!.low).toBe(btcLow);
    expect(s.lowAt).toBe(new Date(utc(lowAt)).toISOString());
    if (startClose !== undefined) expect(s.provenance.prices.BTC!.startClose).toBe(startClose);
    if (ethLow !== undefined) expect(s.provenance.prices.ETH!.low).toBe(ethLow);
  });

  it('2020-03-12 windows: no SOL or XRP perp yet, so `others` is the ETH/BNB geometric mean', () => {
    for (const w of ['1h', '24h', '7d']) {
      const s = named(`2020-03-12 ${w}`);
      expect(Object.keys(s.prices)).toEqual(['BTC', 'ETH', 'BNB']);
      expect(s.others!).toBeCloseTo(Math.sqrt(s.prices.ETH! * s.prices.BNB!), 15);
    }
  });

  it('2020-03-12 24h pays the BitMEX funding of the time (README: -0.001691 at 03-12 20:00, -0.00375 at 03-13 04:00)', () => {
    const s = named('2020-03-12 24h');
    const [applied, ...others] = s.provenance.funding;
    expect(applied!.dataset).toBe('bitmex-xbtusd-funding-8h');
    expect(others.map((f) => f.dataset)).toEqual(['deribit-btc-perpetual-funding-1h']);
    // window 03-12 04:00 -> 03-13 03:00: the 12:00 period (+0.0001 in the file), the 20:00 one, 7 h of the 04:00 one
    expect(applied!.cumulative).toBeCloseTo(0.0001 - 0.001691 - 0.00375 * (7 / 8), 15);
    expect(s.fundingPer8h).toBe(applied!.ratePer8h);
    expect(s.fundingPer8h! * (s.horizonHours / 8)).toBeCloseTo(applied!.cumulative, 15);
  });

  it('Binance funding from the data: -0.00119172 paid at 2022-11-10 00:00 (README)', () => {
    const binance = inputs.funding.find((f) => f.dataset === 'binance-perp-btc-usdt-funding-8h')!;
    expect(windowFunding(binance, utc('2022-11-09 16:00'), utc('2022-11-10 00:00'))!.ratePer8h).toBeCloseTo(-0.00119172, 15);
    expect(named('2022-11 FTX 7d').provenance.funding.map((f) => f.dataset)).toEqual(['binance-perp-btc-usdt-funding-8h']);
  });

  it('no funding data for 2021-05 to 2022-06 (BitMEX ends 2020-11, Deribit 2021-02, Binance starts 2022-11)', () => {
    for (const e of ['2021-05-19', '2022-05 LUNA', '2022-06 3AC']) {
      for (const w of ['1h', '24h', '7d']) {
        const s = named(`${e} ${w}`);
        expect(s.fundingPer8h).toBeUndefined();
        expect(s.provenance.funding).toEqual([]);
      }
    }
  });

  it('vol: DVOL only for 2022-11 (README: peak 114.72 on 2022-11-09), none before', () => {
    expect(named('2022-11 FTX 7d').vol).toEqual({ absolute: { BTC: 114.72 / 100 } });
    expect(named('2022-11 FTX 7d').provenance.vol!.days).toEqual(['2022-11-06', '2022-11-07', '2022-11-08', '2022-11-09']);
    expect(named('2022-11 FTX 24h').vol).toEqual({ absolute: { BTC: 76.66 / 100 } });
    for (const s of historicalScenarios().filter((x) => !x.name.startsWith('2022-11'))) {
      expect(s.vol).toBeUndefined();
      expect(s.provenance.vol).toBeNull();
    }
  });
});

describe('derivation rules on synthetic bars', () => {
  const H = HOUR_MS;
  const t0 = utc('2024-01-01 00:00');
  const bars = (closes: number[], lows: number[], gapAfter?: number): HourlyBars => ({
    timestamp: closes.map((_, i) => t0 + (i + (gapAfter !== undefined && i > gapAfter ? 5 : 0)) * H),
    close: closes,
    low: lows,
  });

  it('worst close-to-low: the lowest low over the highest close before it within the window; ties go to the earliest', () => {
    const b = bars([100, 110, 105, 90, 100, 95], [99, 104, 100, 88, 99, 88]);
    expect(worstWindow(b, t0, t0 + 10 * H, 1)).toEqual({ s: 3, L: 3, move: 88 / 105 - 1 });
    expect(worstWindow(b, t0, t0 + 10 * H, 3)).toEqual({ s: 2, L: 3, move: 88 / 110 - 1 });
    // only low bars inside the search range count
    expect(worstWindow(b, t0 + 4 * H, t0 + 10 * H, 3)).toEqual({ s: 3, L: 5, move: 88 / 105 - 1 });
    const tie = bars([100, 100, 100], [99, 90, 90]);
    expect(worstWindow(tie, t0, t0 + 10 * H, 2)).toEqual({ s: 1, L: 1, move: 90 / 100 - 1 });
  });

  it('a window never spans a gap', () => {
    const b = bars([100, 120, 100, 100], [99, 119, 60, 99], 1); // 5 missing hours after bar 1
    // the 60 low (bar 2) is only reachable from the close of bar 1, across the gap: not a window
    expect(worstWindow(b, t0, t0 + 20 * H, 24)).toEqual({ s: 3, L: 3, move: 99 / 100 - 1 });
  });

  it('funding: overlap-weighted rate per 8 h; a window not fully covered has none', () => {
    const src = { dataset: 'f', periodMs: 8 * H, timestamp: [t0 + 8 * H, t0 + 16 * H], ratePer8h: [0.001, -0.003] };
    // 6 h of the first period and 2 h of the second
    const f = windowFunding(src, t0 + 2 * H, t0 + 10 * H)!;
    expect(f.cumulative).toBeCloseTo(0.001 * (6 / 8) - 0.003 * (2 / 8), 15);
    expect(f.ratePer8h).toBeCloseTo(f.cumulative, 15);
    expect(windowFunding(src, t0 + 10 * H, t0 + 20 * H)).toBeNull();
  });

  it('others: the geometric mean of the altcoin moves, BTC when no altcoin is listed', () => {
    const lead = { asset: 'BTC', dataset: 'btc', bars: bars([100, 100, 80], [99, 90, 50]) };
    const alt = (asset: string, lows: number[]) => ({ asset, dataset: asset, bars: bars([10, 10, 10], lows) });
    const event = { label: 'test', day: '2024-01-01' };
    const window = { label: '1h', bars: 1 };
    const s = deriveScenario({ lead, alts: [alt('ETH', [9, 8, 4]), alt('SOL', [9, 9, 9])], funding: [] }, event, window)!;
    expect(s.name).toBe('test 1h');
    expect(s.prices).toEqual({ BTC: 0.5, ETH: 0.4, SOL: 0.9 });
    expect(s.others).toBeCloseTo(Math.sqrt(0.4 * 0.9), 15);
    expect(deriveScenario({ lead, alts: [], funding: [] }, event, window)!.others).toBe(0.5);
  });
});

describe('the bundled library', () => {
  it('rejects a broken file with every bad field', () => {
    const good = JSON.parse(readFileSync(HISTORICAL_FILE, 'utf8')) as { scenarios: Record<string, unknown>[] };
    const bad = { ...good, scenarios: [{ ...good.scenarios[0]!, prices: { BTC: -1 } }, good.scenarios[1]!, good.scenarios[1]!] };
    expect(() => parseHistorical(bad)).toThrow(ScenarioFileError);
    try {
      parseHistorical(bad);
    } catch (e) {
      expect((e as ScenarioFileError).message).toContain('scenarios[0].prices.BTC');
    }
    const dup = { ...good, scenarios: [good.scenarios[1]!, good.scenarios[1]!] };
    expect(() => parseHistorical(dup)).toThrow(/duplicate name/);
  });
});
