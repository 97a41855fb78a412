/**
 * Historical scenarios derived from the bundled market history (data/market/), pure: series in, scenarios out.
 * tools/gen-scenarios.ts loads the data and writes data/scenarios/historical.json; a test re-derives it.
 *
 * Rules (times UTC; bars are 1h, stamped at their open):
 * - Events: the README's crash days. For each event and window W (1h, 24h, 7d = 168h) the scenario is BTC's worst
 *   close-to-low move: over every low bar L whose open lies in [day - 1d, day + 2d) (the day before, the day, the
 *   day after: the COVID bottom came early on 2020-03-13) and every start bar s with L - W < s <= L, the minimum of
 *   low[L] / close[s - 1]: the fall from the close at the window's start to the worst intrabar low within it
 *   (liquidations fire on intrabar prices; close-to-close would miss the wick). Ties: earliest L, then earliest s.
 *   Only bars without a gap between s - 1 and L count. Kline lows are last trades: a venue's mark price (what its
 *   liquidations use) usually wicks less, so these moves are on the severe side.
 * - Joint move: every other listed asset (ETH, SOL, BNB, XRP perps, listed at the start close) takes its own
 *   worst low within the same window over its own close at the same start. Within a 24h or 7d window the lows may
 *   fall in different hours (2021-05-19: SOL bottomed an hour before BTC), so the joint move is each asset's worst
 *   point of the window, not one instant: severe for long books, not the worst case for a long/short mix.
 * - Assets with no move of their own (`others`): the geometric mean of the listed altcoins' multipliers, i.e. BTC's
 *   log move scaled by the altcoins' mean log beta to BTC in that very window; BTC's own when no altcoin is listed.
 * - Horizon: from the start close to the end of the low bar, L - s + 1 hours.
 * - Funding: BTC perp funding over the window, applied to every perp. A source row at T pays for (T - period, T]
 *   (8h for Binance and BitMEX, 1h for Deribit's interest_8h); the rate per 8h is the overlap-weighted mean of the
 *   rows covering the window. Sources in order Binance BTCUSDT, BitMEX XBTUSD, Deribit BTC-PERPETUAL: the first
 *   that covers the whole window is applied; every covering source is recorded. None covers: no funding shock.
 * - Vol: Deribit BTC DVOL (daily, 2022-11-06 on; whether a day's value is its open or close is not known): the
 *   highest value stamped on a UTC day the window touches, as BTC's absolute vol (DVOL % / 100). Other assets and
 *   earlier events: none (no vol data).
 */
import { isoUtc } from '../market-data/interval.ts';
import type { Scenario } from './scenario.ts';

export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const EIGHT_HOURS_MS = 8 * HOUR_MS;

export interface CrashEvent {
  /** Name prefix of its scenarios. */
  readonly label: string;
  /** The crash day (UTC, YYYY-MM-DD) of data/market/README.md's sanity table. */
  readonly day: string;
}

export const EVENTS: readonly CrashEvent[] = [
  { label: '2020-03-12', day: '2020-03-12' },
  { label: '2021-05-19', day: '2021-05-19' },
  { label: '2022-05 LUNA', day: '2022-05-12' },
  { label: '2022-06 3AC', day: '2022-06-18' },
  { label: '2022-11 FTX', day: '2022-11-09' },
];

export const WINDOWS: readonly { readonly label: string; readonly bars: number }[] = [
  { label: '1h', bars: 1 },
  { label: '24h', bars: 24 },
  { label: '7d', bars: 168 },
];

/** An hourly price series (columns as in market-data/series.ts). */
export interface HourlyBars {
  readonly timestamp: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
}

export interface PriceSource {
  readonly asset: string;
  readonly dataset: string;
  readonly bars: HourlyBars;
}

