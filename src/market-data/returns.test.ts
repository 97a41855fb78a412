import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.ts';
import { jointReturns, type PriceInput } from './returns.ts';

const H = 3_600_000;
const T0 = Date.UTC(2020, 0, 1);
const series = (id: string, bars: readonly [number, number][]): PriceInput => ({
  id,
  timestamp: Float64Array.from(bars, ([i]) => T0 + i * H),
  close: Float64Array.from(bars, ([, c]) => c),
});

/** Reference: intersect with sets, then pair each common bar with the common bar one interval earlier. */
const naive = (inputs: readonly PriceInput[], log: boolean): { ts: number[]; cols: number[][] } => {
  const maps = inputs.map((s) => new Map(Array.from(s.timestamp, (t, i) => [t, s.close[i] as number])));
  const common = [...(maps[0]?.keys() ?? [])].filter((t) => maps.every((m) => m.has(t)));
  const ts = common.filter((t, k) => k > 0 && t - (common[k - 1] as number) === H);
  const cols = maps.map((m) => ts.map((t) => (log ? Math.log((m.get(t) as number) / (m.get(t - H) as number)) : (m.get(t) as number) / (m.get(t - H) as number) - 1)));
  return { ts, cols };
};

describe('jointReturns', () => {
  it('inner-joins on timestamps and never returns across a gap', () => {
    const a = series('A', [[0, 100], [1, 110], [2, 99], [3, 100], [4, 120]]);
    const b = series('B', [[1, 10], [2, 12], [4, 6], [5, 7]]);
    const r = jointReturns([a, b], { method: 'simple', intervalMs: H });
    expect(r.ids).toEqual(['A', 'B']);
    expect(r.commonBars).toBe(3); // bars 1, 2, 4
    expect(r.skippedAcrossGaps).toBe(1); // 2 -> 4 spans B's missing bar 3
    expect([...r.timestamps]).toEqual([T0 + 2 * H]);
    expect(r.returns.map((c) => [...c])).toEqual([[99 / 110 - 1], [12 / 10 - 1]]);
  });

  it('log returns are ln(c1 / c0) and sum to the log of the whole move', () => {
    const a = series('A', [[0, 100], [1, 200], [2, 50]]);
    const r = jointReturns([a], { method: 'log', intervalMs: H });
    expect([...(r.returns[0] as Float64Array)]).toEqual([Math.log(2), Math.log(0.25)]);
    expect((r.returns[0] as Float64Array).reduce((x, y) => x + y, 0)).toBeCloseTo(Math.log(0.5), 14);
  });

  it('gives empty columns when nothing overlaps', () => {
    const r = jointReturns([series('A', [[0, 1], [1, 2]]), series('B', [[5, 1], [6, 2]])], { method: 'log', intervalMs: H });
    expect(r.commonBars).toBe(0);
    expect(r.timestamps.length).toBe(0);
    expect(r.returns.map((c) => c.length)).toEqual([0, 0]);
  });

  it('rejects bad inputs, naming each', () => {
    const bad = (inputs: PriceInput[], intervalMs = H): string[] => {
      try {
        jointReturns(inputs, { method: 'log', intervalMs });
      } catch (e) {
        if (e instanceof ValidationError) return e.issues.map((i) => i.path);
        throw e;
      }
      throw new Error('expected a ValidationError');
    };
    expect(bad([])).toEqual(['inputs']);
    expect(bad([series('A', [[0, 1]])], 0)).toEqual(['intervalMs']);
    expect(bad([series('A', [[0, 1]]), series('A', [[0, 1]])])).toEqual(['[1].id']);
    expect(bad([series('A', [[0, 1], [1, 0], [2, Number.NaN]])])).toEqual(['[0].close[1]', '[0].close[2]']);
    expect(bad([series('A', [[1, 1], [0, 1]])])).toEqual(['[0].timestamp[1]']);
    expect(bad([{ id: 'A', timestamp: [T0, T0 + H], close: [1] }])).toEqual(['[0]']);
  });

  it('matches a set-based reference for any series with holes (property)', () => {
    const oneSeries = fc.array(fc.tuple(fc.boolean(), fc.double({ min: 0.01, max: 1e6, noNaN: true })), { maxLength: 60 });
    fc.assert(
      fc.property(fc.array(oneSeries, { minLength: 1, maxLength: 4 }), fc.boolean(), (raw, log) => {
        const inputs = raw.map((bars, j) => series(`S${j}`, bars.flatMap(([keep, c], i): [number, number][] => (keep ? [[i, c]] : []))));
        const r = jointReturns(inputs, { method: log ? 'log' : 'simple', intervalMs: H });
        const ref = naive(inputs, log);
        expect([...r.timestamps]).toEqual(ref.ts);
        expect(r.returns.map((c) => [...c])).toEqual(ref.cols);
        expect(r.returns.every((c) => c.length === r.timestamps.length)).toBe(true);
        expect(r.skippedAcrossGaps).toBe(Math.max(0, r.commonBars - 1 - r.timestamps.length));
      }),
    );
  });

  it('is symmetric: reordering the inputs reorders the columns only (property)', () => {
    const prices = fc.array(fc.double({ min: 1, max: 1e5, noNaN: true }), { minLength: 2, maxLength: 40 });
    fc.assert(
      fc.property(prices, prices, fc.nat(5), (pa, pb, shift) => {
        const a = series('A', pa.map((c, i) => [i, c]));
        const b = series('B', pb.map((c, i) => [i + shift, c]));
        const ab = jointReturns([a, b], { method: 'log', intervalMs: H });
        const ba = jointReturns([b, a], { method: 'log', intervalMs: H });
        expect([...ab.timestamps]).toEqual([...ba.timestamps]);
        expect(ab.returns.map((c) => [...c])).toEqual([...ba.returns].reverse().map((c) => [...c]));
      }),
    );
  });
});
