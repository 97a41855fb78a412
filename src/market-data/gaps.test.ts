import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countGaps, findGaps, inferInterval, spacingProblem } from './gaps.ts';

const H = 3_600_000;
const T0 = Date.UTC(2018, 1, 8);

describe('findGaps', () => {
  it('names the bars either side of each gap and counts the bars between (README convention)', () => {
    // README: "2018-02-08 00:00 -> 2018-02-09 10:00 (33 bars)".
    const ts = [T0 - H, T0, T0 + 34 * H, T0 + 35 * H, T0 + 37 * H];
    expect(findGaps(ts, H)).toEqual([
      { from: T0, to: T0 + 34 * H, missingBars: 33 },
      { from: T0 + 35 * H, to: T0 + 37 * H, missingBars: 1 },
    ]);
    expect(countGaps(findGaps(ts, H))).toEqual({ gaps: 2, missingBars: 34 });
  });

  it('finds nothing in a complete series, an empty one or a single row', () => {
    expect(findGaps(Float64Array.from({ length: 100 }, (_, i) => T0 + i * H), H)).toEqual([]);
    expect(findGaps([], H)).toEqual([]);
    expect(findGaps([T0], H)).toEqual([]);
  });

  it('ignores jitter within the tolerance, and counts periods around it', () => {
    const ts = [T0 + 16, T0 + 8 * H - 2, T0 + 16 * H + 29, T0 + 40 * H + 3];
    expect(findGaps(ts, 8 * H, 1000)).toEqual([{ from: T0 + 16 * H + 29, to: T0 + 40 * H + 3, missingBars: 2 }]);
  });

  it('rejects a bad interval or tolerance', () => {
    expect(() => findGaps([T0], 0)).toThrow(RangeError);
    expect(() => findGaps([T0], H, H / 2)).toThrow(RangeError);
    expect(() => findGaps([T0], H, -1)).toThrow(RangeError);
  });

  it('finds exactly the bars removed from a complete grid, jittered or not (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }),
        fc.uniqueArray(fc.nat(), { maxLength: 100 }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer(),
        (n, drop, jitterMax, seed) => {
          const removed = new Set(drop.map((d) => 1 + (d % (n - 2 || 1))).filter((i) => i < n - 1));
          const kept = Array.from({ length: n }, (_, i) => i).filter((i) => !removed.has(i));
          let s = seed;
          const jitter = (): number => ((s = (s * 1103515245 + 12345) | 0) >>> 0) % (jitterMax + 1) - Math.floor(jitterMax / 2);
          const ts = kept.map((i) => T0 + i * 8 * H + jitter());
          const gaps = findGaps(ts, 8 * H, 1000);
          expect(countGaps(gaps).missingBars).toBe(removed.size);
          for (const g of gaps) {
            expect(ts).toContain(g.from);
            expect(ts).toContain(g.to);
            expect(Math.round((g.to - g.from) / (8 * H)) - 1).toBe(g.missingBars);
          }
          expect(gaps.length).toBe(kept.filter((k, j) => j > 0 && k - (kept[j - 1] as number) > 1).length);
        },
      ),
    );
  });
});

describe('spacingProblem', () => {
  it('accepts one interval or several, within the tolerance', () => {
    expect(spacingProblem(H, H)).toBeUndefined();
    expect(spacingProblem(5 * H, H)).toBeUndefined();
    expect(spacingProblem(8 * H - 29, 8 * H, 1000)).toBeUndefined();
    expect(spacingProblem(24 * H + 999, 8 * H, 1000)).toBeUndefined();
  });

  it('rejects steps shorter than an interval and steps off the grid', () => {
    expect(spacingProblem(H / 2, H)).toBe(`only ${H / 2} ms after the previous row; the interval is 1h`);
    expect(spacingProblem(H - 1, H)).toBe(`only ${H - 1} ms after the previous row; the interval is 1h`);
    expect(spacingProblem(H + 1, H)).toBe(`${H + 1} ms after the previous row: not a whole number of 1h intervals`);
    expect(spacingProblem(8 * H + 1001, 8 * H, 1000)).toBe(`${8 * H + 1001} ms after the previous row: not a whole number of 8h intervals within 1000 ms`);
  });
});

describe('inferInterval', () => {
  it('is the most common step, rounded to seconds', () => {
    expect(inferInterval([T0, T0 + H, T0 + 2 * H, T0 + 5 * H])).toBe(H);
    expect(inferInterval([T0 + 16, T0 + 8 * H + 5, T0 + 16 * H - 2, T0 + 24 * H + 1])).toBe(8 * H);
  });

  it('prefers the shorter step on ties, and gives up without two rows or on sub-second steps', () => {
    expect(inferInterval([T0, T0 + H, T0 + 3 * H])).toBe(H);
    expect(inferInterval([T0])).toBeUndefined();
    expect(inferInterval([T0, T0 + 100, T0 + 200])).toBeUndefined();
  });
});
