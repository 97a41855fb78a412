import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.ts';
import { composePolicies, INTENT_ORDER, mergeVotes, type PolicyEvaluation } from './compose.ts';
import { drawdownBreaker } from './drawdown-breaker.ts';
import { exposureCaps } from './exposure-caps.ts';
import { healthGuard } from './health-guard.ts';
import { at, codes, run } from './testkit.ts';
import type { Intent, Policy, TradingState, Vote } from './types.ts';

const ev = (policy: string, state: TradingState, intents: Intent[] = [], code = `${policy.toUpperCase()}_CODE`): PolicyEvaluation => ({
  policy,
  type: policy,
  vote: { state, reasons: [{ policy, code, message: 'm' }], intents },
});
const gross = (policy: string, maxGrossUsd: number): Intent => ({ kind: 'target-gross', policy, maxGrossUsd });
const exposure = (policy: string, asset: string, minUsd: number, maxUsd: number): Intent => ({ kind: 'target-exposure', policy, asset, minUsd, maxUsd });
const health = (policy: string, account: string, minHealth: number): Intent => ({ kind: 'target-health', policy, account, minHealth });
const cut = (policy: string, account: string, position: number, fraction: number): Intent => ({ kind: 'reduce-position', policy, account, position, fraction });
const hedge = (policy: string, asset: string, targetDelta: number): Intent => ({ kind: 'hedge-delta', policy, asset, targetDelta });
const put = (policy: string, asset: string, budgetUsd: number, notionalUsd: number): Intent => ({ kind: 'buy-protection', policy, asset, strikeFraction: 0.9, expiryDays: 30, budgetUsd, notionalUsd });
const up = (policy: string, targetGrossUsd: number): Intent => ({ kind: 'increase-gross', policy, targetGrossUsd });

describe('mergeVotes: state and reasons', () => {
  it.each([
    [['ACTIVE', 'ACTIVE'], 'ACTIVE'],
    [['ACTIVE', 'REDUCING'], 'REDUCING'],
    [['HALTED', 'REDUCING', 'ACTIVE'], 'HALTED'],
    [[], 'ACTIVE'],
  ] as const)('%j -> %s', (states, expected) => {
    expect(mergeVotes(states.map((s, i) => ev(`p${i}`, s))).state).toBe(expected);
  });

  it('reasons concatenated in config order', () => {
    const v = mergeVotes([ev('b', 'ACTIVE'), ev('a', 'REDUCING'), { policy: 'c', type: 'c', vote: { state: 'ACTIVE', reasons: [], intents: [] } }]);
    expect(codes(v)).toEqual(['B_CODE', 'A_CODE']);
  });
});

