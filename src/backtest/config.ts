/**
 * `ballast backtest` configuration: validation of the YAML document (every bad field reported with its path and
 * value), named crash windows, and the portfolio's preparation from the data (prices and asOf from the first bar;
 * `notional` in USD instead of `qty`; `entry: open` for the first bar's open). Pure: files are read by the caller.
 *
 * Keys: portfolio (file path or inline document), policies (file path, inline policy document as `ballast plan`
 * reads, or `none`), compare (policy files run on the same data), data ({ from, to, interval: 1h } or { window }),
 * execution ({ fees, latencyBars, maxParticipation, liquidationFeeRate, liquidationAt, protocolFeeRate, halfSpreadBps,
 * impactY, optionHalfSpreadVol }): see venue.ts.
 */
import { ValidationError, type FieldIssue } from '../errors/index.ts';
import { DEFAULT_STABLES, isRecord, parseIsoTime } from '../model/schema.ts';
import type { VenueConfig } from './venue.ts';

/** Named windows: from the start of the 7-day crash scenario in data/scenarios/historical.json (floored to the day)
 * to a week after its low; calm-2023 the whole of 2023 (no crash: realised vol 43 % against 64-86 % in 2020-22). */
export const WINDOWS: Readonly<Record<string, { from: string; to: string; description: string }>> = {
  '2020-03-12': { from: '2020-03-06T00:00:00Z', to: '2020-03-20T00:00:00Z', description: 'COVID crash (Black Thursday)' },
  '2021-05-19': { from: '2021-05-12T00:00:00Z', to: '2021-05-26T00:00:00Z', description: 'May 2021 crash' },
  '2022-05-luna': { from: '2022-05-05T00:00:00Z', to: '2022-05-19T00:00:00Z', description: 'Terra / LUNA collapse' },
  '2022-06-3ac': { from: '2022-06-11T00:00:00Z', to: '2022-06-25T00:00:00Z', description: 'Celsius / Three Arrows Capital' },
  '2022-11-ftx': { from: '2022-11-05T00:00:00Z', to: '2022-11-16T00:00:00Z', description: 'FTX collapse' },
  'calm-2023': { from: '2023-01-01T00:00:00Z', to: '2024-01-01T00:00:00Z', description: 'the calm year 2023 (no crash; BTC 16.5k to 42.3k)' },
};

export interface BacktestConfig {
  readonly portfolio: string | Record<string, unknown>;
  /** A file path, an inline policy document, or null (no guard). */
  readonly policies: string | Record<string, unknown> | null;
  readonly compare: readonly (string | null)[];

  readonly from: number;
  readonly to: number;
  readonly window: string | null;
  readonly execution: VenueConfig;
}

const TOP = ['portfolio', 'policies', 'compare', 'data', 'execution'];
const DATA = ['from', 'to', 'interval', 'window'];
const EXEC = ['fees', 'latencyBars', 'maxParticipation', 'liquidationFeeRate', 'protocolFeeRate', 'halfSpreadBps', 'impactY', 'liquidationAt', 'optionHalfSpreadVol'];

