/**
 * Raw SVI smile (Gatheral 2004): total implied variance w(k) = a + b (rho (k - m) + sqrt((k - m)^2 + sigma^2)),
 * with k = ln(K / F) the log-moneyness on the forward and w = vol^2 T (T in years, ACT/365).
 *
 * Butterfly (static) arbitrage: the risk-neutral density is non-negative iff (Gatheral and Jacquier, "Arbitrage-free
 * SVI volatility surfaces", Quantitative Finance 14 (2014), Lemma 2.2)
 *   g(k) = (1 - k w'/(2w))^2 - (w'^2/4) (1/w + 1/4) + w''/2 >= 0   (and w > 0),
 * with w' = b (rho + (k - m)/sqrt((k - m)^2 + sigma^2)) and w'' = b sigma^2 / ((k - m)^2 + sigma^2)^{3/2}.
 */
import type { SviSlice } from '../model/types.ts';

export const sviTotalVariance = (s: SviSlice, k: number): number => {
  const x = k - s.m;
  return s.a + s.b * (s.rho * x + Math.sqrt(x * x + s.sigma * s.sigma));
};

/** Implied vol of a slice at strike K and forward F for maturity T years. */
export const sviVol = (s: SviSlice, F: number, K: number, T: number): number =>
  Math.sqrt(Math.max(sviTotalVariance(s, Math.log(K / F)), 0) / T);

/** Gatheral-Jacquier density factor g(k) of a raw SVI slice; -Infinity where w(k) <= 0 (no valid density). */
export function sviDensityFactor(s: SviSlice, k: number): number {
  const x = k - s.m;
  const root = Math.sqrt(x * x + s.sigma * s.sigma);
  const w = s.a + s.b * (s.rho * x + root);
  if (!(w > 0)) return -Infinity;
  const w1 = s.b * (s.rho + x / root);
  const w2 = (s.b * s.sigma * s.sigma) / (root * root * root);
  const u = 1 - (k * w1) / (2 * w);
  return u * u - ((w1 * w1) / 4) * (1 / w + 0.25) + w2 / 2;
}

export interface SviButterflyResult {
  /** True when g(k) >= 0 over the whole range (no butterfly arbitrage there). */
  readonly ok: boolean;
  /** Minimum of g over the range (-Infinity if w <= 0 somewhere). */
  readonly minG: number;
  /** Log-moneyness k where the minimum is attained. */
  readonly at: number;
}

/**
 * Butterfly-arbitrage check of one slice on k in [kRange[0], kRange[1]]: scans `points` equally spaced k, then
 * refines the smallest g by golden-section search on the neighbouring grid cells (g is smooth), so `at` is accurate
 * to ~1e-9 in k and `minG` to rounding.
 */
export function sviButterflyCheck(slice: SviSlice, kRange: readonly [number, number], points = 2001): SviButterflyResult {
  const [lo, hi] = kRange;
  if (!(hi > lo) || !(points >= 3)) throw new RangeError(`sviButterflyCheck: bad range [${lo}, ${hi}] or points ${points}`);
  const step = (hi - lo) / (points - 1);
  let best = Infinity;
  let bestI = 0;
  for (let i = 0; i < points; i++) {
    const g = sviDensityFactor(slice, lo + i * step);
    if (g < best || Number.isNaN(g)) {
      best = g;
      bestI = i;
      if (!(g > -Infinity)) break; // w <= 0 (or NaN parameters): nothing to refine
    }
  }
  if (!(best > -Infinity)) return { ok: false, minG: best, at: lo + bestI * step };
  // golden-section refinement on [k_{i-1}, k_{i+1}]
  let a = lo + Math.max(bestI - 1, 0) * step;
  let b = lo + Math.min(bestI + 1, points - 1) * step;
  const phi = (Math.sqrt(5) - 1) / 2;
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let gc = sviDensityFactor(slice, c);
  let gd = sviDensityFactor(slice, d);
  while (b - a > 1e-10) {
    if (gc < gd) {
      b = d;
      d = c;
      gd = gc;
      c = b - phi * (b - a);
      gc = sviDensityFactor(slice, c);
    } else {
      a = c;
      c = d;
      gc = gd;
      d = a + phi * (b - a);
      gd = sviDensityFactor(slice, d);
    }
  }
  const kMin = 0.5 * (a + b);
  const gMin = Math.min(sviDensityFactor(slice, kMin), best);
  const at = gMin === best ? lo + bestI * step : kMin;
  return { ok: gMin >= 0, minG: gMin, at };
}
