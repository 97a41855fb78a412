/**
 * Market history for a backtest, and the array feed over it. Loading (I/O) is the edge: `loadHistory` reads the
 * bundled datasets; `historyFeed` and everything after it are pure.
 *
 * - Bars: binance-perp-<asset>-usdt-1h (Binance USDT-M perp klines, 2020-2024), on the first asset's time grid;
 *   every other asset must have the same bars (a missing one is an error, never filled).
 * - Forecast vol: EWMA of hourly log returns (lambda 0.94 per day as 0.94^(1/24) per hour, var/history.ts),
 *   seeded on the 30 days before `from`, annualised with 365 x 24 hours; the value for bar k uses returns up to
 *   the close of bar k-1 (no look-ahead).
 * - Implied vol index: Deribit DVOL (BTC, from 2022-11-06) of the previous UTC day, decimal.
 * - Funding (BTC only; other assets: none): Binance BTCUSDT 8h rates where they cover the bar (2022-11 onward),
 *   else BitMEX XBTUSD 8h (to 2020-11, a proxy from another venue), else Deribit BTC-PERPETUAL hourly interest
 *   (2019-05 to 2021-02, also a proxy); outside all three (2020-11 to 2022-11 except Deribit's span): none. The
 *   sources used are listed in `sources`.
 */
import { ValidationError } from '../errors/index.ts';
import { loadDataset } from '../io/market-file.ts';
import { datasetIds } from '../market-data/catalog.ts';
import { HOURLY_EWMA_LAMBDA, HOURS_PER_YEAR, hourlyDatasetId } from '../var/history.ts';
import type { BarEvent, Feed } from './types.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const WARMUP_MS = 30 * DAY;

export interface MarketHistory {
  readonly assets: readonly string[];
  readonly intervalMs: number;
  readonly time: Float64Array;
  readonly open: readonly Float64Array[];
  readonly high: readonly Float64Array[];
  readonly low: readonly Float64Array[];
  readonly close: readonly Float64Array[];
  readonly volume: readonly Float64Array[];
  readonly funding: readonly Float64Array[];
  readonly fundingPer8h: readonly Float64Array[];
  readonly impliedVol: readonly Float64Array[];
  readonly forecastVol: readonly Float64Array[];
  readonly sources: Readonly<Record<string, string>>;
}

