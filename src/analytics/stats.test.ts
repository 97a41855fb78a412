import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.ts';
import { equityCurve, returnsFromEquity } from './series.ts';
import {
  annualVolatility,
  cagr,
  calmar,
  downsideDeviation,
  drawdownOfEquity,
  drawdownOfReturns,
  maxDrawdown,
  performanceStats,
  performanceStatsOfEquity,
  sharpe,
  sortino,
} from './stats.ts';

/** |actual - expected| <= rel * max(1, |expected|); exact match required for infinities. */
const close = (actual: number, expected: number, rel = 1e-12): void => {
  if (!Number.isFinite(expected)) return void expect(actual).toBe(expected);
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
};
const pct = (xs: number[]): number[] => xs.map((x) => x / 100);

/**
 * empyrical test_stats.py fixtures (reference doc §3a). mixed_returns = [NaN, 1, 10, -4, 2, 3, 2, 1, -10] / 100.
 * We reject NaN, so each expectation is reproduced on what empyrical actually computes it from:
 * - compounding (annual_return, max_drawdown, calmar) fills NaN with 0 and counts the period: MIXED_FILLED;
 * - means and deviations (annual_volatility, sharpe, downside_risk, sortino) drop it: MIXED_DROPPED.
 */
const MIXED_FILLED = pct([0, 1, 10, -4, 2, 3, 2, 1, -10]);
const MIXED_DROPPED = pct([1, 10, -4, 2, 3, 2, 1, -10]);
/** weekly_returns and monthly_returns are the same values as MIXED_FILLED, annualised with 52 and 12. */
const WEEKLY = { periodsPerYear: 52 };
const MONTHLY = { periodsPerYear: 12 };
const DAILY = { periodsPerYear: 252 };
const POSITIVE = pct([1, 2, 1, 1, 1, 1, 1, 1, 1]);
const NEGATIVE = pct([0, -6, -7, -1, -9, -2, -6, -8, -5]);
const SIMPLE_BENCHMARK = pct([1, 1, 1, 1, 1, 1, 1, 1, 1]);

