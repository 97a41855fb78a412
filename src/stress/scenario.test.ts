import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.ts';
import { checkScenario, correlationOne, fundingScenario, haircutScenario, moveScenario, scenarioIssues, volScenario, type Scenario } from './scenario.ts';

describe('hypothetical scenarios', () => {
  it.each([
    [moveScenario(-0.3), 'move:-0.3', { prices: {}, others: 0.7 }],
    [moveScenario(0.2), 'move:+0.2', { prices: {}, others: 1.2 }],
    [moveScenario(0), 'move:0', { prices: {}, others: 1 }],
    [volScenario(1.5), 'vol:x1.5', { prices: {}, vol: { multiplier: 1.5 } }],
    [fundingScenario(0.003, 24), 'funding:+0.003/8h x 24h', { prices: {}, fundingPer8h: 0.003, horizonHours: 24 }],
    [fundingScenario(-0.00375, 8), 'funding:-0.00375/8h x 8h', { prices: {}, fundingPer8h: -0.00375, horizonHours: 8 }],
    [haircutScenario(0.02), 'haircut:0.02', { prices: {}, haircut: 0.02 }],
  ])('%# %s', (s, name, shock) => {
    const { name: n, ...rest } = s;
    expect(n).toBe(name);
    expect(rest).toEqual(shock);
  });

  it('correlation one: every non-stable asset takes the BTC move; listed stables keep theirs', () => {
    const s: Scenario = { name: '2022-11 FTX 24h', prices: { BTC: 0.8, ETH: 0.75, USDT: 0.99 }, others: 0.7, fundingPer8h: 0.001, horizonHours: 24 };
    expect(correlationOne(s, (a) => a === 'USDT')).toEqual({ ...s, name: '2022-11 FTX 24h corr1', prices: { USDT: 0.99 }, others: 0.8 });
  });

  it('lists every invalid field with its value', () => {
    const bad: Scenario = { name: 'x', prices: { BTC: 0, ETH: Number.NaN }, others: -1, vol: { multiplier: 0 }, fundingPer8h: 0.01, haircut: 1 };
    expect(scenarioIssues(bad).map((i) => [i.path, i.value])).toEqual([
      ['scenario.prices.BTC', 0],
      ['scenario.prices.ETH', Number.NaN],
      ['scenario.others', -1],
      ['scenario.vol.multiplier', 0],
      ['scenario.horizonHours', undefined],
      ['scenario.haircut', 1],
    ]);
    expect(() => checkScenario(bad)).toThrow(ValidationError);
    expect(() => checkScenario(moveScenario(-0.5))).not.toThrow();
  });
});
