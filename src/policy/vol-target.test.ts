import { describe, expect, it } from 'vitest';
import { volTarget } from './vol-target.ts';
import { at, codes, run, type LinearSpec } from './testkit.ts';
import type { ContextOptions } from './context.ts';
import type { Vote } from './types.ts';

/** Equity = collateral (positions at their entry); BTC and ETH at 100 so exposure = qty x 100. */
const book = (equity: number, exposures: Record<string, number>, options: ContextOptions = {}) =>
  at(
    {
      collateral: equity,
      prices: { BTC: 100, ETH: 100 },
      positions: Object.entries(exposures).map(([asset, usd]): LinearSpec => ({ asset, qty: usd / 100, entry: 100 })),
    },
    0,
    options,
  );
const summary = (v: Vote) => [v.state, ...codes(v), ...v.intents.map((i) => (i.kind === 'target-gross' ? `max ${i.maxGrossUsd}` : i.kind === 'increase-gross' ? `up ${i.targetGrossUsd}` : i.kind))];

describe('vol-target: target 25 %, BTC forecast 50 % -> leverage 0.5, gross 50,000 on 100,000; min change 25 %', () => {
  const p = volTarget({ targetVol: 0.25, maxLeverage: 2, minChange: 0.25 });
  const vol = { forecastVol: { BTC: 0.5 } };
  it.each([
    [50000, ['ACTIVE']],
    [62500, ['ACTIVE']], // 25 % above: at the minimum change
    [62600, ['ACTIVE', 'VOL_TARGET_REDUCE', 'max 50000']],
    [-62600, ['ACTIVE', 'VOL_TARGET_REDUCE', 'max 50000']], // a short counts by its size
    [37500, ['ACTIVE']],
    [37400, ['ACTIVE', 'VOL_TARGET_INCREASE', 'up 50000']],
  ] as const)('BTC exposure %d -> %j', (btc, expected) => {
    expect(summary(run(p, [book(100000, { BTC: btc }, vol)]).votes[0]!)).toEqual(expected);
  });

  it('the leverage cap binds when vol is low', () => {
    expect(summary(run(p, [book(100000, { BTC: 50000 }, { forecastVol: { BTC: 0.05 } })]).votes[0]!)).toEqual(['ACTIVE', 'VOL_TARGET_INCREASE', 'up 200000']);
  });

  it('several underlyings: exposure-weighted vol', () => {
    // (50,000 x 0.5 + 50,000 x 1.0) / 100,000 = 0.75; target 0.375 -> leverage 0.5
    const q = volTarget({ targetVol: 0.375, maxLeverage: 2, minChange: 0 });
    expect(summary(run(q, [book(100000, { BTC: 50000, ETH: -50000 }, { forecastVol: { BTC: 0.5, ETH: 1 } })]).votes[0]!)).toEqual(['ACTIVE', 'VOL_TARGET_REDUCE', 'max 50000']);
  });

  it('fail safe: a missing vol for an exposed underlying is never guessed; an unexposed one is not needed', () => {
    expect(summary(run(p, [book(100000, { BTC: 50000, ETH: 10000 }, vol)]).votes[0]!)).toEqual(['REDUCING', 'MISSING_INPUT']);
    expect(summary(run(p, [book(100000, { BTC: 50000 }, { forecastVol: { BTC: 0.5, ETH: Number.NaN } })]).votes[0]!)).toEqual(['ACTIVE']);
    expect(summary(run(p, [book(100000, { BTC: 50000 }, { forecastVol: { BTC: 0 } })]).votes[0]!)).toEqual(['REDUCING', 'MISSING_INPUT']);
    expect(summary(run(p, [book(100000, { BTC: 50000 }, { ...vol, dataAgeMs: 300001 })]).votes[0]!)).toEqual(['REDUCING', 'STALE_MARKET_DATA']);
  });

  it('a flat book has nothing to scale; no equity means no exposure', () => {
    expect(summary(run(p, [book(100000, {}, vol)]).votes[0]!)).toEqual(['ACTIVE']);
    const broke = at({ collateral: 50000, prices: { BTC: 200000 }, positions: [{ asset: 'BTC', qty: -1, entry: 100000 }] }, 0, { forecastVol: { BTC: 0.5 } });
    expect(summary(run(p, [broke]).votes[0]!)).toEqual(['REDUCING', 'VOL_TARGET_NO_EQUITY', 'max 0']);
  });
});
