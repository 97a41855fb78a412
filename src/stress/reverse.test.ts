import { describe, expect, it } from 'vitest';
import type { AccountRisk, RiskReport } from '../risk/report.ts';
import { reverseStress } from './reverse.ts';

const account = (id: string, down: number | null, up: number | null, liquidatable = false): AccountRisk => ({
  id,
  venue: 'v',
  model: 'tiered',
  mode: 'cross',
  equity: 1,
  initialMargin: 0,
  maintenanceMargin: 0,
  marginRatio: 0,
  healthFactor: null,
  liquidatable,
  crashMove: { down, up },
  positions: [],
});

const report = (...accounts: AccountRisk[]): RiskReport => ({
  asOf: '2024-03-01T00:00:00.000Z',
  accounts,
  portfolio: { equity: 0, underlyings: {}, grossLeverage: null, netLeverage: null },
});

describe('reverseStress', () => {
  it.each([
    { name: 'the largest negative down and the smallest positive up go first', accounts: [account('a', -0.4, 0.3), account('b', -0.2, 0.5), account('c', null, 0.1)], first: { down: 'b', up: 'c' } },
    { name: 'ties go to the earlier account', accounts: [account('a', -0.2, 0.3), account('b', -0.2, 0.3)], first: { down: 'a', up: 'a' } },
    { name: 'no move either way: null', accounts: [account('a', null, null)], first: { down: null, up: null } },
    { name: 'an account already liquidatable goes first at 0', accounts: [account('a', -0.1, 0.1), account('b', 0.05, 2, true)], first: { down: 'b', up: 'b' } },
    { name: 'no accounts', accounts: [], first: { down: null, up: null } },
  ])('$name', ({ accounts, first }) => {
    expect(reverseStress(report(...accounts)).first).toEqual(first);
  });

  it('reports each account with its moves, 0 when already liquidatable', () => {
    expect(reverseStress(report(account('a', -0.25, null), account('b', 0.05, 2, true))).accounts).toEqual([
      { id: 'a', down: -0.25, up: null },
      { id: 'b', down: 0, up: 0 },
    ]);
  });
});