describe('empyrical published expectations (test_stats.py)', () => {
  it('max_drawdown', () => {
    close(maxDrawdown(MIXED_FILLED), -0.1);
    close(maxDrawdown(MIXED_DROPPED), -0.1);
    close(maxDrawdown(pct([10, -10, 10])), -0.1);
    expect(maxDrawdown(POSITIVE)).toBe(0);
    close(maxDrawdown(NEGATIVE), -0.365907303498736);
    expect(maxDrawdown(SIMPLE_BENCHMARK)).toBe(0);
    expect(maxDrawdown(pct([1]))).toBe(0);
    expect(maxDrawdown([])).toBeNaN();
  });

  it('annual_return (CAGR counts every period)', () => {
    close(cagr(MIXED_FILLED, DAILY), 1.9135925373194231);
    close(cagr(MIXED_FILLED, WEEKLY), 0.24690830513998208);
    close(cagr(MIXED_FILLED, MONTHLY), 0.052242061386048144);
  });

  it('annual_volatility (ddof 1)', () => {
    close(annualVolatility(MIXED_DROPPED, DAILY), 0.9136465399704637);
    close(annualVolatility(MIXED_FILLED, WEEKLY), 0.38851569394870583);
    close(annualVolatility(MIXED_FILLED, MONTHLY), 0.18663690238892558);
    close(annualVolatility(SIMPLE_BENCHMARK, DAILY), 0);
  });

  it('calmar_ratio', () => {
    close(calmar(MIXED_FILLED, DAILY), 19.135925373194233);
    close(calmar(MIXED_FILLED, WEEKLY), 2.4690830513998208);
    close(calmar(MIXED_FILLED, MONTHLY), 0.52242061386048144);
    expect(calmar([], DAILY)).toBeNaN();
    expect(calmar(pct([1]), DAILY)).toBeNaN();
  });

  it('sharpe_ratio (rf per period, constant or a series)', () => {
    close(sharpe(MIXED_DROPPED, DAILY), 1.7238613961706866);
    // newer test_stats.py: simple_benchmark = [0, 1, 0, 1, 0, 1, 0, 1, 0] / 100 aligned on mixed_returns (NaN row dropped)
    close(sharpe(MIXED_DROPPED, { ...DAILY, riskFree: pct([1, 0, 1, 0, 1, 0, 1, 0]) }), 0.34111411441060574);
    close(sharpe(POSITIVE, DAILY), 52.915026221291804);
    close(sharpe(NEGATIVE, DAILY), -24.406808633910085);
    expect(sharpe([], DAILY)).toBeNaN();
    expect(sharpe(pct([1]), DAILY)).toBeNaN();
    expect(sharpe(MIXED_DROPPED, { ...DAILY, riskFree: MIXED_DROPPED })).toBeNaN();
  });

  it('downside_risk (mean over all periods)', () => {
    close(downsideDeviation(MIXED_DROPPED, DAILY), 0.60448325038829653);
    close(downsideDeviation(MIXED_DROPPED, { ...DAILY, mar: 0.1 }), 1.7161730681956295);
    close(downsideDeviation(MIXED_FILLED, WEEKLY), 0.25888650451930134);
    close(downsideDeviation(MIXED_FILLED, { ...WEEKLY, mar: 0.1 }), 0.7733045971672482);
    close(downsideDeviation(MIXED_FILLED, MONTHLY), 0.1243650540411842);
    close(downsideDeviation(MIXED_FILLED, { ...MONTHLY, mar: 0.1 }), 0.37148351242013422);
    expect(downsideDeviation(pct([1]), DAILY)).toBe(0);
    expect(downsideDeviation([], DAILY)).toBeNaN();
  });

  it('sortino_ratio', () => {
    close(sortino(MIXED_DROPPED, DAILY), 2.605531251673693);
    close(sortino(MIXED_DROPPED, { ...DAILY, mar: 0.01 }), -1.3934779588919977); // MAR = flat_line_1 (0.01 each period)
    close(sortino(NEGATIVE, DAILY), -13.532743075043401);
    close(sortino(MIXED_FILLED, WEEKLY), 1.1158901056866439);
    close(sortino(MIXED_FILLED, MONTHLY), 0.53605626741889756);
    expect(sortino(POSITIVE, DAILY)).toBe(Infinity);
    expect(sortino(SIMPLE_BENCHMARK, DAILY)).toBe(Infinity);
    expect(sortino([0, 0, 0, 0, 0, 0, 0, 0], DAILY)).toBeNaN();
    expect(sortino([], DAILY)).toBeNaN();
    expect(sortino(pct([1]), DAILY)).toBeNaN();
  });
});

/** Reference doc §3b: our own fixed series, ann 365 (the default), expected values from numpy. */
const R3B = [
  0.012, -0.034, 0.021, 0.005, -0.051, 0.017, -0.008, 0.029, -0.022, 0.014, -0.063, 0.038, 0.009, -0.015, 0.026, -0.041, 0.033, 0.004, -0.019, 0.022,
];
const REL_3B = 1e-11; // the table prints 12 significant digits

