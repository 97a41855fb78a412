/**
 * A stress scenario: an instantaneous shock of a portfolio's market, plus the cash it costs over a horizon.
 *
 * Conventions:
 * - `prices`: multiplier per asset, P' = P x m (0.7 = a 30 % fall), m > 0. An asset listed here moves even when
 *   it is a stable (a depeg); `others` moves every NON-stable asset not listed (default 1: unchanged). Stables not
 *   listed never move. Historical scenarios set `others` by a rule stated where they are derived (historical.ts).
 * - `vol`: { multiplier } scales every option's implied vol; { absolute: { BTC: 1.15 } } sets the vol of every
 *   option on that underlying (flat: the smile is replaced). Vols are annualised decimals.
 * - `fundingPer8h`: funding rate, fraction per 8 h (0.0001 = 0.01 %), paid over `horizonHours` by perps only:
 *   positive = longs pay shorts. Cost of a perp = rate x horizonHours / 8 x its signed USD value at the shocked
 *   mark (linear q P', inverse the USD face q).
 * - `haircut`: exit cost, fraction of |USD value| at the shocked marks and vols (options: of the premium) of every
 *   position on a non-stable underlying, in [0, 1). Non-stable collateral balances are not charged (not exited).
 * - Time does not pass: `horizonHours` only scales funding (no theta, no expiry, no interest).
 */
import { ValidationError, type FieldIssue } from '../errors/index.ts';

export type VolShock = { readonly multiplier: number } | { readonly absolute: Readonly<Record<string, number>> };

export interface Scenario {
  readonly name: string;
  readonly prices: Readonly<Record<string, number>>;
  readonly others?: number;
  readonly vol?: VolShock;
  readonly fundingPer8h?: number;
  readonly horizonHours?: number;
  readonly haircut?: number;
}

/** Every invalid field of a scenario, with its path and value. */
export function scenarioIssues(s: Scenario, path = 'scenario'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const bad = (field: string, value: unknown, message: string): void => void issues.push({ path: `${path}.${field}`, value, message });
  const positive = (x: number): boolean => Number.isFinite(x) && x > 0;
  if (s.name.trim() === '') bad('name', s.name, 'must not be empty');
  for (const [asset, m] of Object.entries(s.prices)) if (!positive(m)) bad(`prices.${asset}`, m, 'multiplier must be a finite number > 0');
  if (s.others !== undefined && !positive(s.others)) bad('others', s.others, 'multiplier must be a finite number > 0');
  if (s.vol !== undefined) {
    if ('multiplier' in s.vol) {
      if (!positive(s.vol.multiplier)) bad('vol.multiplier', s.vol.multiplier, 'must be a finite number > 0');
    } else for (const [asset, v] of Object.entries(s.vol.absolute)) if (!positive(v)) bad(`vol.absolute.${asset}`, v, 'must be an annualised vol > 0');
  }
  if (s.fundingPer8h !== undefined && !Number.isFinite(s.fundingPer8h)) bad('fundingPer8h', s.fundingPer8h, 'must be a finite fraction per 8 h');
  if (s.horizonHours !== undefined && !(Number.isFinite(s.horizonHours) && s.horizonHours >= 0)) bad('horizonHours', s.horizonHours, 'must be >= 0 hours');
  if (s.fundingPer8h !== undefined && s.fundingPer8h !== 0 && s.horizonHours === undefined) bad('horizonHours', undefined, 'a funding shock needs a horizon');
  if (s.haircut !== undefined && !(s.haircut >= 0 && s.haircut < 1)) bad('haircut', s.haircut, 'must be a fraction in [0, 1)');
  return issues;
}

/** Throws ValidationError listing every bad field. */
export function checkScenario(s: Scenario): Scenario {
  const issues = scenarioIssues(s, s.name === '' ? 'scenario' : `scenario ${JSON.stringify(s.name)}`);
  if (issues.length > 0) throw new ValidationError('scenario', issues);
  return s;
}

/** Shortest decimal text of a number, with its sign for moves: move:-0.3, move:+0.2. */
const signed = (x: number): string => (x > 0 ? `+${x}` : `${x}`);

// Hypothetical scenarios (named after what they do).

/** Every non-stable price x (1 + x), correlation one (the crash move of risk/report.ts). */
export const moveScenario = (x: number): Scenario => ({ name: `move:${signed(x)}`, prices: {}, others: 1 + x });

/** Every option's vol x m, prices unchanged. */
export const volScenario = (m: number): Scenario => ({ name: `vol:x${m}`, prices: {}, vol: { multiplier: m } });

/** A funding spike: `rate` per 8 h paid for `hours`, prices unchanged. */
export const fundingScenario = (rate: number, hours: number): Scenario => ({
  name: `funding:${signed(rate)}/8h x ${hours}h`,
  prices: {},
  fundingPer8h: rate,
  horizonHours: hours,
});

/** Exit at a loss of `h` of every position's USD value, prices unchanged. */
export const haircutScenario = (h: number): Scenario => ({ name: `haircut:${h}`, prices: {}, haircut: h });

/**
 * Correlation one: every non-stable asset takes the scenario's BTC move (its `others` when BTC is not listed);
 * assets listed that are stable keep their own multiplier. Named `<name> corr1`.
 */
export function correlationOne(s: Scenario, isStable: (asset: string) => boolean, lead = 'BTC'): Scenario {
  const m = s.prices[lead] ?? s.others ?? 1;
  const prices = Object.fromEntries(Object.entries(s.prices).filter(([a]) => isStable(a)));
  return { ...s, name: `${s.name} corr1`, prices, others: m };
}
