import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MS_PER_YEAR } from '../model/types.ts';
import { liquidationBuffer } from './liquidation-buffer.ts';
import { at, codes, contextOf, run, type BookSpec } from './testkit.ts';
import type { Intent, Vote } from './types.ts';

/** 1 BTC long from 60,000 on 10,000 USDT, cross: distance to liquidation about 16 %. */
const spec = (collateral = 10000): BookSpec => ({ collateral, prices: { BTC: 60000 }, positions: [{ asset: 'BTC', qty: 1, entry: 60000 }] });
const base = at(spec());
const d = base.report.accounts[0]!.positions[0]!.distanceToLiquidation!;
const health = (v: Vote): number[] => v.intents.flatMap((i: Intent) => (i.kind === 'target-health' ? [i.minHealth] : []));

describe('liquidation-buffer: fixed minimum distance', () => {
  it('the book is about 16 % from liquidation', () => expect(d).toBeGreaterThan(0.15));
  it.each([
    [d * (1 - 1e-9), false],
    [d, false], // at the buffer: fine
    [d * (1 + 1e-9), true],
  ])('minDistance %d -> breached %s', (minDistance, breached) => {
    const v = run(liquidationBuffer({ minDistance }), [base]).votes[0]!;
    expect(v.state).toBe(breached ? 'REDUCING' : 'ACTIVE');
    expect(codes(v)).toEqual(breached ? ['LIQUIDATION_BUFFER_BREACHED'] : []);
    expect(health(v)).toHaveLength(breached ? 1 : 0);
  });
});

describe('liquidation-buffer: k sigma over the reaction time', () => {
  const reactionTimeMs = 3_600_000;
  const sigmaAt = d / (3 * Math.sqrt(reactionTimeMs / MS_PER_YEAR)); // vol that puts 3 sigma exactly at the distance
  it.each([
    [sigmaAt * (1 - 1e-9), false],
    [sigmaAt * (1 + 1e-9), true],
  ])('forecast vol %d -> breached %s', (vol, breached) => {
    const c = at(spec(), 0, { forecastVol: { BTC: vol } });
    expect(run(liquidationBuffer({ sigmas: 3, reactionTimeMs }), [c]).votes[0]!.state).toBe(breached ? 'REDUCING' : 'ACTIVE');
  });

  it('the larger of the two buffers applies', () => {
    const c = at(spec(), 0, { forecastVol: { BTC: sigmaAt * 0.5 } });
    expect(run(liquidationBuffer({ sigmas: 3, reactionTimeMs, minDistance: d * 1.01 }), [c]).votes[0]!.state).toBe('REDUCING');
    expect(run(liquidationBuffer({ sigmas: 3, reactionTimeMs, minDistance: d * 0.99 }), [c]).votes[0]!.state).toBe('ACTIVE');
  });

  it('no forecast vol: MISSING_INPUT (the fixed buffer still applies)', () => {
    const v = run(liquidationBuffer({ sigmas: 3, reactionTimeMs, minDistance: 0.5 }), [base]).votes[0]!;
    expect(v.state).toBe('REDUCING');
    expect(codes(v)).toEqual(['MISSING_INPUT', 'LIQUIDATION_BUFFER_BREACHED']);
    expect(health(v)).toHaveLength(1);
    const w = run(liquidationBuffer({ sigmas: 3, reactionTimeMs }), [base]).votes[0]!;
    expect(codes(w)).toEqual(['MISSING_INPUT']);
    expect(w.intents).toEqual([]);
  });
});