describe('mergeVotes: intents', () => {
  it('target-gross: the minimum, first on a tie', () => {
    expect(mergeVotes([ev('a', 'REDUCING', [gross('a', 100)]), ev('b', 'REDUCING', [gross('b', 50)]), ev('c', 'REDUCING', [gross('c', 50)])]).intents).toEqual([gross('b', 50)]);
  });

  it.each([
    // ranges per policy -> merged range, conflict
    [[[-100, 100], [-50, 200]], { minUsd: -50, maxUsd: 100, policy: 'p1+p0' }, false],
    [[[-100, 100], [100, 200]], { minUsd: 100, maxUsd: 100, policy: 'p1+p0' }, false], // touching: a point
    [[[60, 200], [-10, 50]], { minUsd: 0, maxUsd: 50, policy: 'p1' }, true], // empty: 50 is nearer 0 than 60
    [[[-200, -60], [-50, 10]], { minUsd: -50, maxUsd: 0, policy: 'p1' }, true], // empty: lo -50 (p1) and hi -60 (p0) cross, -50 is nearer 0
    [[[5, 10], [-10, -5]], { minUsd: -5, maxUsd: 0, policy: 'p1' }, true], // |lo 5| == |hi -5|: the upper bound
  ] as const)('target-exposure %j -> %j (conflict %s)', (ranges, expected, conflict) => {
    const v = mergeVotes(ranges.map(([lo, hi], i) => ev(`p${i}`, 'REDUCING', [exposure(`p${i}`, 'BTC', lo, hi)])));
    expect(v.intents).toEqual([{ kind: 'target-exposure', asset: 'BTC', ...expected }]);
    expect(codes(v).includes('TARGET_EXPOSURE_CONFLICT')).toBe(conflict);
  });

  it('target-health: max per account; reduce-position: max per position; hedge-delta: nearest 0 per asset', () => {
    const v = mergeVotes([
      ev('a', 'REDUCING', [health('a', 'x', 1.5), cut('a', 'x', 1, 0.25), hedge('a', 'BTC', 1), hedge('a', 'ETH', -2)]),
      ev('b', 'REDUCING', [health('b', 'x', 1.2), health('b', 'w', 1.1), cut('b', 'x', 1, 0.5), cut('b', 'x', 0, 0.1), hedge('b', 'BTC', -1), hedge('b', 'ETH', 0.5)]),
    ]);
    // BTC hedges 1 and -1 tie on distance to 0: the first in config order wins
    expect(v.intents).toEqual([health('b', 'w', 1.1), health('a', 'x', 1.5), cut('b', 'x', 0, 0.1), cut('b', 'x', 1, 0.5), hedge('a', 'BTC', 1), hedge('b', 'ETH', 0.5)]);
  });

  it('reduce-position keys sort by account then position number (10 after 9)', () => {
    const v = mergeVotes([ev('a', 'REDUCING', [cut('a', 'x', 10, 1), cut('a', 'x', 9, 1), cut('a', 'b', 3, 1)])]);
    expect(v.intents.map((i) => (i.kind === 'reduce-position' ? `${i.account}#${i.position}` : ''))).toEqual(['b#3', 'x#9', 'x#10']);
  });

  it('buy-protection: all kept in config order; per asset capped at the largest single budget and notional', () => {
    const v = mergeVotes([ev('a', 'ACTIVE', [put('a', 'BTC', 300, 1000)]), ev('b', 'ACTIVE', [put('b', 'BTC', 100, 1000), put('b', 'ETH', 50, 10)])]);
    expect(v.intents).toEqual([put('a', 'BTC', 225, 500), put('b', 'BTC', 75, 500), put('b', 'ETH', 50, 10)]);
    expect(codes(v)).toEqual(['A_CODE', 'B_CODE', 'BUY_PROTECTION_CAPPED']);
    expect(mergeVotes([ev('a', 'ACTIVE', [put('a', 'BTC', 300, 1000)])]).intents).toEqual([put('a', 'BTC', 300, 1000)]);
  });

  it.each([
    [[ev('a', 'ACTIVE', [up('a', 500)]), ev('b', 'ACTIVE', [up('b', 400)])], [up('b', 400)], []],
    [[ev('a', 'ACTIVE', [up('a', 500)]), ev('b', 'ACTIVE', [hedge('b', 'BTC', 0)])], [hedge('b', 'BTC', 0), up('a', 500)], []], // a hedge is not reducing
    [[ev('a', 'ACTIVE', [up('a', 500)]), ev('b', 'REDUCING')], [], ['INCREASE_GROSS_SUPPRESSED']], // state not ACTIVE
    [[ev('a', 'ACTIVE', [up('a', 500)]), ev('b', 'ACTIVE', [gross('b', 900)])], [gross('b', 900)], ['INCREASE_GROSS_SUPPRESSED']], // a reducing intent
    [[ev('a', 'ACTIVE', [up('a', 500)]), ev('b', 'ACTIVE', [health('b', 'x', 2)])], [health('b', 'x', 2)], ['INCREASE_GROSS_SUPPRESSED']],
  ])('increase-gross only when ACTIVE and nothing reduces (%#)', (evs, intents, notes) => {
    const v = mergeVotes(evs);
    expect(v.intents).toEqual(intents);
    expect(codes(v).filter((c) => c === 'INCREASE_GROSS_SUPPRESSED')).toEqual(notes);
  });

  it('intents ordered by kind whatever the policies emit', () => {
    const v = mergeVotes([ev('a', 'ACTIVE', [put('a', 'BTC', 1, 1), hedge('a', 'BTC', 0), cut('a', 'x', 0, 1), health('a', 'x', 2), exposure('a', 'BTC', 0, 1), gross('a', 5)])]);
    expect(v.intents.map((i) => i.kind)).toEqual(['target-gross', 'target-exposure', 'target-health', 'reduce-position', 'hedge-delta', 'buy-protection']);
  });

  it('is deterministic and does not depend on the order of intents within a kind', () => {
    const a = [ev('a', 'REDUCING', [health('a', 'z', 2), health('a', 'y', 3)]), ev('b', 'REDUCING', [health('b', 'y', 1)])];
    expect(mergeVotes(a)).toEqual(mergeVotes(a));
    expect(mergeVotes(a).intents).toEqual([health('a', 'y', 3), health('a', 'z', 2)]);
  });
});

