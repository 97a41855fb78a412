import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import btcFixture from '../../../test/fixtures/garch-btc.json' with { type: 'json' };
import simFixture from '../../../test/fixtures/garch-simulated.json' with { type: 'json' };
import { ValidationError } from '../../errors/index.ts';
import { loadDataset } from '../../io/market-file.ts';
import { logReturns, variance } from './conventions.ts';
import {
  fitGarch,
  garchFilter,
  garchForecast,
  garchLogLikelihood,
  initialVariance,
  MAX_PERSISTENCE,
  unconditionalVariance,
  type GarchFit,
  type GarchParams,
} from './garch.ts';

/** Reference note §3b fixed series. */
const R3B = [
  0.012, -0.034, 0.021, 0.005, -0.051, 0.017, -0.008, 0.029, -0.022, 0.014, -0.063, 0.038, 0.009, -0.015, 0.026, -0.041, 0.033, 0.004, -0.019, 0.022,
];
const P3B: GarchParams = { mu: 0, omega: 2e-5, alpha: 0.1, beta: 0.85 };

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
const PARAMS = ['mu', 'omega', 'alpha', 'beta'] as const;
type Param = (typeof PARAMS)[number];

interface FgarchFit {
  readonly mu: number;
  readonly omega: number;
  readonly alpha: number;
  readonly beta: number;
  readonly logLikelihood: number;
  readonly seRcd: Readonly<Record<Param, number>>;
  readonly predictSd: readonly number[];
}

/** Our fit against an fGarch fit of the same series: estimates within 1e-3 standard errors and 1e-4 relative. */
function expectAgreement(ours: GarchFit, ref: FgarchFit): void {
  for (const k of PARAMS) {
    expect(Math.abs(ours.params[k] - ref[k]), k).toBeLessThanOrEqual(1e-3 * ref.seRcd[k]);
    if (k !== 'mu') expect(rel(ours.params[k], ref[k]), k).toBeLessThan(1e-4);
  }
  // fGarch's optimum is ours up to its stopping tolerance: never better, and at most 1e-6 worse
  expect(ours.logLikelihood).toBeGreaterThanOrEqual(ref.logLikelihood - 1e-7);
  expect(ours.logLikelihood - ref.logLikelihood).toBeLessThan(1e-6);
}

/**
 * Standard errors: fGarch's default Hessian ("ropt", R optimHess) takes absolute steps of 1e-3 on its scaled
 * parameters, too coarse for a small omega or alpha (up to 3 % off); hessian = "rcd" takes relative steps of 1e-4,
 * below rounding noise for a mean near 0. Ours (relative 1e-3, absolute 1e-4 for the scaled mean, Richardson-
 * extrapolated) moves by ~1e-5 when the steps halve. So: within 0.1 % of the better of the two, within 5 % of both.
 */
function expectStandardErrors(fit: GarchFit, ref: { se: Record<Param, number>; seRcd: Record<Param, number> }): void {
  const se = fit.standardErrors;
  expect(se).not.toBeNull();
  for (const k of PARAMS) {
    const mine = se![k]!;
    expect(Math.min(rel(mine, ref.se[k]), rel(mine, ref.seRcd[k])), k).toBeLessThan(1e-3);
    expect(Math.max(rel(mine, ref.se[k]), rel(mine, ref.seRcd[k])), k).toBeLessThan(5e-2);
  }
}

describe('GARCH(1,1) filter at fixed parameters', () => {
  it('§3b row (zero mean, h1 = var(r, ddof 0)): h_last, next variance and log-likelihood', () => {
    const f = garchFilter(R3B, P3B, 'sample-variance');
    expect(f.h[0]).toBeCloseTo(0.0008120275, 17);
    expect(rel(f.h[19]!, 0.000657262965117)).toBeLessThan(1e-12);
    expect(rel(f.nextVariance, 0.000627073520349)).toBeLessThan(1e-12);
    expect(Math.abs(f.logLikelihood - 41.7467041936)).toBeLessThan(1e-9);
  });

  it("'fgarch' init is h1 = omega + (alpha + beta) mean(e²); it gives the §3b series a different likelihood", () => {
    const e2 = R3B.reduce((s, r) => s + r * r, 0) / R3B.length;
    const f = garchFilter(R3B, P3B, 'fgarch');
    expect(f.h[0]).toBeCloseTo(2e-5 + 0.95 * e2, 18);
    expect(garchLogLikelihood(R3B, P3B, { h1: 2e-5 + 0.95 * e2 })).toBe(f.logLikelihood);
    expect(Math.abs(f.logLikelihood - 41.7467041936)).toBeGreaterThan(1e-3);
    // 'sample-variance' ignores mu, 'fgarch' centres on it
    const shifted = { ...P3B, mu: 0.01 };
    expect(initialVariance(R3B, shifted, 'sample-variance')).toBe(variance(R3B, 0));
    expect(initialVariance(R3B, shifted, 'fgarch')).toBeCloseTo(2e-5 + 0.95 * (R3B.reduce((s, r) => s + (r - 0.01) ** 2, 0) / 20), 18);
  });

  it('the log-likelihood is the Gaussian density summed over the filtered variances', () => {
    const f = garchFilter(R3B, P3B);
    const ll = R3B.reduce((s, r, t) => s - 0.5 * (Math.log(2 * Math.PI * f.h[t]!) + (r * r) / f.h[t]!), 0);
    expect(f.logLikelihood).toBeCloseTo(ll, 11);
  });

  it('bad parameters, init or data are named', () => {
    expect(() => garchFilter(R3B, { ...P3B, omega: 0 })).toThrow(/omega: must be > 0 \(got 0\)/);
    expect(() => garchFilter(R3B, { ...P3B, alpha: -0.1, beta: Number.NaN })).toThrow(/2 invalid fields/);
    expect(() => garchFilter(R3B, P3B, { h1: -1 })).toThrow(/init: must be 'fgarch', 'sample-variance' or \{ h1 \} with h1 > 0 \(got -1\)/);
    expect(() => garchFilter([0.1, Number.POSITIVE_INFINITY], P3B)).toThrow(/returns\[1\]: not a finite number/);
    expect(() => garchFilter([], P3B)).toThrow(ValidationError);
  });
});