export interface FundingSource {
  readonly dataset: string;
  /** Each row pays for (timestamp - periodMs, timestamp]. */
  readonly periodMs: number;
  readonly timestamp: ArrayLike<number>;
  /** Fraction per 8h, positive = longs pay. */
  readonly ratePer8h: ArrayLike<number>;
}

export interface DvolSource {
  readonly dataset: string;
  readonly asset: string;
  readonly timestamp: ArrayLike<number>;
  /** Annualised percent. */
  readonly dvol: ArrayLike<number>;
}

export interface HistoricalInputs {
  /** The asset that picks the window (BTC). */
  readonly lead: PriceSource;
  readonly alts: readonly PriceSource[];
  /** In order of preference. */
  readonly funding: readonly FundingSource[];
  readonly dvol?: DvolSource;
}

export interface PriceProvenance {
  readonly dataset: string;
  /** Close of the bar before the window (the start) and the low of the low bar, quote currency (USDT). */
  readonly startClose: number;
  readonly low: number;
  /** Open of the bar that made the low. */
  readonly lowAt: string;
}

export interface FundingProvenance {
  readonly dataset: string;
  readonly ratePer8h: number;
  /** Funding paid over the window per unit of notional: ratePer8h x horizonHours / 8. */
  readonly cumulative: number;
}

export interface HistoricalScenario extends Scenario {
  readonly event: string;
  readonly window: string;
  /** Window start (the start close's time), the open of the low bar, and the window end (that bar's close). */
  readonly start: string;
  readonly lowAt: string;
  readonly end: string;
  readonly horizonHours: number;
  readonly provenance: {
    readonly prices: Readonly<Record<string, PriceProvenance>>;
    /** Every source covering the window, the applied one first; empty: no funding data. */
    readonly funding: readonly FundingProvenance[];
    /** DVOL values used; null: no vol data. */
    readonly vol: { readonly dataset: string; readonly days: readonly string[]; readonly max: number } | null;
  };
}