describe('composePolicies on a real book', () => {
  // 1 BTC long from 100,000 on 100,000 USDT: equity = gross = BTC mark; health about 4,000 at 100,000
  const ctx = (equity: number, t = 0) => at({ collateral: 100000, prices: { BTC: equity }, positions: [{ asset: 'BTC', qty: 1, entry: 100000 }], highWaterMark: 100000 }, t);
  const policies = [
    healthGuard({ target: 1.5, boostAbove: 10 }),
    drawdownBreaker({ bands: [{ drawdown: 0.1, reduceTo: 0.5 }, { drawdown: 0.2, reduceTo: 0 }], haltAtZero: true }),
    exposureCaps({ maxGrossUsd: 80000 }),
  ];
  const all = composePolicies(policies);

  it('the boost survives only when nothing reduces', () => {
    const v = run(all, [ctx(100000)]).votes[0]!;
    expect(v.state).toBe('REDUCING'); // gross 100,000 above the 80,000 cap
    expect(codes(v)).toEqual(['HEALTH_BOOST', 'GROSS_CAP_EXCEEDED', 'INCREASE_GROSS_SUPPRESSED']);
    expect(v.intents).toEqual([gross('exposure-caps', 80000)]);
    const loose = composePolicies([healthGuard({ target: 1.5, boostAbove: 10 }), exposureCaps({ maxGrossUsd: 1e9 })]);
    expect(run(loose, [ctx(100000)]).votes[0]!.intents.map((i) => i.kind)).toEqual(['increase-gross']);
  });

  it('drawdown band 2: HALTED, the strictest target wins, state keyed by policy name', () => {
    const { votes, state } = run(all, [ctx(100000, 0), ctx(80000, 1)]);
    const v = votes[1]!;
    expect(v.state).toBe('HALTED');
    expect(codes(v)).toEqual(['HEALTH_BOOST', 'DRAWDOWN_BAND_2', 'INCREASE_GROSS_SUPPRESSED']);
    expect(v.intents).toEqual([gross('drawdown-breaker', 0)]);
    expect(Object.keys(state)).toEqual(['health-guard', 'drawdown-breaker', 'exposure-caps']);
    // reset only the breaker: latched manual band released, recovery resumes
    const after = all.reset(state, ctx(100000, 2), ['drawdown-breaker']);
    expect(run(all, [ctx(100000, 2)], after).votes[0]!.state).toBe('REDUCING'); // the cap still binds
  });

  it('evaluateAll returns each vote for explanation', () => {
    const r = all.evaluateAll(ctx(90000), all.initialState(ctx(90000)));
    expect(r.evaluations.map((e) => [e.policy, e.vote.state])).toEqual([
      ['health-guard', 'ACTIVE'],
      ['drawdown-breaker', 'REDUCING'],
      ['exposure-caps', 'REDUCING'],
    ]);
    expect(r.vote.intents).toEqual([gross('drawdown-breaker', 45000)]);
  });

  it('a policy that throws fails safe and keeps its state; the others still vote', () => {
    const broken: Policy<{ n: number }> = {
      type: 'broken',
      name: 'broken',
      initialState: () => ({ n: 1 }),
      evaluate: () => {
        throw new Error('boom');
      },
    };
    const c = composePolicies([broken, exposureCaps({ maxGrossUsd: 1e9 })]);
    const r = c.evaluateAll(ctx(100000), {});
    expect(r.vote.state).toBe('REDUCING');
    expect(r.vote.reasons).toEqual([{ policy: 'broken', code: 'POLICY_ERROR', message: 'policy failed, failing safe: Error: boom' }]);
    expect(r.state).toEqual({ broken: { n: 1 }, 'exposure-caps': null });
  });

  it('states of removed policies are dropped, new ones start fresh', () => {
    const r = all.evaluateAll(ctx(100000), { gone: { x: 1 } });
    expect(Object.keys(r.state)).toEqual(['health-guard', 'drawdown-breaker', 'exposure-caps']);
  });

  it('duplicate names are rejected', () => {
    expect(() => composePolicies([exposureCaps({ maxGrossUsd: 1 }), exposureCaps({ maxGrossUsd: 2 })])).toThrow(ValidationError);
    expect(() => composePolicies([exposureCaps({ maxGrossUsd: 1 }), exposureCaps({ maxGrossUsd: 2, name: 'caps-2' })])).not.toThrow();
  });
});

