/**
 * Typed-array batch pricer: Black-Scholes value and spot Greeks for N options laid out as structure-of-arrays.
 * Same kernel (black-kernel.ts) and so the same numbers, bit for bit, as blackScholes; same units: per option of
 * one unit of underlying, delta per unit, gamma per 1 USD, vega per 1.00 of vol, theta per YEAR (calendar, dV/dt),
 * vanna d2V/dS dsigma, volga d2V/dsigma2; T in years ACT/365, r continuously compounded, sigma annualised.
 * No allocation: outputs are written in place into caller-owned arrays.
 */
import { blackScholesRange } from './black-kernel.ts';
import type { BlackInputs, BlackOutputs } from './black-kernel.ts';

/** Inputs: w (+1 call / -1 put), spot, strike, years, vol, rate; one index per option. */
export type OptionBatch = BlackInputs;
/** Outputs: price, delta, gamma, vega, theta, vanna, volga; one index per option. */
export type GreeksBatch = BlackOutputs;

export const newOptionBatch = (n: number): OptionBatch => ({
  w: new Int8Array(n),
  spot: new Float64Array(n),
  strike: new Float64Array(n),
  years: new Float64Array(n),
  vol: new Float64Array(n),
  rate: new Float64Array(n),
});

export const newGreeksBatch = (n: number): GreeksBatch => ({
  price: new Float64Array(n),
  delta: new Float64Array(n),
  gamma: new Float64Array(n),
  vega: new Float64Array(n),
  theta: new Float64Array(n),
  vanna: new Float64Array(n),
  volga: new Float64Array(n),
});

/** Prices options [start, end) of `input` into the same slots of `out`. Throws RangeError if an array is short. */
export function priceBatch(input: OptionBatch, out: GreeksBatch, start = 0, end = input.spot.length): void {
  const shortest = Math.min(
    ...[input.w, input.spot, input.strike, input.years, input.vol, input.rate].map((a) => a.length),
    ...[out.price, out.delta, out.gamma, out.vega, out.theta, out.vanna, out.volga].map((a) => a.length),
  );
  if (!(start >= 0 && end <= shortest && start <= end)) {
    throw new RangeError(`priceBatch: range [${start}, ${end}) does not fit arrays of length ${shortest}`);
  }
  blackScholesRange(input, out, start, end);
}
