import { describe, expect, it } from 'vitest';
import { stopLoss } from './stop-loss.ts';
import { at, codes, contextOf, run, type LinearSpec } from './testkit.ts';

const book = (mark: number, positions: LinearSpec[], prices: Record<string, number> = {}) => at({ prices: { BTC: mark, ETH: 3000, ...prices }, positions });

describe('stop-loss on linear positions (entry 100,000, stop at 25 %)', () => {
  const p = stopLoss({ lossFraction: 0.25 });
  it.each([
    // kind, qty, mark, triggers
    ['perp', 1, 75001, false], // long: just below the stop
    ['perp', 1, 75000, true], // at the stop
    ['perp', 1, 74999, true],
    ['perp', -1, 124999, false], // short: the stop is above
    ['perp', -1, 125000, true],
    ['perp', -1, 125001, true],
    ['perp', -1, 75000, false], // a short gains when the price falls
    ['spot', 2, 75001, false],
    ['spot', 2, 75000, true],
  ] as const)('%s qty %d at mark %d -> %s', (kind, qty, mark, triggers) => {
    const v = run(p, [book(mark, [{ kind, asset: 'BTC', qty, entry: 100000 }])]).votes[0]!;
    expect(v.state).toBe(triggers ? 'REDUCING' : 'ACTIVE');
    expect(v.intents).toEqual(triggers ? [{ kind: 'reduce-position', policy: 'stop-loss', account: 'main', position: 0, fraction: 1 }] : []);
    expect(codes(v)).toEqual(triggers ? ['STOP_LOSS'] : []);
  });

  it('filters by asset and account', () => {
    // ETH down 25 % from 4,000 and BTC down 30 %: both breach
    const c = book(70000, [
      { asset: 'ETH', qty: 1, entry: 4000 },
      { asset: 'BTC', qty: 1, entry: 100000 },
    ]);
    const positions = (config: Parameters<typeof stopLoss>[0]) => run(stopLoss(config), [c]).votes[0]!.intents.map((i) => (i.kind === 'reduce-position' ? i.position : -1));
    expect(positions({ lossFraction: 0.25 })).toEqual([0, 1]);
    expect(positions({ lossFraction: 0.25, assets: ['ETH'] })).toEqual([0]);
    expect(positions({ lossFraction: 0.25, assets: ['BTC'], accounts: ['main'] })).toEqual([1]);
    expect(positions({ lossFraction: 0.25, accounts: ['other'] })).toEqual([]);
  });
});

describe('stop-loss partial reduction: once per breach episode', () => {
  const p = stopLoss({ lossFraction: 0.25, reduceFraction: 0.5 });
  const pos = (qty: number): LinearSpec[] => [{ asset: 'BTC', qty, entry: 100000 }];
  it('asks for the same end state until filled, then nothing; a new breach after recovery reduces again', () => {
    const { votes } = run(p, [book(75000, pos(2)), book(75000, pos(2)), book(74000, pos(1)), book(90000, pos(1)), book(70000, pos(1))]);
    const fractions = votes.map((v) => v.intents.map((i) => (i.kind === 'reduce-position' ? i.fraction : NaN)));
    expect(fractions).toEqual([[0.5], [0.5], [], [], [0.5]]);
    expect(votes.map((v) => v.state)).toEqual(['REDUCING', 'REDUCING', 'REDUCING', 'ACTIVE', 'REDUCING']);
  });

  it('partially filled: the fraction of what is left that reaches the target', () => {
    const { votes } = run(p, [book(75000, pos(2)), book(75000, pos(1.6))]);
    expect(votes[1]!.intents).toEqual([{ kind: 'reduce-position', policy: 'stop-loss', account: 'main', position: 0, fraction: 1 - 1 / 1.6 }]);
  });
});

describe('stop-loss on options: loss as a fraction of the premium', () => {
  // A long BTC put on Deribit paid 0.05 BTC per BTC; its loss fraction is 1 - value / premium.
  const yaml = (entry: number) => `
asOf: 2024-03-01T00:00:00Z
market: { prices: { BTC: 60000, USDC: 1 }, vols: { BTC: 0.6 } }
accounts:
  - id: deribit
    venue: deribit
    collateral: { BTC: 10 }
    positions:
      - { kind: option, asset: BTC, right: put, strike: 50000, expiry: 2024-03-29T08:00:00Z, qty: 1, entry: ${entry} }
`;
  const c = contextOf(yaml(0.05));
  const r = c.report.accounts[0]!.positions[0]!;
  const loss = -r.unrealizedPnl! / (0.05 * r.mark);
  it('the measured loss is the premium lost', () => {
    expect(loss).toBeCloseTo(1 - r.value / (0.05 * r.mark), 12);
    expect(loss).toBeGreaterThan(0.5);
  });
  it.each([
    [loss * (1 + 1e-9), false],
    [loss, true],
    [loss * (1 - 1e-9), true],
  ])('stop at %d -> %s', (lossFraction, triggers) => {
    expect(run(stopLoss({ lossFraction }), [c]).votes[0]!.state).toBe(triggers ? 'REDUCING' : 'ACTIVE');
  });
});

describe('stop-loss fail-safe', () => {
  it.each([
    [300000, 'ACTIVE'],
    [300001, 'REDUCING'],
  ] as const)('data age %d ms (default limit 5 min) -> %s', (age, state) => {
    const c = at({ prices: { BTC: 100000 }, positions: [{ asset: 'BTC', qty: 1, entry: 100000 }] }, 0, { dataAgeMs: age });
    const v = run(stopLoss({ lossFraction: 0.25 }), [c]).votes[0]!;
    expect(v.state).toBe(state);
    expect(codes(v)).toEqual(state === 'ACTIVE' ? [] : ['STALE_MARKET_DATA']);
  });
});
