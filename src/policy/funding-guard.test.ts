import { describe, expect, it } from 'vitest';
import { fundingGuard } from './funding-guard.ts';
import { at, codes, run } from './testkit.ts';
import type { Vote } from './types.ts';

const book = (qty: number, funding?: Record<string, number>, kind: 'perp' | 'spot' = 'perp') =>
  at({ prices: { BTC: 100, ETH: 100 }, positions: [{ kind, asset: 'BTC', qty, entry: 100 }] }, 0, funding ? { funding } : {});
const summary = (v: Vote) => [v.state, ...codes(v), ...v.intents.map((i) => (i.kind === 'reduce-position' ? `cut ${i.position} ${i.fraction}` : i.kind))];

describe('funding-guard: threshold 0.125 % per 8h, cut half', () => {
  const p = fundingGuard({ threshold: 0.00125 });
  it.each([
    [1, 0.00125, ['ACTIVE']], // long at the threshold
    [1, 0.00126, ['REDUCING', 'FUNDING_TOO_HIGH', 'cut 0 0.5']],
    [1, -0.01, ['ACTIVE']], // a long receives negative funding
    [-1, -0.00125, ['ACTIVE']], // a short pays negative funding
    [-1, -0.00126, ['REDUCING', 'FUNDING_TOO_HIGH', 'cut 0 0.5']],
    [-1, 0.01, ['ACTIVE']],
  ] as const)('qty %d, funding %d -> %j', (qty, funding, expected) => {
    expect(summary(run(p, [book(qty, { BTC: funding })]).votes[0]!)).toEqual(expected);
  });

  it('once per episode: the same end state until the funding normalises', () => {
    const { votes } = run(p, [book(2, { BTC: 0.01 }), book(1, { BTC: 0.01 }), book(1, { BTC: 0 }), book(1, { BTC: 0.01 })]);
    expect(votes.map(summary)).toEqual([['REDUCING', 'FUNDING_TOO_HIGH', 'cut 0 0.5'], ['REDUCING', 'FUNDING_TOO_HIGH'], ['ACTIVE'], ['REDUCING', 'FUNDING_TOO_HIGH', 'cut 0 0.5']]);
  });

  it('spot pays no funding; a missing rate for a perp is MISSING_INPUT, never 0', () => {
    expect(summary(run(p, [book(1, {}, 'spot')]).votes[0]!)).toEqual(['ACTIVE']);
    expect(summary(run(p, [book(1, { ETH: 0.5 })]).votes[0]!)).toEqual(['REDUCING', 'MISSING_INPUT']);
    expect(summary(run(fundingGuard({ threshold: 0.001, assets: ['ETH'] }), [book(1, {})]).votes[0]!)).toEqual(['ACTIVE']);
  });

  it('stale data', () => {
    expect(summary(run(p, [at({ prices: { BTC: 1 } }, 0, { dataAgeMs: 300001 })]).votes[0]!)).toEqual(['REDUCING', 'STALE_MARKET_DATA']);
  });
});
