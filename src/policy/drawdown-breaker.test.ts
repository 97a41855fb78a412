import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.ts';
import { drawdownBreaker, type DrawdownBreakerConfig } from './drawdown-breaker.ts';
import { at, codes, run, type BookSpec } from './testkit.ts';
import type { Intent, Vote } from './types.ts';

/** 1 BTC long from 100,000 on 100,000 USDT: equity = gross exposure = the BTC mark, exactly. */
const book = (equity: number, extra: Partial<BookSpec> = {}): BookSpec => ({
  collateral: 100000,
  prices: { BTC: equity },
  positions: [{ asset: 'BTC', qty: 1, entry: 100000 }],
  ...extra,
});
/** The book at equity `equity`, time T0 + t; history.highWaterMark 100,000 unless `extra` says otherwise. */
const ctx = (equity: number, t = 0, extra: Partial<BookSpec> = {}) => at(book(equity, { highWaterMark: 100000, ...extra }), t);

const target = (v: Vote): number | undefined => v.intents.find((i): i is Extract<Intent, { kind: 'target-gross' }> => i.kind === 'target-gross')?.maxGrossUsd;

// Bands deliberately out of order: they are sorted by drawdown.
const twoBands: DrawdownBreakerConfig = { bands: [{ drawdown: 0.2, reduceTo: 0 }, { drawdown: 0.1, reduceTo: 0.5 }], resume: 'auto' };

describe('drawdown-breaker bands (trailing from history.highWaterMark 100,000)', () => {
  it.each([
    // equity, state, band code, target gross (reduceTo x gross at trip = reduceTo x equity here)
    [100000, 'ACTIVE', undefined, undefined],
    [90001, 'ACTIVE', undefined, undefined], // just below 10 %
    [90000, 'REDUCING', 'DRAWDOWN_BAND_1', 45000], // at 10 %: trips
    [89999, 'REDUCING', 'DRAWDOWN_BAND_1', 44999.5],
    [80001, 'REDUCING', 'DRAWDOWN_BAND_1', 40000.5], // just below 20 %
    [80000, 'REDUCING', 'DRAWDOWN_BAND_2', 0], // at 20 %
    [50000, 'REDUCING', 'DRAWDOWN_BAND_2', 0],
  ] as const)('equity %d -> %s %s', (equity, state, code, gross) => {
    const p = drawdownBreaker(twoBands);
    const { votes } = run(p, [ctx(equity, 0, { highWaterMark: 100000 })]);
    const v = votes[0]!;
    expect(v.state).toBe(state);
    expect(v.reasons[0]?.code).toBe(code);
    expect(target(v)).toBe(gross);
  });

  it('reduceTo 0 votes HALTED only with haltAtZero', () => {
    const p = drawdownBreaker({ ...twoBands, haltAtZero: true });
    expect(run(p, [ctx(80000, 0, { highWaterMark: 100000 })]).votes[0]!.state).toBe('HALTED');
    expect(run(p, [ctx(80001, 0, { highWaterMark: 100000 })]).votes[0]!.state).toBe('REDUCING');
  });

  it('jumps straight to the deepest band reached', () => {
    const { votes, state } = run(drawdownBreaker(twoBands), [ctx(100000), ctx(70000)]);
    expect(codes(votes[1]!)).toEqual(['DRAWDOWN_BAND_2']);
    expect(state.band).toBe(2);
  });
});

