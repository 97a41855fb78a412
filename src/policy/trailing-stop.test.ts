import { describe, expect, it } from 'vitest';
import { trailingStop } from './trailing-stop.ts';
import { at, codes, contextOf, run, type LinearSpec } from './testkit.ts';

const book = (mark: number, qty = 1, t = 0) => at({ prices: { BTC: mark }, positions: [{ asset: 'BTC', qty, entry: 100000 }] }, t);

describe('trailing-stop (trail 10 %)', () => {
  const p = trailingStop({ trail: 0.1 });
  it.each([
    // marks seen, qty, last vote triggers
    [[100000, 120000, 108001], 1, false], // long: 9.999 % below the best 120,000
    [[100000, 120000, 108000], 1, true], // exactly 10 %
    [[100000, 120000, 107999], 1, true],
    [[100000, 80000, 87999], -1, false], // short: best is the low, 80,000
    [[100000, 80000, 88000], -1, true],
    [[100000, 80000, 88001], -1, true],
    [[100000, 80000], 1, true], // a long falling 20 % from its first mark
    [[50000], 1, false], // the first sight never triggers (no best yet)
  ] as const)('marks %j qty %d -> %s', (marks, qty, triggers) => {
    const { votes } = run(
      p,
      marks.map((m, i) => book(m, qty, i)),
    );
    const v = votes.at(-1)!;
    expect(v.state).toBe(triggers ? 'REDUCING' : 'ACTIVE');
    expect(codes(v)).toEqual(triggers ? ['TRAILING_STOP'] : []);
    expect(v.intents).toHaveLength(triggers ? 1 : 0);
  });

  it('a position that flips side starts over from the current mark', () => {
    const { votes, state } = run(p, [book(120000, 1), book(100000, -1)]);
    expect(votes[1]!.state).toBe('ACTIVE');
    expect(state.best['main#0']).toEqual({ asset: 'BTC', side: -1, mark: 100000 });
  });

  it('a closed position is forgotten', () => {
    const flat: LinearSpec[] = [];
    const { state } = run(p, [book(120000, 1), at({ prices: { BTC: 100000 }, positions: flat })]);
    expect(state.best).toEqual({});
  });

  it('stale prices neither trigger nor move the best mark', () => {
    const r = run(p, [book(100000, 1, 0), book(120000, 1, 1)]);
    const stale = at({ prices: { BTC: 200000 }, positions: [{ asset: 'BTC', qty: 1, entry: 100000 }] }, 2, { dataAgeMs: 1e9 });
    const out = p.evaluate(stale, r.state);
    expect(codes(out.vote)).toEqual(['STALE_MARKET_DATA']);
    expect(out.state).toEqual(r.state);
  });

  it('options are not trailed, futures are', () => {
    const deribit = (btc: number) =>
      contextOf(
        `
asOf: 2024-03-01T00:00:00Z
market: { prices: { BTC: ${btc} }, vols: { BTC: 0.6 } }
accounts:
  - id: deribit
    venue: deribit
    collateral: { BTC: 10 }
    positions:
      - { kind: option, asset: BTC, right: call, strike: 70000, expiry: 2024-03-29T08:00:00Z, qty: 1 }
      - { kind: future, asset: BTC, qty: 10000, entry: 60000, expiry: 2024-03-29T08:00:00Z }
`,
        { dataAgeMs: 0 },
      );
    const { votes } = run(trailingStop({ trail: 0.01 }), [deribit(60000), deribit(50000)]);
    expect(votes[1]!.intents).toEqual([{ kind: 'reduce-position', policy: 'trailing-stop', account: 'deribit', position: 1, fraction: 1 }]);
  });
});
