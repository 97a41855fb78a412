/**
 * `ballast price`: option desk calculator. Reads a JSON array on stdin, one option per element:
 *   { right: "call" | "put", spot | forward, strike, years | expiry (ISO 8601, optional asOf, default now),
 *     vol | price, rate (default 0), settle: "linear" | "inverse" (default "linear") }
 * and prints a JSON array in the same order of { price, delta, gamma, vega, theta, vanna, volga, iv? }.
 *
 * Model: Black-76 on the forward F = spot e^{rT} (or the given forward; spot = F e^{-rT} if only the forward is
 * given), discount df = e^{-rT}, T in years ACT/365 (expiry - asOf over 365 days), r continuously compounded.
 * Given a price, the implied vol is solved first (iv) and the Greeks use it. Output units:
 * - price: USD per unit (linear); COIN per contract of one coin (inverse). An input price uses the same unit.
 * - delta: underlying units. With `spot`, dV/dS (Black-Scholes); with only `forward` (linear), dV/dF (Black-76).
 *   Inverse: Deribit's net transaction delta in coins, dV_usd/dS - V_coin (includes the coin premium's exposure).
 * - gamma: change of that delta per 1 USD move of spot (or forward). USD-style for inverse.
 * - vega: USD per vol point (0.01). theta: USD per calendar day (dV/dt / 365; negative = decay), holding spot
 *   (forward when only the forward is given) fixed.
 * - vanna: change of delta per vol point; volga: change of vega (USD per vol point) per vol point.
 * - Inverse options: only price (coin) and delta (coin net delta) are coin quantities; gamma, vega, theta, vanna and
 *   volga are Deribit's standard Black-Scholes USD values with respect to the index (spot).
 * - Expired options (T <= 0) value at intrinsic; a price for an expired option is rejected (no implied vol).
 * Bad input: every bad field is its own issue naming its path ([0].strike) and value; nothing is printed on
 * stdout; main() prints the issues and exits 2.
 */
import { z } from 'zod';
import type { FieldIssue } from '../../errors/index.ts';
import { ValidationError } from '../../errors/index.ts';
import { MS_PER_YEAR } from '../../model/types.ts';
import { black76, blackScholes, newGreeks } from '../../pricing/black.ts';
import type { Greeks, Right } from '../../pricing/black.ts';
import { PriceBoundError } from '../../pricing/errors.ts';
import { inverseOption } from '../../pricing/inverse.ts';
import { impliedVol } from '../../pricing/iv.ts';
import type { Io } from '../main.ts';

const SOURCE = 'price input (stdin)';

/** ISO 8601 date (UTC midnight) or date-time with an explicit zone -> epoch ms. */
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const isoTime = z.string().refine((v) => ISO.test(v) && Number.isFinite(Date.parse(v)), {
  message: 'expected an ISO 8601 date or date-time with a zone, such as 2025-03-28T08:00:00Z',
});

const positive = z.number().positive();
const optionSchema = z.strictObject({
  right: z.enum(['call', 'put']),
  spot: positive.optional(),
  forward: positive.optional(),
  strike: positive,
  years: z.number().min(0).optional(),
  expiry: isoTime.optional(),
  asOf: isoTime.optional(),
  vol: positive.optional(),
  price: positive.optional(),
  rate: z.number().gt(-1).lt(1).optional(),
  settle: z.enum(['linear', 'inverse']).optional(),
});
type OptionInput = z.output<typeof optionSchema>;

export interface PriceResult {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
  vanna: number;
  volga: number;
  iv?: number;
}

export async function runPrice(io: Io): Promise<number> {
  const text = await io.readStdin();
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ValidationError(SOURCE, [{ path: '', value: text.slice(0, 40), message: `not valid JSON: ${(e as Error).message}` }]);
  }
  if (!Array.isArray(doc)) throw new ValidationError(SOURCE, [{ path: '', value: doc, message: 'expected a JSON array of options' }]);
  const issues: FieldIssue[] = [];
  const now = Date.now();
  const results: PriceResult[] = [];
  doc.forEach((raw: unknown, i) => {
    const r = priceOne(raw, i, now, issues);
    if (r) results.push(r);
  });
  if (issues.length > 0) throw new ValidationError(SOURCE, issues);
  io.stdout(`${JSON.stringify(results, null, 2)}\n`);
  return 0;
}