describe('a vote type check', () => {
  it('Vote is plain data', () => {
    const v: Vote = mergeVotes([ev('a', 'ACTIVE', [gross('a', 1)])]);
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
  });
});

describe('mergeVotes properties', () => {
  const states = fc.constantFrom<TradingState>('ACTIVE', 'REDUCING', 'HALTED');
  const account = fc.constantFrom('a', 'b', 'c');
  const asset = fc.constantFrom('BTC', 'ETH');
  const amount = fc.double({ min: 0, max: 1e6, noNaN: true });
  const intent = (policy: string): fc.Arbitrary<Intent> =>
    fc.oneof(
      amount.map((x) => gross(policy, x)),
      fc.tuple(asset, amount, amount).map(([a, x, y]) => exposure(policy, a, -x, y)),
      fc.tuple(account, fc.double({ min: 1, max: 3, noNaN: true })).map(([a, h]) => health(policy, a, h)),
      fc.tuple(account, fc.nat(3), fc.double({ min: 0, max: 1, noNaN: true })).map(([a, p, f]) => cut(policy, a, p, f)),
      fc.tuple(asset, fc.double({ min: -5, max: 5, noNaN: true })).map(([a, d]) => hedge(policy, a, d)),
      fc.tuple(asset, amount, amount).map(([a, b, n]) => put(policy, a, b, n)),
      amount.map((x) => up(policy, x)),
    );
  const evaluations = fc.array(fc.tuple(states, fc.nat(1000)), { maxLength: 6 }).chain((xs) =>
    fc.tuple(...xs.map(([s, i]) => fc.array(intent(`p${i}`), { maxLength: 5 }).map((intents) => ev(`p${i}`, s, intents)))),
  );

  it('strictest state; min gross; max health and cut per key; boost only when nothing reduces; kind order', () => {
    fc.assert(
      fc.property(evaluations, (evs) => {
        const v = mergeVotes(evs);
        const all = evs.flatMap((e) => e.vote.intents);
        const rank = { ACTIVE: 0, REDUCING: 1, HALTED: 2 } as const;
        expect(rank[v.state]).toBe(Math.max(0, ...evs.map((e) => rank[e.vote.state])));
        for (const i of v.intents) {
          if (i.kind === 'target-gross') expect(i.maxGrossUsd).toBe(Math.min(...all.flatMap((x) => (x.kind === 'target-gross' ? [x.maxGrossUsd] : []))));
          if (i.kind === 'target-health') expect(i.minHealth).toBe(Math.max(...all.flatMap((x) => (x.kind === 'target-health' && x.account === i.account ? [x.minHealth] : []))));
          if (i.kind === 'reduce-position')
            expect(i.fraction).toBe(Math.max(...all.flatMap((x) => (x.kind === 'reduce-position' && x.account === i.account && x.position === i.position ? [x.fraction] : []))));
          if (i.kind === 'target-exposure') expect(i.minUsd).toBeLessThanOrEqual(i.maxUsd);
        }
        const reducing = v.intents.some((i) => ['target-gross', 'target-exposure', 'target-health', 'reduce-position'].includes(i.kind));
        if (reducing || v.state !== 'ACTIVE') expect(v.intents.some((i) => i.kind === 'increase-gross')).toBe(false);
        const order = v.intents.map((i) => INTENT_ORDER.indexOf(i.kind));
        expect(order).toEqual([...order].sort((a, b) => a - b));
        expect(mergeVotes(evs)).toEqual(v);
      }),
    );
  });
});