describe('fixed series (reference §3b, ann 365)', () => {
  it('final equity', () => {
    close(equityCurve(R3B)[20]!, 0.969225231398, REL_3B);
  });

  it('max drawdown, trough after r[10], peak after r[0]', () => {
    const d = drawdownOfReturns(R3B);
    close(d.maxDrawdown.value, -0.0925983948052, REL_3B);
    // curve index k = after k periods: the trough "at index 10" of the returns is curve index 11
    expect(d.maxDrawdown.troughIndex).toBe(11);
    expect(d.maxDrawdown.peakIndex).toBe(1);
  });

  it('longest underwater run: 19 periods, never recovered (open drawdown)', () => {
    const d = drawdownOfReturns(R3B);
    expect(d.longest).toEqual({ peakIndex: 1, recoveryIndex: null, periods: 19, depth: d.maxDrawdown.value });
    expect(d.open).toEqual(d.longest);
    expect(d.timeUnderWater).toBe(19 / 20);
    const s = performanceStats(R3B);
    expect(s.maxDrawdownDuration).toBe(19);
    expect(s.maxDrawdownDurationOpen).toBe(true);
  });

  it('CAGR, Calmar, downside deviation, Sortino, volatility, Sharpe', () => {
    close(cagr(R3B), -0.434736448135, REL_3B);
    close(calmar(R3B), -4.69485944168, REL_3B);
    close(downsideDeviation(R3B), 0.438603750554, REL_3B);
    close(sortino(R3B), -0.957014160207, REL_3B);
    close(annualVolatility(R3B), 0.558560214442, REL_3B);
    close(sharpe(R3B), -0.751485675397, REL_3B);
  });

  it('performanceStats gathers the same numbers, from returns and from the equity curve', () => {
    const s = performanceStats(R3B);
    expect(s.periods).toBe(20);
    expect(s.periodsPerYear).toBe(365);
    close(s.maxDrawdown.value, -0.0925983948052, REL_3B);
    close(s.cagr, -0.434736448135, REL_3B);
    close(s.calmar, -4.69485944168, REL_3B);
    close(s.sortino, -0.957014160207, REL_3B);
    close(s.annualVolatility, 0.558560214442, REL_3B);
    close(s.sharpe, -0.751485675397, REL_3B);
    const e = performanceStatsOfEquity(equityCurve(R3B).map((x) => 1000 * x));
    expect(e.maxDrawdownDuration).toBe(19);
    expect(e.maxDrawdown.troughIndex).toBe(11);
    for (const k of ['cagr', 'calmar', 'sortino', 'annualVolatility', 'sharpe', 'timeUnderWater'] as const) close(e[k], s[k], 1e-12);
  });
});

describe('drawdown episodes', () => {
  it('peak-to-recovery counts the periods from the peak to the first point back at it', () => {
    const d = drawdownOfEquity([100, 90, 95, 100, 120, 110, 121, 80]);
    expect(d.maxDrawdown).toEqual({ value: (80 - 121) / 121, peakIndex: 6, troughIndex: 7 });
    // spells: 0 -> 3 (3 periods), 4 -> 6 (2 periods), 6 -> open (1 period)
    expect(d.longest).toEqual({ peakIndex: 0, recoveryIndex: 3, periods: 3, depth: -0.1 });
    expect(d.open).toEqual({ peakIndex: 6, recoveryIndex: null, periods: 1, depth: (80 - 121) / 121 });
    expect(d.timeUnderWater).toBe(4 / 7);
  });

  it('a flat stretch at the high keeps the latest index as the peak', () => {
    const d = drawdownOfEquity([1, 2, 2, 1, 2]);
    expect(d.maxDrawdown).toEqual({ value: -0.5, peakIndex: 2, troughIndex: 3 });
    expect(d.longest).toEqual({ peakIndex: 2, recoveryIndex: 4, periods: 2, depth: -0.5 });
    expect(d.open).toBeNull();
  });

  it('a loss in the first period is measured from the starting capital (curve index 0)', () => {
    const d = drawdownOfReturns([-0.1, 0.05]);
    close(d.maxDrawdown.value, -0.1);
    expect(d.maxDrawdown.peakIndex).toBe(0);
    expect(d.open?.periods).toBe(2);
  });

  it('a -100 % return is a total loss', () => {
    expect(maxDrawdown([0.5, -1, 0.2])).toBe(-1);
    expect(cagr([0.5, -1, 0.2])).toBe(-1);
  });
});

