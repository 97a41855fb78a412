/**
 * Test helpers of the policy tests: small inline YAML books run through the real parser and risk report.
 * Not used by the product code.
 */
import { parsePortfolio } from '../model/parse.ts';
import { policyContext, type ContextOptions } from './context.ts';
import type { Policy, PolicyContext, Vote } from './types.ts';

export const T0 = Date.parse('2024-03-01T00:00:00Z');

export interface LinearSpec {
  readonly asset: string;
  readonly qty: number;
  readonly entry: number;
  readonly kind?: 'perp' | 'spot';
}

export interface BookSpec {
  /** USDT collateral of the account. */
  readonly collateral?: number;
  readonly prices: Readonly<Record<string, number>>;
  readonly positions?: readonly LinearSpec[];
  readonly highWaterMark?: number;
  readonly id?: string;
  readonly venue?: string;
  readonly mode?: 'cross' | 'isolated';
}

/**
 * A one-account linear book on a tiered venue (Binance USD-M cross by default). Its equity is exactly
 * collateral + sum qty (mark - entry): integer inputs give integer equity, so thresholds can be hit exactly.
 */
export const linearBook = (b: BookSpec): string =>
  [
    'asOf: 2024-03-01T00:00:00Z',
    'market:',
    `  prices: { ${Object.entries({ USDT: 1, ...b.prices })
      .map(([a, p]) => `${a}: ${p}`)
      .join(', ')} }`,
    'accounts:',
    `  - id: ${b.id ?? 'main'}`,
    `    venue: ${b.venue ?? 'binance-usdm'}`,
    `    mode: ${b.mode ?? 'cross'}`,
    `    collateral: { USDT: ${b.collateral ?? 100000} }`,
    `    positions:${(b.positions ?? []).length === 0 ? ' []' : ''}`,
    ...(b.positions ?? []).map(
      (p) => `      - { kind: ${p.kind ?? 'perp'}, asset: ${p.asset}, qty: ${p.qty}, entry: ${p.entry}${(p.kind ?? 'perp') === 'perp' ? ', leverage: 10' : ''} }`,
    ),
    ...(b.highWaterMark !== undefined ? ['history:', `  highWaterMark: ${b.highWaterMark}`] : []),
  ].join('\n');

/** Context of a YAML book; `now` defaults to asOf with fresh data. */
export const contextOf = (yaml: string, options: ContextOptions = {}): PolicyContext => policyContext(parsePortfolio(yaml, 'test.yaml'), options);

/** Context of a linear book at time T0 + `t` ms with fresh data (dataAgeMs 0). */
export const at = (b: BookSpec, t = 0, options: ContextOptions = {}): PolicyContext => contextOf(linearBook(b), { now: T0 + t, dataAgeMs: 0, ...options });

/** Run a policy over a sequence of contexts from its initial state; returns every vote and the last state. */
export function run<S>(policy: Policy<S>, contexts: readonly PolicyContext[], state?: S): { votes: Vote[]; state: S } {
  const first = contexts[0];
  if (!first) throw new Error('run: no context');
  let s = state ?? policy.initialState(first);
  const votes: Vote[] = [];
  for (const ctx of contexts) {
    const r = policy.evaluate(ctx, s);
    votes.push(r.vote);
    s = r.state;
    assertPlainJson(s, 'state');
  }
  return { votes, state: s };
}

/** Throws unless `v` is plain JSON: finite numbers, strings, booleans, null, arrays and plain objects. */
export function assertPlainJson(v: unknown, path: string): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${path} is ${v}: not JSON`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertPlainJson(x, `${path}[${i}]`));
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) assertPlainJson(x, `${path}.${k}`);
    return;
  }
  throw new Error(`${path} is not plain JSON (${typeof v})`);
}

export const codes = (v: Vote): string[] => v.reasons.map((r) => r.code);