export function validateBacktestConfig(raw: unknown, source: string): BacktestConfig {
  const issues: FieldIssue[] = [];
  const bad = (path: string, value: unknown, message: string): void => void issues.push({ path, value, message });
  if (!isRecord(raw)) throw new ValidationError(source, [{ path: '(root)', value: raw, message: 'expected a mapping with portfolio, policies, data, execution' }]);
  for (const k of Object.keys(raw)) if (!TOP.includes(k)) bad(k, raw[k], `unknown key; known: ${TOP.join(', ')}`);

  const portfolio = raw.portfolio;
  if (!(typeof portfolio === 'string' && portfolio.length > 0) && !isRecord(portfolio)) bad('portfolio', portfolio, 'expected a portfolio file path or an inline portfolio mapping');

  let policies: BacktestConfig['policies'] = null;
  const pol = raw.policies;
  if (pol === undefined || pol === null || pol === 'none') policies = null;
  else if (typeof pol === 'string' && pol.length > 0) policies = pol;
  else if (isRecord(pol)) policies = pol;
  else if (Array.isArray(pol)) policies = { policies: pol };
  else bad('policies', pol, 'expected a policy file path, an inline policy document, or none');

  const compare: (string | null)[] = [];
  if (raw.compare !== undefined) {
    if (!Array.isArray(raw.compare)) bad('compare', raw.compare, 'expected a list of policy files');
    else raw.compare.forEach((c, i) => (c === 'none' || c === null ? compare.push(null) : typeof c === 'string' && c.length > 0 ? compare.push(c) : bad(`compare[${i}]`, c, 'expected a policy file path or none')));
  }

  let from = NaN;
  let to = NaN;
  let window: string | null = null;
  const data = raw.data;
  if (!isRecord(data)) bad('data', data, 'expected { from, to, interval } or { window }');
  else {
    for (const k of Object.keys(data)) if (!DATA.includes(k)) bad(`data.${k}`, data[k], `unknown key; known: ${DATA.join(', ')}`);
    if (data.interval !== undefined && data.interval !== '1h') bad('data.interval', data.interval, 'only 1h bars are bundled');
    if (data.window !== undefined) {
      const w = data.window;
      const def = typeof w === 'string' ? WINDOWS[w] : undefined;
      if (!def) bad('data.window', w, `unknown window; known: ${Object.keys(WINDOWS).join(', ')}`);
      else {
        window = w as string;
        from = Date.parse(def.from);
        to = Date.parse(def.to);
      }
      if (data.from !== undefined || data.to !== undefined) bad('data', data, 'give either window or from/to, not both');
    } else {
      const time = (k: 'from' | 'to'): number => {
        const v = data[k];
        const t = typeof v === 'string' ? parseIsoTime(v) : v instanceof Date ? v.getTime() : typeof v === 'number' ? v : 'expected an ISO time';
        if (typeof t === 'string' || !Number.isFinite(t)) {
          bad(`data.${k}`, v, typeof t === 'string' ? t : 'expected an ISO time');
          return NaN;
        }
        return t;
      };
      from = time('from');
      to = time('to');
      if (Number.isFinite(from) && Number.isFinite(to) && !(to > from)) bad('data.to', data.to, 'must be after data.from');
    }
  }

  const execution: Record<string, unknown> & { -readonly [K in keyof VenueConfig]: VenueConfig[K] } = {};
  const ex = raw.execution;
  if (ex !== undefined && !isRecord(ex)) bad('execution', ex, 'expected a mapping');
  else if (ex) {
    for (const k of Object.keys(ex)) if (!EXEC.includes(k)) bad(`execution.${k}`, ex[k], `unknown key; known: ${EXEC.join(', ')}`);
    const num = (k: string, ok: (x: number) => boolean, what: string): void => {
      const v = ex[k];
      if (v === undefined) return;
      if (typeof v !== 'number' || !ok(v)) bad(`execution.${k}`, v, what);
      else execution[k] = v;
    };
    num('latencyBars', (x) => Number.isInteger(x) && x >= 1, 'expected an integer >= 1 (bars between decision and fill)');
    num('maxParticipation', (x) => x > 0 && x <= 1, 'expected a fraction of bar volume in (0, 1]');
    num('liquidationFeeRate', (x) => x >= 0 && x < 1, 'expected a rate in [0, 1)');
    num('protocolFeeRate', (x) => x >= 0 && x <= 1, 'expected a share in [0, 1]');
    num('impactY', (x) => x >= 0, 'expected a number >= 0');
    num('optionHalfSpreadVol', (x) => x >= 0 && x < 1, 'expected an option half-spread in vol, in [0, 1) (0.01 = one vol point)');
    const rec = (k: string, ok: (x: number) => boolean, what: string): void => {
      const v = ex[k];
      if (v === undefined) return;
      if (!isRecord(v)) return bad(`execution.${k}`, v, 'expected a mapping');
      for (const [name, x] of Object.entries(v)) if (typeof x !== 'number' || !ok(x)) bad(`execution.${k}.${name}`, x, what);
      execution[k] = v;
    };
    if (ex.liquidationAt !== undefined) {
      if (ex.liquidationAt === 'cross' || ex.liquidationAt === 'point') execution.liquidationAt = ex.liquidationAt;
      else bad('execution.liquidationAt', ex.liquidationAt, 'expected cross (the liquidation price, where the path crossed it) or point (the intrabar price)');
    }
    rec('fees', (x) => x >= 0 && x < 0.1, 'expected a taker fee rate in [0, 0.1)');
    rec('halfSpreadBps', (x) => x >= 0, 'expected bps >= 0');
  }
  if (issues.length > 0) throw new ValidationError(source, issues);
  return { portfolio: portfolio as BacktestConfig['portfolio'], policies, compare, from, to, window, execution };
}