interface Ohlcv {
  timestamp: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

const cache = new Map<string, Promise<Ohlcv>>();

async function ohlcv(asset: string): Promise<Ohlcv> {
  const id = hourlyDatasetId(asset);
  let p = cache.get(id);
  if (!p) {
    p = (async () => {
      if (!datasetIds().includes(id)) throw new ValidationError('data', [{ path: 'portfolio', value: asset, message: `no bundled hourly history for ${asset} (needs dataset ${id})` }]);
      const d = await loadDataset(id);
      if (d.series.kind !== 'ohlcv') throw new Error(`${id} is not ohlcv`);
      return d.series;
    })();
    cache.set(id, p);
  }
  return p;
}

export async function loadHistory(assets: readonly string[], from: number, to: number): Promise<MarketHistory> {
  const sources: Record<string, string> = {};
  const series = await Promise.all(assets.map(ohlcv));
  const first = series[0]!;
  const lo = lowerBound(first.timestamp, from);
  const hi = lowerBound(first.timestamp, to);
  if (hi <= lo) {
    const span = `${iso(first.timestamp[0]!)} to ${iso(first.timestamp[first.timestamp.length - 1]!)}`;
    throw new ValidationError('data', [{ path: 'data', value: `${iso(from)} to ${iso(to)}`, message: `no ${assets[0]} bars in this range (data covers ${span})` }]);
  }
  const time = first.timestamp.slice(lo, hi);
  const n = time.length;
  const pick = (s: Ohlcv, asset: string): { start: number } => {
    const start = lowerBound(s.timestamp, time[0]!);
    for (let k = 0; k < n; k++) {
      if (s.timestamp[start + k] !== time[k]) throw new ValidationError('data', [{ path: 'data', value: iso(time[k]!), message: `${asset} has no bar at this time (bars are never filled)` }]);
    }
    return { start };
  };
  const cols = series.map((s, i) => {
    const { start } = pick(s, assets[i]!);
    const sl = (c: Float64Array): Float64Array => c.slice(start, start + n);
    sources[`bars.${assets[i]}`] = hourlyDatasetId(assets[i]!);
    return { open: sl(s.open), high: sl(s.high), low: sl(s.low), close: sl(s.close), volume: sl(s.volume), start, s };
  });
  const forecastVol = cols.map(({ start, s }, i) => {
    const out = new Float64Array(n).fill(NaN);
    const w0 = Math.max(1, lowerBound(s.timestamp, s.timestamp[start]! - WARMUP_MS));
    let v = NaN;
    for (let k = w0; k < start + n; k++) {
      if (k >= start) out[k - start] = Math.sqrt(v * HOURS_PER_YEAR);
      const r = Math.log(s.close[k]! / s.close[k - 1]!);
      v = Number.isNaN(v) ? r * r : HOURLY_EWMA_LAMBDA * v + (1 - HOURLY_EWMA_LAMBDA) * r * r;
    }
    sources[`forecastVol.${assets[i]}`] = `EWMA (lambda 0.94^(1/24) per hour) of ${hourlyDatasetId(assets[i]!)} from ${iso(s.timestamp[w0 - 1]!)}`;
    return out;
  });
  const impliedVol = assets.map(() => new Float64Array(n).fill(NaN));
  const funding = assets.map(() => new Float64Array(n).fill(NaN));
  const fundingPer8h = assets.map(() => new Float64Array(n).fill(NaN));
  const bi = assets.indexOf('BTC');
  if (bi >= 0) {
    const dvol = await loadDataset('deribit-btc-dvol-1d');
    const ds = dvol.series;
    if (ds.kind === 'dvol') {
      const byDay = new Map<number, number>();
      ds.timestamp.forEach((t, k) => byDay.set(Math.round(t / DAY), ds.dvol[k]! / 100));
      let used = 0;
      for (let k = 0; k < n; k++) {
        const v = byDay.get(Math.floor(time[k]! / DAY) - 1);
        if (v !== undefined) {
          impliedVol[bi]![k] = v;
          used++;
        }
      }
      if (used > 0) sources['impliedVol.BTC'] = `deribit-btc-dvol-1d (previous UTC day) on ${used} of ${n} bars`;
    }
    await fillFunding(time, funding[bi]!, fundingPer8h[bi]!, sources);
  }
  return {
    assets,
    intervalMs: HOUR,
    time,
    open: cols.map((c) => c.open),
    high: cols.map((c) => c.high),
    low: cols.map((c) => c.low),
    close: cols.map((c) => c.close),
    volume: cols.map((c) => c.volume),
    funding,
    fundingPer8h,
    impliedVol,
    forecastVol,
    sources,
  };
}

async function fillFunding(time: Float64Array, funding: Float64Array, per8h: Float64Array, sources: Record<string, string>): Promise<void> {
  const n = time.length;
  const used: Record<string, number> = {};
  const eightHourly = async (id: string): Promise<{ map: Map<number, number>; first: number; last: number }> => {
    const d = await loadDataset(id);
    const map = new Map<number, number>();
    if (d.series.kind === 'funding') d.series.timestamp.forEach((t, k) => map.set(Math.round(t / HOUR), (d.series as { funding_rate: Float64Array }).funding_rate[k]!));
    const ts = d.series.timestamp;
    return { map, first: ts[0]!, last: ts[ts.length - 1]! + 8 * HOUR };
  };
  const binance = await eightHourly('binance-perp-btc-usdt-funding-8h');
  const bitmex = await eightHourly('bitmex-xbtusd-funding-8h');
  const der = await loadDataset('deribit-btc-perpetual-funding-1h');
  const derMap = new Map<number, [number, number]>();
  if (der.series.kind === 'deribit-funding') {
    const s = der.series;
    s.timestamp.forEach((t, k) => derMap.set(Math.round(t / HOUR), [s.interest_1h[k]!, s.interest_8h[k]!]));
  }
  const derFirst = der.series.timestamp[0]!;
  const derLast = der.series.timestamp[der.series.length - 1]! + HOUR;
  let last8h = NaN;
  for (let k = 0; k < n; k++) {
    const t = time[k]!;
    const h = Math.round(t / HOUR);
    let src: string | null = null;
    if (t >= binance.first - HOUR && t < binance.last) {
      src = 'binance-perp-btc-usdt-funding-8h';
      const r = binance.map.get(h);
      if (r !== undefined) {
        funding[k] = r;
        last8h = r;
      }
    } else if (t >= bitmex.first && t < bitmex.last) {
      src = 'bitmex-xbtusd-funding-8h (proxy: BitMEX XBTUSD)';
      const r = bitmex.map.get(h);
      if (r !== undefined) {
        funding[k] = r;
        last8h = r;
      }
    } else if (t >= derFirst && t < derLast) {
      src = 'deribit-btc-perpetual-funding-1h interest_1h (proxy: Deribit BTC-PERPETUAL)';
      const r = derMap.get(h);
      if (r !== undefined) {
        funding[k] = r[0];
        last8h = r[1];
      }
    } else last8h = NaN;
    per8h[k] = last8h;
    if (src) used[src] = (used[src] ?? 0) + 1;
  }
  const parts = Object.entries(used).map(([s, c]) => `${s} on ${c} of ${n} bars`);
  sources['funding.BTC'] = parts.length > 0 ? parts.join('; ') : 'none: no bundled funding history covers this range (no funding paid)';
}

const iso = (t: number): string => new Date(t).toISOString();

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A feed over a loaded history (one reused event object). */
export function historyFeed(h: MarketHistory): Feed {
  const m = h.assets.length;
  const ev = {
    index: -1,
    time: 0,
    intervalMs: h.intervalMs,
    assets: h.assets,
    open: new Float64Array(m),
    high: new Float64Array(m),
    low: new Float64Array(m),
    close: new Float64Array(m),
    volume: new Float64Array(m),
    funding: new Float64Array(m),
    fundingPer8h: new Float64Array(m),
    impliedVol: new Float64Array(m),
    forecastVol: new Float64Array(m),
  };
  let k = 0;
  return {
    assets: h.assets,
    length: h.time.length,
    next(): BarEvent | null {
      if (k >= h.time.length) return null;
      ev.index = k;
      ev.time = h.time[k]!;
      for (let a = 0; a < m; a++) {
        ev.open[a] = h.open[a]![k]!;
        ev.high[a] = h.high[a]![k]!;
        ev.low[a] = h.low[a]![k]!;
        ev.close[a] = h.close[a]![k]!;
        ev.volume[a] = h.volume[a]![k]!;
        ev.funding[a] = h.funding[a]![k]!;
        ev.fundingPer8h[a] = h.fundingPer8h[a]![k]!;
        ev.impliedVol[a] = h.impliedVol[a]![k]!;
        ev.forecastVol[a] = h.forecastVol[a]![k]!;
      }
      k++;
      return ev;
    },
  };
}