describe('GARCH(1,1) forecasts', () => {
  const p: GarchParams = { mu: 0, omega: 0.0107613, alpha: 0.153134, beta: 0.805974 };
  it('closed form equals the recursion h_{k} = omega + (alpha + beta) h_{k-1} and tends to the unconditional variance', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 2, noNaN: true }), fc.integer({ min: 1, max: 60 }), (h1, horizon) => {
        const f = garchForecast(p, h1, horizon);
        expect(f[0]).toBe(h1);
        let h = h1;
        for (let k = 1; k < horizon; k++) {
          h = p.omega + (p.alpha + p.beta) * h;
          expect(f[k]).toBeCloseTo(h, 13);
        }
      }),
    );
    const far = garchForecast(p, 0.15, 2000);
    expect(far[1999]).toBeCloseTo(unconditionalVariance(p), 14);
    expect(unconditionalVariance(p)).toBeCloseTo(0.0107613 / (1 - 0.153134 - 0.805974), 15);
  });
  it('non-stationary parameters forecast by the recursion; the horizon must be a whole number >= 1', () => {
    const igarch: GarchParams = { mu: 0, omega: 0.01, alpha: 0.2, beta: 0.8 };
    expect(unconditionalVariance(igarch)).toBe(Infinity);
    expect(Array.from(garchForecast(igarch, 1, 3))).toEqual([1, 1.01, 1.02]);
    expect(() => garchForecast(p, 1, 0)).toThrow(/horizon: must be a whole number >= 1 \(got 0\)/);
    expect(() => garchForecast(p, 1, 2.5)).toThrow(/horizon/);
  });
});

