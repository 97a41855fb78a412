import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.ts';
import { loadSeriesText, toleranceFor } from './load.ts';
import { MarketDataError } from './parse.ts';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const funding = (ts: readonly number[]): string => `timestamp,funding_rate\n${ts.map((t) => `${t},1e-4`).join('\n')}\n`;
const bars = (ts: readonly number[]): string => `timestamp,open,high,low,close,volume\n${ts.map((t) => `${t},1,1,1,1,1`).join('\n')}\n`;

const caught = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
};

describe('loadSeriesText', () => {
  it('with a given interval: checks it, uses the kind tolerance and lists the gaps', () => {
    const d = loadSeriesText(funding([T0 + 16, T0 + 8 * H + 2, T0 + 32 * H - 5]), 'f.csv', 'funding', 8 * H);
    expect(d).toMatchObject({ source: 'f.csv', intervalMs: 8 * H, intervalInferred: false, toleranceMs: 1000 });
    expect(d.series.kind).toBe('funding');
    expect(d.gaps).toEqual([{ from: T0 + 8 * H + 2, to: T0 + 32 * H - 5, missingBars: 2 }]);
  });

  it('bars get no tolerance: one ms off the grid is an error', () => {
    expect(caught(() => loadSeriesText(bars([T0, T0 + H + 1]), 'b.csv', 'ohlcv', H))).toBeInstanceOf(MarketDataError);
  });

  it('infers a missing interval from the most common step, says so, and still checks every step', () => {
    const d = loadSeriesText(bars([T0, T0 + H, T0 + 2 * H, T0 + 5 * H]), 'b.csv', 'ohlcv');
    expect(d).toMatchObject({ intervalMs: H, intervalInferred: true, toleranceMs: 0 });
    expect(d.gaps).toEqual([{ from: T0 + 2 * H, to: T0 + 5 * H, missingBars: 2 }]);
    const e = caught(() => loadSeriesText(bars([T0, T0 + H, T0 + 2 * H, T0 + 3.5 * H]), 'b.csv', 'ohlcv'));
    expect(e).toBeInstanceOf(MarketDataError);
    expect((e as MarketDataError).message).toMatch(/^b\.csv \(interval 3600000 ms inferred\): 1 invalid value\n {2}- line 5, column 1 \(timestamp\)/);
  });

  it('asks for the interval when it cannot be inferred, and rejects a bad one', () => {
    const one = caught(() => loadSeriesText(bars([T0]), 'one.csv', 'ohlcv'));
    expect(one).toBeInstanceOf(ValidationError);
    expect((one as ValidationError).issues[0]?.path).toBe('interval');
    for (const bad of [0, -H, 1.5, Number.NaN]) expect(caught(() => loadSeriesText(bars([T0]), 'b.csv', 'ohlcv', bad))).toBeInstanceOf(ValidationError);
  });

  it('caps the tolerance at a quarter interval', () => {
    expect(toleranceFor('funding', 8 * H)).toBe(1000);
    expect(toleranceFor('funding', 2000)).toBe(500);
    expect(toleranceFor('ohlcv', H)).toBe(0);
  });
});