describe('input validation', () => {
  const issuesOf = (f: () => unknown): readonly { path: string; value: unknown }[] => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return (e as ValidationError).issues;
    }
    throw new Error('expected a ValidationError');
  };

  it('NaN is rejected with its index (empyrical would silently treat it as 0)', () => {
    const bad = [0.01, NaN, 0.02, Infinity];
    for (const f of [maxDrawdown, cagr, annualVolatility, sharpe, sortino, calmar, downsideDeviation, performanceStats]) {
      expect(issuesOf(() => f(bad)).map((i) => i.path)).toEqual(['returns[1]', 'returns[3]']);
    }
    expect(() => performanceStats(new Float64Array([0.1, NaN]))).toThrow(/returns\[1\]: not a finite number \(got NaN\)/);
  });

  it('returns below -100 % and non-positive equity are rejected', () => {
    expect(issuesOf(() => cagr([0.1, -1.5]))).toMatchObject([{ path: 'returns[1]', value: -1.5 }]);
    expect(issuesOf(() => performanceStatsOfEquity([100, 0, 50]))).toMatchObject([{ path: 'equity[1]', value: 0 }]);
    expect(issuesOf(() => drawdownOfEquity([100, -5]))).toMatchObject([{ path: 'equity[1]', value: -5 }]);
  });

  it('a long run of bad values lists the first ten and counts the rest', () => {
    const issues = issuesOf(() => cagr(new Array<number>(25).fill(NaN)));
    expect(issues).toHaveLength(11);
    expect(issues[10]).toMatchObject({ path: 'returns', value: '25 invalid values' });
  });

  it('periodsPerYear, MAR and risk-free must be usable', () => {
    expect(issuesOf(() => cagr([0.1], { periodsPerYear: 0 }))).toMatchObject([{ path: 'periodsPerYear', value: 0 }]);
    expect(issuesOf(() => sharpe([0.1, 0.2], { periodsPerYear: NaN }))).toMatchObject([{ path: 'periodsPerYear' }]);
    expect(issuesOf(() => sortino([0.1, 0.2], { mar: NaN }))).toMatchObject([{ path: 'mar' }]);
    expect(issuesOf(() => sharpe([0.1, 0.2], { riskFree: [0.01] }))).toMatchObject([{ path: 'riskFree', value: 1 }]);
    expect(issuesOf(() => sharpe([0.1, 0.2], { riskFree: [0.01, NaN] }))).toMatchObject([{ path: 'riskFree[1]' }]);
  });
});

