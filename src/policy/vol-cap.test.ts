import { describe, expect, it } from 'vitest';
import { volCap } from './vol-cap.ts';
import { at, codes, run } from './testkit.ts';
import type { Vote } from './types.ts';

/** Equity 100,000; gross = BTC exposure. */
const book = (gross: number, dvol?: number) =>
  at({ collateral: 100000, prices: { BTC: 100 }, positions: [{ asset: 'BTC', qty: gross / 100, entry: 100 }] }, 0, dvol === undefined ? {} : { impliedVolIndex: { BTC: dvol } });
const summary = (v: Vote) => [v.state, ...codes(v), ...v.intents.map((i) => (i.kind === 'target-gross' ? `max ${i.maxGrossUsd}` : i.kind))];

describe('vol-cap: 3x from DVOL 50, 1x from DVOL 100 (rows given out of order)', () => {
  const p = volCap({ table: [{ vol: 1, maxLeverage: 1 }, { vol: 0.5, maxLeverage: 3 }] });
  it.each([
    [0.25, 500000, ['ACTIVE']], // below the first level: no cap
    [0.5, 300000, ['ACTIVE']], // at the level, at the cap
    [0.5, 300100, ['REDUCING', 'VOL_CAP_EXCEEDED', 'max 300000']],
    [0.9999, 200000, ['ACTIVE']], // just below 100: still 3x
    [1, 200000, ['REDUCING', 'VOL_CAP_EXCEEDED', 'max 100000']], // at 100: 1x
    [1, 100000, ['ACTIVE']],
    [1.5, 100100, ['REDUCING', 'VOL_CAP_EXCEEDED', 'max 100000']],
  ] as const)('DVOL %d, gross %d -> %j', (dvol, gross, expected) => {
    expect(summary(run(p, [book(gross, dvol)]).votes[0]!)).toEqual(expected);
  });

  it('fail safe: no implied vol -> MISSING_INPUT; stale -> STALE_MARKET_DATA', () => {
    expect(summary(run(p, [book(100000)]).votes[0]!)).toEqual(['REDUCING', 'MISSING_INPUT']);
    const stale = at({ prices: { BTC: 100 } }, 0, { impliedVolIndex: { BTC: 0.6 }, dataAgeMs: 1e6 });
    expect(summary(run(p, [stale]).votes[0]!)).toEqual(['REDUCING', 'STALE_MARKET_DATA']);
  });

  it('config: the cap cannot rise with vol, levels are unique', () => {
    expect(() => volCap({ table: [{ vol: 0.5, maxLeverage: 1 }, { vol: 1, maxLeverage: 2 }] })).toThrow(/table\[1\]\.maxLeverage: must be <= 1/);
    expect(() => volCap({ table: [{ vol: 0.5, maxLeverage: 1 }, { vol: 0.5, maxLeverage: 1 }] })).toThrow(/table\[1\]\.vol: duplicate level/);
  });
});
