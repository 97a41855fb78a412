/**
 * The Bollerslev-Ghysels DEM/GBP GARCH benchmark (reference note §4). The series (published exchange-rate data,
 * attribution in the fixture) is committed as test/fixtures/dem2gbp.json, exported from R fGarch; where Rscript and
 * fGarch are installed the live R copy is compared with it too. The expected numbers are the note's (published
 * digits) and test/fixtures/garch-dem2gbp.json (fGarch 4022.89, 17 digits).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import dem from '../../../test/fixtures/garch-dem2gbp.json' with { type: 'json' };
import committed from '../../../test/fixtures/dem2gbp.json' with { type: 'json' };
import { ewmaVariance } from './ewma.ts';
import { fitGarch, garchFilter, garchForecast, unconditionalVariance, type GarchParams } from './garch.ts';

function seriesFromR(): number[] | undefined {
  try {
    const out = execFileSync('Rscript', ['-e', 'data(dem2gbp, package = "fGarch"); cat(sprintf("%.17g", dem2gbp[, 1]), sep = "\\n")'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    });
    const xs = out.trim().split('\n').map(Number);
    return xs.length > 0 && xs.every(Number.isFinite) ? xs : undefined;
  } catch {
    return undefined;
  }
}

const fromR = seriesFromR();
const x: number[] | undefined = committed.series;

describe.skipIf(fromR === undefined)('dem2gbp fixture equals the series in R fGarch', () => {
  it('same values to 17 digits', () => {
    expect(committed.series).toEqual(fromR);
  });
});
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
/** The note's §4 table row for fGarch (9 significant digits), at which its fixed-parameter values were computed. */
const FIXED: GarchParams = { mu: -0.006190414, omega: 0.01076139, alpha: 0.153133895, beta: 0.805973796 };

describe('dem2gbp benchmark (committed series)', () => {
  const xs = x ?? [];

  it('is the series the fixture was made from (length, ends, sums)', () => {
    const fp = dem.fingerprint;
    expect(xs.length).toBe(fp.n);
    expect(xs.slice(0, 5)).toEqual(fp.first);
    expect(xs.slice(-5)).toEqual(fp.last);
    expect(xs.reduce((s, v) => s + v, 0)).toBeCloseTo(fp.sum, 10);
    expect(xs.reduce((s, v) => s + v * v, 0)).toBeCloseTo(fp.sumSquares, 9);
  });

  it('fixed parameters, h1 = omega + (alpha + beta) mean(e²): LL -1106.6078810 and 1-step forecast 0.1469925113', () => {
    const f = garchFilter(xs, FIXED, 'fgarch');
    // the note's printed digits
    expect(Math.abs(f.logLikelihood - -1106.607881)).toBeLessThan(5e-8);
    expect(Math.abs(f.nextVariance - 0.1469925113)).toBeLessThan(1e-10);
    expect(Math.abs(f.h[0]! - 0.22284178651)).toBeLessThan(1e-11);
    expect(Math.abs(f.h[xs.length - 1]! - 0.11479933601)).toBeLessThan(1e-11);
    expect(unconditionalVariance(FIXED)).toBeCloseTo(0.2631641564, 10);
    // the same recursion written in R (17 digits): agreement to 1e-9 absolute
    expect(Math.abs(f.logLikelihood - dem.fixed.logLikelihood)).toBeLessThan(1e-9);
    expect(Math.abs(f.nextVariance - dem.fixed.forecast1)).toBeLessThan(1e-12);
    expect(Math.abs(f.h[0]! - dem.fixed.h1)).toBeLessThan(1e-12);
  });

  it('h1 = mean(e²) instead (no omega + (alpha + beta) step) gives LL -1106.5868', () => {
    const e2 = xs.reduce((s, v) => s + (v - FIXED.mu) ** 2, 0) / xs.length;
    const f = garchFilter(xs, FIXED, { h1: e2 });
    expect(Math.abs(f.logLikelihood - -1106.5868)).toBeLessThan(5e-5);
    expect(Math.abs(f.logLikelihood - dem.fixed.logLikelihoodMeanSquareInit)).toBeLessThan(1e-9);
  });

  it("our LL at fGarch's own estimates is fGarch's reported LL", () => {
    expect(Math.abs(garchFilter(xs, dem.fit).logLikelihood - dem.fit.logLikelihood)).toBeLessThan(1e-9);
  });

  const fit = x === undefined ? undefined : fitGarch(xs);
  it('MLE agrees with fGarch (mu -0.00619041, omega 0.0107613, alpha 0.153134, beta 0.805974, LL -1106.608)', () => {
    const p = fit!.params;
    // three significant digits as required, and in fact far closer (1e-5 relative, 1e-5 standard errors)
    const published = { mu: -0.00619041, omega: 0.0107613, alpha: 0.153134, beta: 0.805974 };
    for (const k of ['mu', 'omega', 'alpha', 'beta'] as const) {
      expect(Number(p[k].toPrecision(3)), k).toBe(Number(published[k].toPrecision(3)));
      expect(rel(p[k], dem.fit[k]), k).toBeLessThan(1e-5);
      expect(Math.abs(p[k] - dem.fit[k]), k).toBeLessThan(1e-5 * dem.fit.seRcd[k]);
    }
    expect(fit!.logLikelihood.toFixed(3)).toBe('-1106.608');
    expect(fit!.logLikelihood).toBeGreaterThanOrEqual(dem.fit.logLikelihood - 1e-9);
    expect(fit!.converged).toBe(true);
    expect(fit!.observations).toBe(1974);
  });

  it('forecast sd for 3 steps: fGarch predict 0.3833960, 0.3895421, 0.3953471', () => {
    const f = garchForecast(fit!.params, fit!.nextVariance, 5);
    [0.383396, 0.3895421, 0.3953471].forEach((sd, k) => expect(Math.abs(Math.sqrt(f[k]!) - sd)).toBeLessThan(5e-7));
    f.forEach((h, k) => expect(rel(Math.sqrt(h), dem.fit.predictSd[k]!)).toBeLessThan(1e-6));
  });

  it('standard errors: fGarch (rcd Hessian) 0.0084630, 0.0028527, 0.026523, 0.033553 to 0.1 %', () => {
    const se = fit!.standardErrors!;
    for (const k of ['mu', 'omega', 'alpha', 'beta'] as const) expect(rel(se[k]!, dem.fit.seRcd[k]), k).toBeLessThan(1e-3);
    // fGarch's default (optimHess) values differ by up to 0.6 %: 0.008461996, 0.002837517, 0.026421610, 0.033381267
    for (const k of ['mu', 'omega', 'alpha', 'beta'] as const) expect(rel(se[k]!, dem.fit.se[k]), k).toBeLessThan(1e-2);
  });

  it('EWMA lambda 0.94 seeded x0²: 0.09392995828966554', () => {
    expect(rel(ewmaVariance(xs).variance, 0.09392995828966554)).toBeLessThan(1e-14);
    expect(rel(ewmaVariance(xs).variance, dem.ewma.variance)).toBeLessThan(1e-14);
  });
});

describe('dem2gbp expected numbers (committed fixture, always run)', () => {
  it("agree with the reference note's table", () => {
    expect(dem.fit.mu.toPrecision(7)).toBe('-0.006190414');
    expect(dem.fit.logLikelihood.toFixed(7)).toBe('-1106.6078810');
    expect(dem.fixed.forecast1.toFixed(10)).toBe('0.1469925113');
    expect(dem.fit.predictSd.slice(0, 3).map((v) => v.toFixed(7))).toEqual(['0.3833960', '0.3895421', '0.3953471']);
  });
});
