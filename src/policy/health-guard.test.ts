import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { healthGuard } from './health-guard.ts';
import { at, codes, contextOf, run } from './testkit.ts';
import type { Vote } from './types.ts';

const multi = contextOf(readFileSync(new URL('../../examples/multi-venue.yaml', import.meta.url), 'utf8'));
const aave = multi.report.accounts.find((a) => a.id === 'aave')!.healthFactor!; // ~1.56, the lowest
const deribit = multi.report.accounts.find((a) => a.id === 'deribit')!.healthFactor!; // ~1.85
const summary = (v: Vote) => [
  v.state,
  ...codes(v),
  ...v.intents.map((i) => (i.kind === 'target-health' ? `${i.account}>=${i.minHealth}` : i.kind === 'increase-gross' ? `up ${i.targetGrossUsd}` : i.kind)),
];

describe('health-guard on the multi-venue example', () => {
  it('aave is the weakest account, then deribit', () => {
    expect(aave).toBeLessThan(deribit);
    expect(Math.min(...multi.report.accounts.map((a) => a.healthFactor ?? Infinity))).toBe(aave);
  });

  it.each([
    [aave * (1 - 1e-9), ['ACTIVE']],
    [aave, ['ACTIVE']], // at the target: fine
    [aave * (1 + 1e-9), ['REDUCING', 'HEALTH_BELOW_TARGET', `aave>=${aave * (1 + 1e-9)}`]],
  ])('target %d -> %j', (target, expected) => {
    expect(summary(run(healthGuard({ target }), [multi]).votes[0]!)).toEqual(expected);
  });

  it('one intent per account below target, in account order; per-account targets and an account filter', () => {
    expect(summary(run(healthGuard({ target: 2 }), [multi]).votes[0]!)).toEqual(['REDUCING', 'HEALTH_BELOW_TARGET', 'HEALTH_BELOW_TARGET', 'deribit>=2', 'aave>=2']);
    expect(summary(run(healthGuard({ target: 2, targets: { aave: 1.2 } }), [multi]).votes[0]!)).toEqual(['REDUCING', 'HEALTH_BELOW_TARGET', 'deribit>=2']);
    expect(summary(run(healthGuard({ target: 2, accounts: ['aave'] }), [multi]).votes[0]!)).toEqual(['REDUCING', 'HEALTH_BELOW_TARGET', 'aave>=2']);
  });

  it('a guarded account missing from the book: MISSING_INPUT', () => {
    expect(summary(run(healthGuard({ target: 1.1, accounts: ['aave', 'bybit'] }), [multi]).votes[0]!)).toEqual(['REDUCING', 'MISSING_INPUT']);
  });
});

describe('health-guard boost', () => {
  // one Binance cross account: health = equity / maintenance, about 41 at 10,000 USDT for 1 BTC
  const book = at({ collateral: 10000, prices: { BTC: 60000 }, positions: [{ asset: 'BTC', qty: 1, entry: 60000 }] });
  const h = book.report.accounts[0]!.healthFactor!;
  it.each([
    [h, ['ACTIVE']], // at boostAbove: no boost
    [h * (1 - 1e-9), ['ACTIVE', 'HEALTH_BOOST', `up ${(60000 * h) / 4}`]],
  ])('boostAbove %d -> %j', (boostAbove, expected) => {
    expect(summary(run(healthGuard({ target: 2, boostAbove, boostTo: 4 }), [book]).votes[0]!)).toEqual(expected);
  });

  it('boostTo defaults to the midpoint of target and boostAbove; the weakest account bounds the boost', () => {
    const v = run(healthGuard({ target: 1.2, boostAbove: 1.5 }), [multi]).votes[0]!;
    const gross = Object.values(multi.report.portfolio.underlyings).reduce((a, u) => a + Math.abs(u.netDeltaUsd), 0);
    expect(summary(v)).toEqual(['ACTIVE', 'HEALTH_BOOST', `up ${gross * (aave / 1.35)}`]);
  });

  it('no boost while an account is below its target', () => {
    expect(summary(run(healthGuard({ target: 1.2, targets: { aave: 1.6 }, boostAbove: 1.7 }), [multi]).votes[0]!)[0]).toBe('REDUCING');
  });

  it('config: boostAbove above every target, boostTo between', () => {
    expect(() => healthGuard({ target: 2, boostAbove: 2 })).toThrow(/boostAbove: must be above every target/);
    expect(() => healthGuard({ target: 2, targets: { a: 3 }, boostAbove: 2.5 })).toThrow(/boostAbove: must be above every target \(3\)/);
    expect(() => healthGuard({ target: 2, boostAbove: 3, boostTo: 3 })).toThrow(/boostTo: must be at least the target/);
    expect(() => healthGuard({ target: 2, boostTo: 3 })).toThrow(/boostTo: only used with boostAbove/);
    expect(() => healthGuard({ target: 1 })).toThrow(/target: must be > 1/);
  });

  it('stale data', () => {
    expect(summary(run(healthGuard({ target: 1.1 }), [at({ prices: { BTC: 1 } }, 0, { dataAgeMs: 300001 })]).votes[0]!)).toEqual(['REDUCING', 'STALE_MARKET_DATA']);
  });
});
