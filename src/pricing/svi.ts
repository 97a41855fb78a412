/**
 * Raw SVI smile (Gatheral 2004): total implied variance w(k) = a + b (rho (k - m) + sqrt((k - m)^2 + sigma^2)),
 * with k = ln(K / F) the log-moneyness on the forward and w = vol^2 T (T in years, ACT/365).
 */
import type { SviSlice } from '../model/types.ts';

export const sviTotalVariance = (s: SviSlice, k: number): number => {
  const x = k - s.m;
  return s.a + s.b * (s.rho * x + Math.sqrt(x * x + s.sigma * s.sigma));
};

/** Implied vol of a slice at strike K and forward F for maturity T years. */
export const sviVol = (s: SviSlice, F: number, K: number, T: number): number =>
  Math.sqrt(Math.max(sviTotalVariance(s, Math.log(K / F)), 0) / T);