describe('GARCH(1,1) maximum likelihood vs R fGarch (committed simulated series, tools/fixtures/gen_garch.R)', () => {
  for (const c of simFixture.cases) {
    describe(c.id, () => {
      const fit = fitGarch(c.series);
      it('estimates and log-likelihood agree with fGarch', () => {
        expectAgreement(fit, c.fit);
        expect(fit.converged).toBe(true);
        expect(fit.atBound).toBe(false);
        expect(fit.observations).toBe(c.series.length);
      });
      it("the log-likelihood at fGarch's estimates is fGarch's own (same variance initialisation)", () => {
        expect(Math.abs(garchLogLikelihood(c.series, c.fit) - c.fit.logLikelihood)).toBeLessThan(1e-12 * Math.abs(c.fit.logLikelihood));
      });
      it("multi-step forecasts reproduce fGarch predict() at fGarch's estimates, and ours are within 1e-5", () => {
        const atRef = garchForecast(c.fit, garchFilter(c.series, c.fit).nextVariance, 5);
        atRef.forEach((h, k) => expect(rel(Math.sqrt(h), c.fit.predictSd[k]!)).toBeLessThan(1e-12));
        const mine = garchForecast(fit.params, fit.nextVariance, 5);
        mine.forEach((h, k) => expect(rel(Math.sqrt(h), c.fit.predictSd[k]!)).toBeLessThan(1e-5));
      });
      it('standard errors agree with one of fGarch\'s two numerical Hessians to 0.1 %, with both to 5 %', () => {
        expectStandardErrors(fit, c.fit);
      });
    });
  }

  const x = simFixture.cases[0]!.series;
  it('is scale equivariant: k·x gives k·mu, k²·omega, the same alpha and beta, LL - n ln k', () => {
    const base = fitGarch(x);
    for (const k of [1e-3, 100]) {
      const f = fitGarch(x.map((v) => v * k));
      expect(rel(f.params.mu, base.params.mu * k)).toBeLessThan(1e-4);
      expect(rel(f.params.omega, base.params.omega * k * k)).toBeLessThan(1e-4);
      expect(rel(f.params.alpha, base.params.alpha)).toBeLessThan(1e-4);
      expect(rel(f.params.beta, base.params.beta)).toBeLessThan(1e-4);
      expect(f.logLikelihood).toBeCloseTo(base.logLikelihood - x.length * Math.log(k), 6);
    }
  });
  it('is a maximum: no nearby admissible point has a higher likelihood', () => {
    const fit = fitGarch(x);
    const unit = fc.double({ min: -1, max: 1, noNaN: true });
    fc.assert(
      fc.property(fc.tuple(unit, unit, unit, unit), ([a, b, c, d]) => {
        const p = fit.params;
        const q = { mu: p.mu + a * 1e-3, omega: p.omega * (1 + b * 1e-2), alpha: p.alpha * (1 + c * 1e-2), beta: p.beta * (1 + d * 1e-3) };
        expect(garchLogLikelihood(x, q)).toBeLessThanOrEqual(fit.logLikelihood + 1e-9);
      }),
      { numRuns: 50 },
    );
  });
  it('zero-mean and sample-variance options: each optimum beats the other fit under its own convention', () => {
    const full = fitGarch(x);
    const zero = fitGarch(x, { includeMean: false });
    expect(zero.params.mu).toBe(0);
    expect(zero.standardErrors?.mu).toBeNull();
    expect(zero.logLikelihood).toBeLessThan(full.logLikelihood);
    expect(zero.logLikelihood).toBeGreaterThanOrEqual(garchLogLikelihood(x, { ...full.params, mu: 0 }) - 1e-9);
    const sv = fitGarch(x, { init: 'sample-variance' });
    expect(sv.init).toBe('sample-variance');
    expect(sv.h[0]).toBe(variance(x, 0));
    expect(sv.logLikelihood).toBeGreaterThanOrEqual(garchLogLikelihood(x, full.params, 'sample-variance') - 1e-9);
    expect(full.logLikelihood).toBeGreaterThanOrEqual(garchLogLikelihood(x, sv.params, 'fgarch') - 1e-9);
  });
  it('rejects too little data, a constant series and a bad init', () => {
    expect(() => fitGarch(R3B.slice(0, 9))).toThrow(/returns\.length: needs at least 10 values \(a GARCH\(1,1\) fit\) \(got 9\)/);
    expect(() => fitGarch(new Array<number>(50).fill(0.01))).toThrow(/all values are equal/);
    expect(() => fitGarch(R3B, { init: { h1: 0 } })).toThrow(/init/);
  });
});

describe('GARCH(1,1) on the bundled BTC datasets vs fGarch (test/fixtures/garch-btc.json)', () => {
  const returnsOf = async (id: string): Promise<Float64Array> => {
    const d = await loadDataset(id);
    if (d.series.kind !== 'ohlcv') throw new Error(`${id} is not ohlcv`);
    return logReturns(d.series.close);
  };
  const [daily, hourly] = btcFixture.datasets;

  it(`${daily!.dataset}: estimates, likelihood, forecasts and standard errors`, async () => {
    const r = await returnsOf(daily!.dataset);
    expect(r.length).toBe(daily!.observations);
    expect(rel(r[0]!, daily!.first[0]!)).toBeLessThan(1e-13); // R's diff(log(c)) vs our ln(c1/c0): last bits
    const fit = fitGarch(r);
    expectAgreement(fit, daily!.fit);
    garchForecast(fit.params, fit.nextVariance, 5).forEach((h, k) => expect(rel(Math.sqrt(h), daily!.fit.predictSd[k]!)).toBeLessThan(1e-5));
    expectStandardErrors(fit, daily!.fit);
  });

  it(`${hourly!.dataset}: fGarch's unconstrained optimum has alpha + beta > 1; ours stops at the stationarity bound`, async () => {
    const r = await returnsOf(hourly!.dataset);
    expect(r.length).toBe(hourly!.observations);
    const ref = hourly!.fit;
    expect(ref.alpha + ref.beta).toBeGreaterThan(1);
    expect(Math.abs(garchLogLikelihood(r, ref) - ref.logLikelihood)).toBeLessThan(1e-12 * ref.logLikelihood);
    const fit = fitGarch(r);
    expect(fit.atBound).toBe(true);
    expect(fit.persistence).toBeCloseTo(MAX_PERSISTENCE, 15);
    expect(fit.standardErrors).toBeNull();
    // inside the constraint the likelihood cannot exceed the unconstrained optimum, and the gap is small
    expect(fit.logLikelihood).toBeLessThan(ref.logLikelihood);
    expect(ref.logLikelihood - fit.logLikelihood).toBeLessThan(2);
    expect(rel(fit.params.alpha, ref.alpha)).toBeLessThan(0.05);
  });
});