describe('liquidation-buffer: target health', () => {
  it('cross margin: topping up to the asked health puts the position at the buffer (one tier: exact)', () => {
    // 0.5 BTC (30,000 USD) stays in the first Binance tier down to the liquidation price
    const half = (collateral: number): BookSpec => ({ collateral, prices: { BTC: 60000 }, positions: [{ asset: 'BTC', qty: 0.5, entry: 60000 }] });
    const buffer = 0.25;
    const c = at(half(4000));
    const v = run(liquidationBuffer({ minDistance: buffer }), [c]).votes[0]!;
    const [h] = health(v);
    const a = c.report.accounts[0]!;
    // health = equity / maintenance: top up collateral to h x maintenance
    const topUp = h! * a.maintenanceMargin - a.equity;
    const after = at(half(4000 + topUp)).report.accounts[0]!;
    expect(after.healthFactor!).toBeCloseTo(h!, 9);
    expect(after.positions[0]!.distanceToLiquidation!).toBeCloseTo(buffer, 9);
  });

  it('targetHealth is a floor', () => {
    const v = run(liquidationBuffer({ minDistance: 0.25, targetHealth: 1000 }), [base]).votes[0]!;
    expect(health(v)).toEqual([1000]);
  });

  it('lending: at least 1 / (1 - buffer); one intent per account with the largest need', () => {
    const c = contextOf(readFileSync(new URL('../../examples/aave-loop.yaml', import.meta.url), 'utf8'));
    const v = run(liquidationBuffer({ minDistance: 0.3 }), [c]).votes[0]!;
    expect(v.state).toBe('REDUCING');
    expect(v.intents).toHaveLength(1);
    expect(health(v)[0]!).toBeGreaterThanOrEqual(1 / 0.7);
  });

  it('a stable asset (the borrowed USDC of a loop) needs no forecast vol', () => {
    const c = contextOf(readFileSync(new URL('../../examples/aave-loop.yaml', import.meta.url), 'utf8'), { forecastVol: { ETH: 0.7 } });
    const v = run(liquidationBuffer({ sigmas: 1, reactionTimeMs: 3_600_000 }), [c]).votes[0]!;
    expect(codes(v)).not.toContain('MISSING_INPUT');
    const w = run(liquidationBuffer({ sigmas: 1, reactionTimeMs: 3_600_000 }), [contextOf(readFileSync(new URL('../../examples/aave-loop.yaml', import.meta.url), 'utf8'))]).votes[0]!;
    expect(w.reasons.map((r) => r.message)).toEqual(['no forecast vol for ETH (needed for the 1-sigma buffer): not guessing']);
  });

  it('isolated margin: an estimate from the average maintenance rate', () => {
    const c = contextOf(readFileSync(new URL('../../examples/hyperliquid-iso.yaml', import.meta.url), 'utf8'));
    const v = run(liquidationBuffer({ minDistance: 0.2 }), [c]).votes[0]!;
    const breached = c.report.accounts[0]!.positions.filter((p) => p.distanceToLiquidation! < 0.2).length;
    expect(breached).toBeGreaterThan(1);
    expect(codes(v)).toEqual(Array<string>(breached).fill('LIQUIDATION_BUFFER_BREACHED'));
    expect(v.intents).toHaveLength(1);
    expect(health(v)[0]!).toBeGreaterThan(c.report.accounts[0]!.healthFactor!);
  });

  it('an already liquidatable position is breached whatever the buffer', () => {
    // 1 BTC long from 60,000 on 1,000 USDT at a mark of 58,000: equity -1,000
    const c = at({ collateral: 1000, prices: { BTC: 58000 }, positions: [{ asset: 'BTC', qty: 1, entry: 60000 }] });
    expect(c.report.accounts[0]!.positions[0]!.distanceToLiquidation!).toBeLessThan(0);
    const v = run(liquidationBuffer({ minDistance: 0.001 }), [c]).votes[0]!;
    expect(v.state).toBe('REDUCING');
    expect(v.reasons[0]!.message).toMatch(/liquidatable/);
    expect(health(v)[0]!).toBeGreaterThan(1);
  });
});

describe('liquidation-buffer config and fail-safe', () => {
  it.each([
    [{}, 'minDistance'],
    [{ sigmas: 2 }, 'reactionTimeMs'],
    [{ reactionTimeMs: 1000, minDistance: 0.1 }, 'sigmas'],
    [{ minDistance: 1.2 }, 'minDistance'],
  ])('%j -> issue at %s', (config, path) => {
    expect(() => liquidationBuffer(config)).toThrow(new RegExp(`- ${path}:`));
  });

  it('stale data: REDUCING STALE_MARKET_DATA, no intents', () => {
    const v = run(liquidationBuffer({ minDistance: 0.5 }), [at(spec(), 0, { dataAgeMs: 300001 })]).votes[0]!;
    expect(codes(v)).toEqual(['STALE_MARKET_DATA']);
    expect(v.intents).toEqual([]);
  });
});