describe('properties', () => {
  const ret = fc.double({ min: -0.99, max: 3, noNaN: true });
  const returns = fc.array(ret, { minLength: 1, maxLength: 200 });
  const returns2 = fc.array(ret, { minLength: 2, maxLength: 200 });
  /** Small returns, so that scaling by up to 10 or negating keeps every return >= -100 %. */
  const small2 = fc.array(fc.double({ min: -0.09, max: 0.09, noNaN: true }), { minLength: 2, maxLength: 200 });
  const equity = fc.array(fc.double({ min: 1e-3, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 200 });

  it('max drawdown lies in [-1, 0]; time under water in [0, 1]; durations within the sample', () => {
    fc.assert(
      fc.property(returns, (r) => {
        const d = drawdownOfReturns(r);
        expect(d.maxDrawdown.value).toBeGreaterThanOrEqual(-1);
        expect(d.maxDrawdown.value).toBeLessThanOrEqual(0);
        expect(d.timeUnderWater).toBeGreaterThanOrEqual(0);
        expect(d.timeUnderWater).toBeLessThanOrEqual(1);
        const longest = d.longest?.periods ?? 0;
        expect(longest).toBeLessThanOrEqual(r.length);
        expect(longest > 0).toBe(d.maxDrawdown.value < 0);
        // a spell of p periods holds p - 1 underwater points (p if still open): never more than all of them
        expect((d.longest?.recoveryIndex === null ? longest : longest - 1) / r.length).toBeLessThanOrEqual(d.timeUnderWater);
        if (d.maxDrawdown.value < 0) expect(d.maxDrawdown.peakIndex).toBeLessThan(d.maxDrawdown.troughIndex);
        else expect(d.maxDrawdown).toEqual({ value: 0, peakIndex: 0, troughIndex: 0 });
      }),
    );
  });

  it('scaling the equity curve leaves the drawdown unchanged', () => {
    fc.assert(
      fc.property(equity, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (e, c) => {
        const a = drawdownOfEquity(e);
        const b = drawdownOfEquity(e.map((x) => c * x));
        // any scale: the same depth up to rounding (two nearly equal points may round to a tie, so indices can move)
        close(b.maxDrawdown.value, a.maxDrawdown.value, 1e-12);
      }),
    );
    // with a power-of-two scale the multiplication is exact, so indices and durations match exactly
    fc.assert(
      fc.property(equity, fc.integer({ min: -20, max: 20 }), (e, k) => {
        expect(drawdownOfEquity(e.map((x) => x * 2 ** k))).toEqual(drawdownOfEquity(e));
      }),
    );
  });

  it('non-negative returns have no drawdown, no time under water and an undefined Calmar', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { minLength: 1, maxLength: 100 }), (r) => {
        const s = performanceStats(r);
        expect(s.maxDrawdown.value).toBe(0);
        expect(s.maxDrawdownDuration).toBe(0);
        expect(s.openDrawdown).toBeNull();
        expect(s.timeUnderWater).toBe(0);
        expect(s.calmar).toBeNaN();
      }),
    );
  });

  it('statistics of an equity curve equal those of its returns', () => {
    fc.assert(
      fc.property(equity, (e) => {
        const a = performanceStatsOfEquity(e);
        const b = performanceStats(returnsFromEquity(e));
        expect(a.periods).toBe(b.periods);
        for (const k of ['cagr', 'annualVolatility', 'sharpe', 'sortino'] as const) close(a[k], b[k], 1e-9);
        close(a.maxDrawdown.value, b.maxDrawdown.value, 1e-9);
      }),
    );
  });

  it('Sharpe is invariant to scaling returns by k > 0 and to shifting returns and risk-free together', () => {
    fc.assert(
      fc.property(small2, fc.double({ min: 0.1, max: 10, noNaN: true }), fc.double({ min: -0.05, max: 0.05, noNaN: true }), (r, k, shift) => {
        const s = sharpe(r);
        fc.pre(Number.isFinite(s) && annualVolatility(r) > 1e-6);
        close(sharpe(r.map((x) => x * k)), s, 1e-7);
        close(sharpe(r.map((x) => x + shift), { riskFree: shift }), s, 1e-7);
        close(sharpe(r.map((x) => -x)), -s, 1e-9);
      }),
    );
  });

  it('Sortino is invariant to scaling returns and MAR by k > 0 and to shifting both together', () => {
    fc.assert(
      fc.property(small2, fc.double({ min: 0.1, max: 10, noNaN: true }), fc.double({ min: -0.05, max: 0.05, noNaN: true }), (r, k, shift) => {
        const mar = 0.001;
        const s = sortino(r, { mar });
        fc.pre(Number.isFinite(s) && downsideDeviation(r, { mar }) > 1e-6);
        close(sortino(r.map((x) => x * k), { mar: mar * k }), s, 1e-7);
        close(sortino(r.map((x) => x + shift), { mar: mar + shift }), s, 1e-7);
      }),
    );
  });

  it('CAGR annualised over the sample length is the total return; volatility scales with sqrt(ann)', () => {
    fc.assert(
      fc.property(returns2, (r) => {
        const total = equityCurve(r)[r.length]! - 1;
        close(cagr(r, { periodsPerYear: r.length }), total, 1e-12);
        close(annualVolatility(r, { periodsPerYear: 4 * 252 }), 2 * annualVolatility(r, { periodsPerYear: 252 }), 1e-12);
      }),
    );
  });
});