/** Validates and prices element i; pushes its issues and returns undefined when it is bad. */
function priceOne(raw: unknown, i: number, now: number, issues: FieldIssue[]): PriceResult | undefined {
  const before = issues.length;
  const parsed = optionSchema.safeParse(raw);
  if (!parsed.success) issues.push(...zodIssues(parsed.error.issues, raw, i));
  const has = (k: string): boolean => typeof raw === 'object' && raw !== null && (raw as Record<string, unknown>)[k] !== undefined;
  const at = (k: string): FieldIssue['value'] => (typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[k] : undefined);
  const issue = (k: string, message: string): void => {
    issues.push({ path: `[${i}]${k ? `.${k}` : ''}`, value: k ? at(k) : raw, message });
  };
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const inverse = at('settle') === 'inverse';
    if (!has('spot') && !has('forward')) issue('spot', 'required field is missing: give spot or forward');
    if (has('spot') && has('forward') && !inverse) issue('forward', 'give spot or forward, not both (both only for settle: inverse)');
    if (!has('years') && !has('expiry')) issue('years', 'required field is missing: give years or expiry');
    if (has('years') && has('expiry')) issue('expiry', 'give years or expiry, not both');
    if (has('asOf') && !has('expiry')) issue('asOf', 'asOf only applies with expiry');
    if (!has('vol') && !has('price')) issue('vol', 'required field is missing: give vol or price');
    if (has('vol') && has('price')) issue('price', 'give vol or price, not both');
  }
  if (!parsed.success || issues.length > before) return undefined;
  const o = parsed.data;
  const T = o.years ?? ((Date.parse(o.expiry as string) - (o.asOf === undefined ? now : Date.parse(o.asOf))) / MS_PER_YEAR);
  if (o.price !== undefined && !(T > 0)) {
    issue(o.years !== undefined ? 'years' : 'expiry', 'option is expired (T <= 0): a price has no implied vol');
    return undefined;
  }
  try {
    return compute(o, T);
  } catch (e) {
    if (e instanceof PriceBoundError) {
      issue('price', e.message);
      return undefined;
    }
    throw e;
  }
}

/** Prices a validated option with T years to expiry; see the file header for the units. */
function compute(o: OptionInput, T: number): PriceResult {
  const r = o.rate ?? 0;
  const live = T > 0;
  const df = live ? Math.exp(-r * T) : 1;
  const right: Right = o.right;
  const F = o.forward ?? (o.spot as number) / df;
  const S = o.spot ?? F * df;
  const inverse = o.settle === 'inverse';
  let iv: number | undefined;
  let sigma = o.vol ?? 0;
  if (o.price !== undefined) {
    const usdPrice = inverse ? o.price * S : o.price;
    iv = impliedVol({ right, forward: F, strike: o.strike, years: T, price: usdPrice, df });
    sigma = iv;
  }
  let g: Greeks;
  let price: number;
  let delta: number;
  if (inverse) {
    const inv = inverseOption(right, S, F, o.strike, T, sigma, df);
    g = inv;
    price = inv.coinPrice;
    delta = inv.coinDelta;
  } else {
    g = o.spot !== undefined ? blackScholes(right, S, o.strike, T, sigma, r, newGreeks()) : black76(right, F, o.strike, T, sigma, r, newGreeks());
    price = g.price;
    delta = g.delta;
  }
  const out: PriceResult = {
    price,
    delta,
    gamma: g.gamma,
    vega: g.vega * 0.01,
    theta: g.theta / 365,
    vanna: g.vanna * 0.01,
    volga: g.volga * 1e-4,
  };
  if (iv !== undefined) out.iv = iv;
  return out;
}

/** zod issues of element i -> FieldIssues, one per bad field (each unknown key its own issue). */
function zodIssues(list: readonly z.core.$ZodIssue[], raw: unknown, i: number): FieldIssue[] {
  const out: FieldIssue[] = [];
  const valueAt = (path: readonly PropertyKey[]): unknown => {
    let v: unknown = raw;
    for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined;
    return v;
  };
  const fmt = (path: readonly PropertyKey[]): string => `[${i}]${path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}`;
  for (const iss of list) {
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) out.push({ path: fmt([...iss.path, key]), value: valueAt([...iss.path, key]), message: 'unknown field' });
      continue;
    }
    const value = valueAt(iss.path);
    out.push({ path: fmt(iss.path), value, message: zodMessage(iss, value) });
  }
  return out;
}

function zodMessage(iss: z.core.$ZodIssue, value: unknown): string {
  switch (iss.code) {
    case 'invalid_type':
      if (value === undefined) return `required field is missing (${iss.expected})`;
      if (iss.expected === 'number' && typeof value === 'number') return 'must be a finite number';
      if (iss.expected === 'object') return 'expected an object';
      return `expected ${iss.expected}, got ${value === null ? 'null' : typeof value}`;
    case 'too_small':
      return `must be ${iss.inclusive ? '>=' : '>'} ${String(iss.minimum)}`;
    case 'too_big':
      return `must be ${iss.inclusive ? '<=' : '<'} ${String(iss.maximum)}`;
    case 'invalid_value':
      return `must be one of: ${iss.values.map((v) => String(v)).join(', ')}`;
    default:
      return iss.message;
  }
}