/** Non-stable assets a raw portfolio document trades or holds. */
export function portfolioAssets(doc: Record<string, unknown>): string[] {
  const stables = stablesOf(doc);
  const out = new Set<string>();
  for (const acc of Array.isArray(doc.accounts) ? doc.accounts : []) {
    if (!isRecord(acc)) continue;
    for (const p of Array.isArray(acc.positions) ? acc.positions : []) if (isRecord(p) && typeof p.asset === 'string' && !stables.has(p.asset)) out.add(p.asset);
    if (isRecord(acc.collateral)) for (const a of Object.keys(acc.collateral)) if (!stables.has(a)) out.add(a);
  }
  return [...out].sort((a, b) => (a === 'BTC' ? -1 : b === 'BTC' ? 1 : a.localeCompare(b)));
}

const stablesOf = (doc: Record<string, unknown>): Set<string> => {
  const m = isRecord(doc.market) ? doc.market : {};
  return new Set(Array.isArray(m.stables) ? (m.stables as string[]) : DEFAULT_STABLES);
};

/**
 * The portfolio document with prices and asOf from the data: market.prices = the first bar's opens (stables at
 * 1), asOf = the first bar's open time; a position's `notional` (USD, signed) becomes qty = notional / open (USD
 * face for inverse contracts, which count in USD); `entry: open` becomes the first open. Validate the result with
 * model/parse.ts validatePortfolio.
 */
export function preparePortfolio(doc: Record<string, unknown>, asOf: number, opens: Readonly<Record<string, number>>, source: string): Record<string, unknown> {
  const issues: FieldIssue[] = [];
  const stables = stablesOf(doc);
  const market = isRecord(doc.market) ? doc.market : {};
  const prices: Record<string, number> = {};
  for (const s of stables) prices[s] = 1;
  Object.assign(prices, opens);
  const rawAccounts: unknown[] = Array.isArray(doc.accounts) ? (doc.accounts as unknown[]) : [];
  const accounts = rawAccounts.map((acc, ai): unknown => {
    if (!isRecord(acc) || !Array.isArray(acc.positions)) return acc;
    return {
      ...acc,
      positions: (acc.positions as unknown[]).map((p, pi): unknown => {
        if (!isRecord(p)) return p;
        const out: Record<string, unknown> = { ...p };
        const px = typeof p.asset === 'string' ? opens[p.asset] : undefined;
        if (p.entry === 'open') {
          if (px === undefined) issues.push({ path: `portfolio.accounts[${ai}].positions[${pi}].entry`, value: p.entry, message: `no bar for ${String(p.asset)}` });
          else out.entry = px;
        }
        if (p.notional !== undefined) {
          delete out.notional;
          if (p.qty !== undefined) issues.push({ path: `portfolio.accounts[${ai}].positions[${pi}].notional`, value: p.notional, message: 'give qty or notional, not both' });
          else if (typeof p.notional !== 'number' || !Number.isFinite(p.notional)) issues.push({ path: `portfolio.accounts[${ai}].positions[${pi}].notional`, value: p.notional, message: 'expected a signed USD amount' });
          else if (px === undefined) issues.push({ path: `portfolio.accounts[${ai}].positions[${pi}].notional`, value: p.notional, message: `no bar for ${String(p.asset)}` });
          else out.qty = p.settle === 'inverse' ? p.notional : p.notional / px;
        }
        return out;
      }),
    };
  });
  if (issues.length > 0) throw new ValidationError(source, issues);
  return { ...doc, asOf: new Date(asOf).toISOString(), market: { ...market, prices }, accounts };
}