describe('drawdown-breaker reference', () => {
  it('trailing: the high-water mark follows new highs', () => {
    const p = drawdownBreaker(twoBands);
    // 120,000 high, then 108,001 (just under 10 %) and 108,000 (10 %)
    expect(run(p, [ctx(100000), ctx(120000), ctx(108001)]).votes[2]!.state).toBe('ACTIVE');
    const { votes, state } = run(p, [ctx(100000), ctx(120000), ctx(108000)]);
    expect(votes[2]!.state).toBe('REDUCING');
    expect(state.reference).toBe(120000);
  });

  it('trailing: history.highWaterMark seeds the first evaluation only; state carries it afterwards', () => {
    const p = drawdownBreaker(twoBands);
    const { state } = run(p, [ctx(95000, 0, { highWaterMark: 100000 }), ctx(95000, 1, { highWaterMark: 50000 })]);
    expect(state.reference).toBe(100000);
  });

  it('fixed: drawdown from startEquity, new highs do not move it', () => {
    const p = drawdownBreaker({ ...twoBands, reference: 'fixed', startEquity: 100000 });
    const { votes } = run(p, [ctx(120000), ctx(108000), ctx(90001), ctx(90000)]);
    expect(votes.map((v) => v.state)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE', 'REDUCING']);
  });

  it('fixed without startEquity: from the first equity seen', () => {
    const p = drawdownBreaker({ ...twoBands, reference: 'fixed' });
    const { votes, state } = run(p, [ctx(110000, 0, { highWaterMark: 200000 }), ctx(99000)]);
    expect(state.reference).toBe(110000);
    expect(codes(votes[1]!)).toEqual(['DRAWDOWN_BAND_1']);
  });
});

describe('drawdown-breaker hysteresis (auto, no cooldown): bands 25 % -> 50 %, 50 % -> 0, hysteresis 12.5 %', () => {
  const p = drawdownBreaker({ bands: [{ drawdown: 0.25, reduceTo: 0.5 }, { drawdown: 0.5, reduceTo: 0 }], hysteresis: 0.125, resume: 'auto' });
  it.each([
    // from band 1 (tripped at 75,000): resume only below 25 % - 12.5 % = 12.5 % drawdown (equity above 87,500)
    [[100000, 75000, 75001], 1],
    [[100000, 75000, 87499], 1],
    [[100000, 75000, 87500], 1], // at the exit level: holds
    [[100000, 75000, 87501], 0], // just past it: resumes
    // from band 2 (tripped at 50,000): to band 1 below 37.5 %, to band 0 below 12.5 %, in one step without cooldown
    [[100000, 50000, 62500], 2],
    [[100000, 50000, 62501], 1],
    [[100000, 50000, 87500], 1],
    [[100000, 50000, 87501], 0],
  ] as const)('equities %j -> band %d', (equities, band) => {
    const { votes, state } = run(
      p,
      equities.map((e, i) => ctx(e, i)),
    );
    expect(state.band).toBe(band);
    expect(votes.at(-1)!.state).toBe(band > 0 ? 'REDUCING' : 'ACTIVE');
  });

  it('says when the hysteresis holds a band', () => {
    const { votes } = run(p, [ctx(100000, 0), ctx(75000, 1), ctx(87500, 2)]);
    expect(votes[2]!.reasons[0]!.message).toMatch(/held by hysteresis until drawdown < 12.50%/);
  });

  it('hysteresis at or above the smallest band is rejected (the breaker could never resume)', () => {
    expect(() => drawdownBreaker({ bands: [{ drawdown: 0.25, reduceTo: 0.5 }], hysteresis: 0.25 })).toThrow(/hysteresis: must be below the smallest band drawdown/);
  });
});

describe('drawdown-breaker cooldown (auto, cooldown 60 s)', () => {
  const p = drawdownBreaker({ bands: [{ drawdown: 0.25, reduceTo: 0.5 }, { drawdown: 0.5, reduceTo: 0 }], cooldownMs: 60000, resume: 'auto' });
  it.each([
    [59999, 1], // just before the cooldown ends: holds
    [60000, 0], // at the cooldown: steps down
    [60001, 0],
  ] as const)('tripped at t=0, recovered at t=%d -> band %d', (t, band) => {
    const { votes, state } = run(p, [ctx(75000, 0), ctx(100000, t)]);
    expect(state.band).toBe(band);
    if (band === 1) expect(votes[1]!.reasons[0]!.message).toMatch(/held by cooldown until 2024-03-01T00:01:00.000Z/);
  });

  it('steps down one band per cooldown', () => {
    const { votes } = run(p, [ctx(50000, 0), ctx(100000, 60000), ctx(100000, 119999), ctx(100000, 120000)]);
    expect(votes.map((v) => codes(v)[0])).toEqual(['DRAWDOWN_BAND_2', 'DRAWDOWN_BAND_1', 'DRAWDOWN_BAND_1', undefined]);
  });

  it('stepping up ignores the cooldown', () => {
    const { votes } = run(p, [ctx(75000, 0), ctx(50000, 1)]);
    expect(codes(votes[1]!)).toEqual(['DRAWDOWN_BAND_2']);
  });
});

describe('drawdown-breaker latch (manual, the default) and reset', () => {
  const p = drawdownBreaker({ bands: [{ drawdown: 0.25, reduceTo: 0.5 }] });

  it('stays tripped after a full recovery until reset, then resumes', () => {
    const r = run(p, [ctx(75000, 0), ctx(100000, 1), ctx(130000, 2)]);
    expect(r.votes.map((v) => v.state)).toEqual(['REDUCING', 'REDUCING', 'REDUCING']);
    expect(r.votes[2]!.reasons[0]!.message).toMatch(/latched/);
    expect(r.state.latched).toBe(true);
    const after = p.reset!(r.state, ctx(130000, 3));
    expect(after.latched).toBe(false);
    expect(run(p, [ctx(130000, 3)], after).votes[0]!.state).toBe('ACTIVE');
  });

  it('a reset in drawdown keeps the band (hysteresis rules) but unlatched: recovery then resumes without another reset', () => {
    const r = run(p, [ctx(75000, 0), ctx(70000, 1)]);
    const after = p.reset!(r.state, ctx(70000, 2));
    const r2 = run(p, [ctx(70000, 2), ctx(100000, 3)], after);
    expect(r2.votes.map((v) => v.state)).toEqual(['REDUCING', 'ACTIVE']);
  });

  it('a new trip after a reset latches again', () => {
    const r = run(p, [ctx(75000, 0)]);
    const after = p.reset!(r.state, ctx(100000, 1));
    const r2 = run(p, [ctx(100000, 1), ctx(75000, 2), ctx(100000, 3)], after);
    expect(r2.votes.map((v) => v.state)).toEqual(['ACTIVE', 'REDUCING', 'REDUCING']);
    expect(r2.state.latched).toBe(true);
  });

  it('rebaseOnReset moves the reference to the current equity', () => {
    const q = drawdownBreaker({ bands: [{ drawdown: 0.25, reduceTo: 0.5 }], rebaseOnReset: true });
    const r = run(q, [ctx(100000, 0), ctx(75000, 1)]);
    const after = q.reset!(r.state, ctx(75000, 2));
    expect(after.reference).toBe(75000);
    expect(run(q, [ctx(75000, 2)], after).votes[0]!.state).toBe('ACTIVE');
    // without rebase the same reset keeps the 25 % drawdown
    const r3 = run(p, [ctx(100000, 0), ctx(75000, 1)]);
    expect(run(p, [ctx(75000, 2)], p.reset!(r3.state, ctx(75000, 2))).votes[0]!.state).toBe('REDUCING');
  });
});

describe('drawdown-breaker target gross', () => {
  it('is reduceTo x the gross when it tripped, not of the already reduced gross', () => {
    const p = drawdownBreaker({ bands: [{ drawdown: 0.25, reduceTo: 0.5 }, { drawdown: 0.5, reduceTo: 0.25 }], resume: 'auto' });
    // half the position closed: equity 50,000 + 0.5 x mark; at mark 50,000 equity is 75,000 with gross 25,000
    const reduced = at({ collateral: 100000, prices: { BTC: 50000 }, positions: [{ asset: 'BTC', qty: 0.5, entry: 100000 }] }, 1);
    expect(reduced.report.portfolio.equity).toBe(75000);
    const { votes } = run(p, [ctx(100000, 0), ctx(75000, 1), reduced, ctx(50000, 2)]);
    expect(votes.slice(1).map(target)).toEqual([37500, 37500, 18750]);
  });
});

describe('drawdown-breaker fail-safe', () => {
  const p = drawdownBreaker({ ...twoBands, haltAtZero: true, maxDataAgeMs: 60000 });
  it.each([
    [60000, 'ACTIVE', []],
    [60001, 'REDUCING', ['STALE_MARKET_DATA']],
    [Number.NaN, 'REDUCING', ['STALE_MARKET_DATA']],
  ] as const)('data age %d ms -> %s', (age, state, expected) => {
    const c = at(book(100000), 0, { dataAgeMs: age });
    const { votes, state: s } = run(p, [c]);
    expect(votes[0]!.state).toBe(state);
    expect(codes(votes[0]!)).toEqual(expected);
    if (expected.length > 0) expect(s).toEqual(p.initialState(c));
  });

  it('stale data never relaxes a tripped band: HALTED stays HALTED, state unchanged', () => {
    const tripped = run(p, [ctx(100000, 0), ctx(80000, 1)]);
    const stale = at(book(100000), 2, { dataAgeMs: 600000 });
    const r = p.evaluate(stale, tripped.state);
    expect(r.vote.state).toBe('HALTED');
    expect(codes(r.vote)).toEqual(['STALE_MARKET_DATA', 'DRAWDOWN_BAND_2']);
    expect(r.state).toEqual(tripped.state);
  });

  it('no positive equity to measure from: MISSING_INPUT', () => {
    // short 1 BTC from 100,000 on 50,000 USDT at a mark of 200,000: equity -50,000
    const c = at({ collateral: 50000, prices: { BTC: 200000 }, positions: [{ asset: 'BTC', qty: -1, entry: 100000 }] });
    expect(c.report.portfolio.equity).toBe(-50000);
    const v = run(p, [c]).votes[0]!;
    expect(v.state).toBe('REDUCING');
    expect(codes(v)).toEqual(['MISSING_INPUT']);
  });
});

describe('drawdown-breaker config', () => {
  it.each([
    [{ bands: [{ drawdown: 0.1, reduceTo: 0.5 }, { drawdown: 0.2, reduceTo: 0.6 }] }, 'bands[1].reduceTo'],
    [{ bands: [{ drawdown: 0.2, reduceTo: 0.5 }, { drawdown: 0.2, reduceTo: 0 }] }, 'bands[1].drawdown'],
    [{ bands: [{ drawdown: 1, reduceTo: 0.5 }] }, 'bands[0].drawdown'],
    [{ bands: [{ drawdown: 0.1, reduceTo: 1.5 }] }, 'bands[0].reduceTo'],
    [{ bands: [] }, 'bands'],
    [{ bands: [{ drawdown: 0.1, reduceTo: 0.5 }], startEquity: 1000 }, 'startEquity'],
    [{ bands: [{ drawdown: 0.1, reduceTo: 0.5, reduceto: 1 }] }, 'bands[0].reduceto'],
  ])('%j -> issue at %s', (config, path) => {
    try {
      drawdownBreaker(config);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => i.path)).toEqual([path]);
    }
  });
});

