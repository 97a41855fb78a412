import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exposureCaps, UNBOUNDED_USD } from './exposure-caps.ts';
import { at, codes, contextOf, run } from './testkit.ts';
import type { Vote } from './types.ts';

/** Equity 100,000 (positions at entry); exposures in USD with BTC and ETH at 100. */
const book = (btc: number, eth = 0) =>
  at({ prices: { BTC: 100, ETH: 100 }, positions: [{ asset: 'BTC', qty: btc / 100, entry: 100 }, ...(eth ? [{ asset: 'ETH', qty: eth / 100, entry: 100 }] : [])] });
const summary = (v: Vote) => [
  v.state,
  ...codes(v),
  ...v.intents.map((i) =>
    i.kind === 'target-gross' ? `max ${i.maxGrossUsd}` : i.kind === 'target-exposure' ? `${i.asset} [${i.minUsd}, ${i.maxUsd}]` : i.kind === 'reduce-position' ? `${i.account}#${i.position} ${i.fraction}` : i.kind,
  ),
];

describe('exposure-caps gross and leverage', () => {
  it.each([
    [{ maxGrossUsd: 150000 }, 100000, 50000, ['ACTIVE']], // at the cap
    [{ maxGrossUsd: 150000 }, 100000, -50100, ['REDUCING', 'GROSS_CAP_EXCEEDED', 'max 150000']], // a short adds to gross
    [{ maxLeverage: 2 }, 200000, 0, ['ACTIVE']],
    [{ maxLeverage: 2 }, 200100, 0, ['REDUCING', 'LEVERAGE_CAP_EXCEEDED', 'max 200000']],
  ] as const)('%j, BTC %d, ETH %d -> %j', (config, btc, eth, expected) => {
    expect(summary(run(exposureCaps(config), [book(btc, eth)]).votes[0]!)).toEqual(expected);
  });
});

describe('exposure-caps per asset', () => {
  it.each([
    [{ BTC: { maxLongUsd: 50000 } }, 50000, ['ACTIVE']],
    [{ BTC: { maxLongUsd: 50000 } }, 50100, ['REDUCING', 'ASSET_CAP_EXCEEDED', `BTC [${-UNBOUNDED_USD}, 50000]`]],
    [{ BTC: { maxLongUsd: 50000 } }, -900000, ['ACTIVE']], // no short cap
    [{ BTC: { maxShortUsd: 20000 } }, -20000, ['ACTIVE']],
    [{ BTC: { maxShortUsd: 20000 } }, -20100, ['REDUCING', 'ASSET_CAP_EXCEEDED', `BTC [-20000, ${UNBOUNDED_USD}]`]],
    [{ '*': { maxAbsUsd: 30000, maxLongUsd: 10000 } }, 10100, ['REDUCING', 'ASSET_CAP_EXCEEDED', 'BTC [-30000, 10000]']],
    [{ '*': { maxAbsUsd: 30000 }, BTC: { maxAbsUsd: 1e9 } }, 10100, ['REDUCING', 'ASSET_CAP_EXCEEDED', 'ETH [-30000, 30000]']],
  ] as const)('%j, BTC %d (ETH -30,100 only with "*") -> %j', (perAsset, btc, expected) => {
    const eth = '*' in perAsset && 'BTC' in perAsset ? -30100 : 0;
    expect(summary(run(exposureCaps({ perAsset }), [book(btc, eth)]).votes[0]!)).toEqual(expected);
  });
});

describe('exposure-caps per venue (multi-venue example: two binance-usdm accounts)', () => {
  const c = contextOf(readFileSync(new URL('../../examples/multi-venue.yaml', import.meta.url), 'utf8'));
  // binance-cross: ETH +40, BTC +2; binance-iso: BTC -1.5 -> net ETH 136,000 + BTC 31,000 USD
  const venueGross = 40 * 3400 + 0.5 * 62000;
  it.each([
    [venueGross, ['ACTIVE']],
    [venueGross / 2, ['REDUCING', 'VENUE_CAP_EXCEEDED', 'binance-cross#0 0.5', 'binance-cross#1 0.5', 'binance-iso#0 0.5']],
  ] as const)('cap %d -> %j', (maxGrossUsd, expected) => {
    expect(summary(run(exposureCaps({ perVenue: { 'binance-usdm': { maxGrossUsd } } }), [c]).votes[0]!)).toEqual(expected);
  });
  it('a venue the book does not use is not a breach', () => {
    expect(summary(run(exposureCaps({ perVenue: { 'okx-swap': { maxGrossUsd: 0 } } }), [c]).votes[0]!)).toEqual(['ACTIVE']);
  });
});

describe('exposure-caps config and fail-safe', () => {
  it('needs a cap; a perAsset entry needs a bound', () => {
    expect(() => exposureCaps({})).toThrow(/maxGrossUsd: give at least one cap/);
    expect(() => exposureCaps({ perAsset: { BTC: {} } })).toThrow(/perAsset.BTC: give maxLongUsd/);
  });
  it('stale data', () => {
    expect(summary(run(exposureCaps({ maxGrossUsd: 1 }), [at({ prices: { BTC: 1 } }, 0, { dataAgeMs: 300001 })]).votes[0]!)).toEqual(['REDUCING', 'STALE_MARKET_DATA']);
  });
});