/** Row index of timestamp t in a strictly increasing column, or -1. */
function indexOf(ts: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = ts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = ts[mid]!;
    if (v === t) return mid;
    if (v < t) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** BTC's worst close-to-low window: bar indices s (first bar) and L (low bar). */
export function worstWindow(bars: HourlyBars, fromMs: number, toMs: number, windowBars: number): { s: number; L: number; move: number } | null {
  let best: { s: number; L: number; move: number } | null = null;
  for (let L = 1; L < bars.timestamp.length; L++) {
    const tL = bars.timestamp[L]!;
    if (tL < fromMs || tL >= toMs) continue;
    for (let s = Math.max(1, L - windowBars + 1); s <= L; s++) {
      if (tL - bars.timestamp[s - 1]! !== (L - s + 1) * HOUR_MS) continue; // a gap inside: not a window
      const move = bars.low[L]! / bars.close[s - 1]! - 1;
      if (best === null || move < best.move) best = { s, L, move };
    }
  }
  return best;
}

/** Funding over [start, end): the overlap-weighted mean rate per 8h, or null when the rows do not cover it all. */
export function windowFunding(src: FundingSource, start: number, end: number): FundingProvenance | null {
  let covered = 0;
  let paid = 0;
  for (let i = 0; i < src.timestamp.length; i++) {
    const T = Math.round(src.timestamp[i]! / 60_000) * 60_000; // venue jitter (Binance fundingTime) to the minute
    const overlap = Math.min(T, end) - Math.max(T - src.periodMs, start);
    if (overlap <= 0) continue;
    covered += overlap;
    paid += (src.ratePer8h[i]! * overlap) / EIGHT_HOURS_MS;
  }
  if (Math.abs(covered - (end - start)) > 1000) return null;
  const ratePer8h = paid / ((end - start) / EIGHT_HOURS_MS);
  return { dataset: src.dataset, ratePer8h, cumulative: paid };
}

/** The highest DVOL stamped on a UTC day the window [start, end) touches, or null. */
function windowDvol(src: DvolSource, start: number, end: number): { days: string[]; max: number } | null {
  const first = Math.floor(start / DAY_MS) * DAY_MS;
  const last = Math.floor((end - 1) / DAY_MS) * DAY_MS;
  const days: string[] = [];
  let max = -Infinity;
  for (let i = 0; i < src.timestamp.length; i++) {
    const t = src.timestamp[i]!;
    if (t < first || t >= last + DAY_MS) continue;
    days.push(isoUtc(t).slice(0, 10));
    max = Math.max(max, src.dvol[i]!);
  }
  return days.length === 0 ? null : { days, max };
}

/** One event's scenario for one window, or null when the lead series has no bar in its search range. */
export function deriveScenario(inputs: HistoricalInputs, event: CrashEvent, window: { label: string; bars: number }): HistoricalScenario | null {
  const day = Date.parse(`${event.day}T00:00:00Z`);
  const lead = inputs.lead.bars;
  const w = worstWindow(lead, day - DAY_MS, day + 2 * DAY_MS, window.bars);
  if (w === null) return null;
  const t0 = lead.timestamp[w.s - 1]!;
  const tL = lead.timestamp[w.L]!;
  const start = t0 + HOUR_MS;
  const end = tL + HOUR_MS;
  const prices: Record<string, number> = { [inputs.lead.asset]: lead.low[w.L]! / lead.close[w.s - 1]! };
  const provenance: Record<string, PriceProvenance> = {
    [inputs.lead.asset]: { dataset: inputs.lead.dataset, startClose: lead.close[w.s - 1]!, low: lead.low[w.L]!, lowAt: isoUtc(tL) },
  };
  let logSum = 0;
  let alts = 0;
  for (const a of inputs.alts) {
    const i0 = indexOf(a.bars.timestamp, t0);
    if (i0 < 0) continue;
    let iLow = -1;
    for (let i = i0 + 1; i < a.bars.timestamp.length && a.bars.timestamp[i]! <= tL; i++) if (iLow < 0 || a.bars.low[i]! < a.bars.low[iLow]!) iLow = i;
    if (iLow < 0) continue;
    const m = a.bars.low[iLow]! / a.bars.close[i0]!;
    prices[a.asset] = m;
    provenance[a.asset] = { dataset: a.dataset, startClose: a.bars.close[i0]!, low: a.bars.low[iLow]!, lowAt: isoUtc(a.bars.timestamp[iLow]!) };
    logSum += Math.log(m);
    alts++;
  }
  const others = alts === 0 ? prices[inputs.lead.asset]! : Math.exp(logSum / alts);
  const funding = inputs.funding.map((f) => windowFunding(f, start, end)).filter((f): f is FundingProvenance => f !== null);
  const dvol = inputs.dvol === undefined ? null : windowDvol(inputs.dvol, start, end);
  const horizonHours = w.L - w.s + 1;
  return {
    name: `${event.label} ${window.label}`,
    prices,
    others,
    ...(dvol === null ? {} : { vol: { absolute: { [inputs.dvol!.asset]: dvol.max / 100 } } }),
    ...(funding.length === 0 ? {} : { fundingPer8h: funding[0]!.ratePer8h }),
    horizonHours,
    event: event.label,
    window: window.label,
    start: isoUtc(start),
    lowAt: isoUtc(tL),
    end: isoUtc(end),
    provenance: {
      prices: provenance,
      funding,
      vol: dvol === null ? null : { dataset: inputs.dvol!.dataset, days: dvol.days, max: dvol.max },
    },
  };
}

/** Every event x window, in EVENTS then WINDOWS order. */
export function deriveHistorical(inputs: HistoricalInputs, events: readonly CrashEvent[] = EVENTS): HistoricalScenario[] {
  const out: HistoricalScenario[] = [];
  for (const e of events) for (const w of WINDOWS) {
    const s = deriveScenario(inputs, e, w);
    if (s !== null) out.push(s);
  }
  return out;
}