describe('drawdown-breaker quiet band (Policy.quiet)', () => {
  // After a walk of equities, any equity inside the band leaves state and vote unchanged; the band's edges are
  // within 1e-6 of where the state does change (trip, exit, new high).
  it('inside the band nothing changes; just outside something does (property)', async () => {
    const fc = await import('fast-check');
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 40_000, max: 130_000 }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom<'auto' | 'manual'>('auto', 'manual'),
        fc.constantFrom<'trailing' | 'fixed'>('trailing', 'fixed'),
        (walk, u, resume, reference) => {
          const p = drawdownBreaker({ bands: [{ drawdown: 0.1, reduceTo: 0.5 }, { drawdown: 0.25, reduceTo: 0 }], hysteresis: 0.02, resume, reference });
          const contexts = walk.map((e, i) => ctx(e, i * 60_000));
          const { votes, state } = run(p, contexts);
          const last = contexts.at(-1)!;
          const q = p.quiet!(last, state);
          if (q === null) return;
          const lo = Math.max(q.minEquity, 20_000);
          const hi = Math.min(q.maxEquity, 200_000);
          if (!(lo <= hi)) return;
          const e = lo + u * (hi - lo);
          const later = ctx(e, walk.length * 60_000 + 3_600_000);
          const r = p.evaluate(later, state);
          expect(r.state).toEqual(state);
          expect(r.vote.state).toBe(votes.at(-1)!.state);
          expect(r.vote.intents).toEqual(votes.at(-1)!.intents);
          // just outside a finite edge the state changes (the band is not needlessly narrow)
          for (const edge of [q.minEquity * (1 - 1e-6), q.maxEquity * (1 + 1e-6)]) {
            if (!Number.isFinite(edge) || edge < 1000) continue;
            expect(p.evaluate(ctx(edge, walk.length * 60_000 + 3_600_000), state).state).not.toEqual(state);
          }
        },
      ),
    );
  });

  it.each([
    // equity walk, band held, [minEquity, maxEquity] (trailing reference 100,000 from history)
    [[100000], 0, [90000, 100000]],
    [[95000], 0, [90000, 100000]],
    [[89000], 1, [75000, 92000]], // band 1 (10 %): exit below 8 % drawdown, next trip at 25 %
    [[70000], 2, [-Infinity, 77000]], // band 2 (25 %): exit below 23 %
  ] as const)('after %j: band %d, quiet in %j (auto resume)', (walk, band, [lo, hi]) => {
    const p = drawdownBreaker({ bands: [{ drawdown: 0.1, reduceTo: 0.5 }, { drawdown: 0.25, reduceTo: 0 }], hysteresis: 0.02, resume: 'auto' });
    const contexts = walk.map((e) => ctx(e));
    const { state } = run(p, contexts);
    expect(state.band).toBe(band);
    const q = p.quiet!(contexts.at(-1)!, state)!;
    if (Number.isFinite(lo)) expect(q.minEquity).toBeCloseTo(lo, 3);
    else expect(q.minEquity).toBe(-Infinity);
    expect(q.maxEquity).toBeCloseTo(hi, 3);
    expect(q.until).toBe(Infinity);
  });

  it('no band on stale data', () => {
    const p = drawdownBreaker({ ...twoBands, maxDataAgeMs: 1000 });
    const c = ctx(100000);
    const { state } = run(p, [c]);
    expect(p.quiet!({ ...c, market: { ...c.market, dataAgeMs: 5000 } }, state)).toBeNull();
  });
});
