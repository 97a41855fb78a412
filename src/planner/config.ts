/**
 * Planner options: what a policy file's `planner:` section (or a caller) may set, validated with clear errors, and
 * their defaults. Money in USD, fractions as decimals, time in ms.
 *
 * - reserve / reserves: collateral the planner may move: { account, asset, amount }. `account` is an account id of
 *   the portfolio (its balance is debited and it must keep its initial margin) or any other name (a wallet off
 *   the book: only `amount` limits it).
 * - useFreeCollateral (true): stable collateral of the book's other accounts is a reserve too (each keeps its
 *   initial margin and its own health target).
 * - maxImpact (0.01): largest impact fraction of one slice; a bigger trade is cut into slices `sliceIntervalMs`
 *   apart (default one day: the square-root law's ADV is a daily volume, so slices a day apart are separate
 *   metaorders), at most `maxSlices` (30).
 * - impactY (1): Y of the square-root law. reflexive (true): the book's own trades move the marks it is valued at.
 * - stepFraction (0.1): the search's step: 10 % slices of a position, of a reserve, of a debt, of a hedge.
 * - protectiveExits: in HALTED, the only orders allowed (each entry matches orders by every field it names; a bare
 *   kind, as the policy file's preTrade.protectiveExits lists them, matches every order of that kind). 'increase'
 *   is no exit kind: increases are planned in ACTIVE only.
 * - minHealthAfterIncrease (2, > 1): the health floor of an increase-gross boost. The boost is cut back so that
 *   every account keeps a health factor >= this floor after the plan (an account already under it: no lower than
 *   it is), as well as its target-health targets and the book's target-gross / target-exposure bounds (see
 *   ./boost.ts). 2 = equity twice the maintenance margin; on Binance's first BTC tier that is about its initial
 *   margin (max leverage).
 * - hedgeAccounts / optionAccounts: account per underlying for hedges (perps) and protective puts; default the
 *   first account, in file order, that can hold them (cross-margined perps; a Deribit account for options).
 * - fees (venue -> taker rate), halfSpreadBps (asset -> bps), optionHalfSpreadVol (0.01), liquidity (asset ->
 *   { advUsd, sigmaDaily }), books (asset -> order book): cost model overrides (./liquidity.ts defaults).
 * - transferFeeUsd (0): fixed cost of one transfer or repay.
 * - maxPositionLevers (12): an account with more positions than this is reduced by classes (per underlying: long
 *   and short linear, long and short options), pro rata within the class, instead of position by position.
 * - search ('auto'): 'exact' enumerates the step grid (branch and bound), 'greedy' runs greedy + local
 *   improvement, 'auto' is exact when the grid has at most `exactLimit` (20 000) points and every lever acts on
 *   one position.
 */
import { z } from 'zod';
import { ValidationError } from '../errors/index.ts';
import { toFieldIssues } from '../model/schema.ts';
import type { Liquidity, OrderBook } from './cost.ts';
import { DEFAULT_IMPACT_Y } from './cost.ts';
import { DEFAULT_OPTION_HALF_SPREAD_VOL } from './liquidity.ts';
import type { OrderKind } from './types.ts';

export interface ReserveConfig {
  readonly account: string;
  readonly asset: string;
  readonly amount: number;
}

export interface ProtectiveExit {
  readonly kind?: OrderKind;
  readonly account?: string;
  readonly asset?: string;
  readonly policy?: string;
}

export interface PlannerOptions {
  readonly reserve?: ReserveConfig | readonly ReserveConfig[];
  readonly reserves?: readonly ReserveConfig[];
  readonly useFreeCollateral?: boolean;
  readonly maxImpact?: number;
  readonly sliceIntervalMs?: number;
  readonly maxSlices?: number;
  readonly impactY?: number;
  readonly reflexive?: boolean;
  readonly stepFraction?: number;
  /** Entries, or bare order kinds (as policy preTrade.protectiveExits lists them: 'open' matches nothing). */
  readonly protectiveExits?: readonly (ProtectiveExit | OrderKind | 'open')[];
  readonly hedgeAccounts?: Readonly<Record<string, string>>;
  readonly optionAccounts?: Readonly<Record<string, string>>;
  readonly fees?: Readonly<Record<string, number>>;
  readonly halfSpreadBps?: Readonly<Record<string, number>>;
  readonly optionHalfSpreadVol?: number;
  readonly liquidity?: Readonly<Record<string, Liquidity>>;
  readonly books?: Readonly<Record<string, OrderBook>>;
  readonly transferFeeUsd?: number;
  readonly maxPositionLevers?: number;
  readonly exactLimit?: number;
  readonly search?: 'auto' | 'exact' | 'greedy';
  readonly minHealthAfterIncrease?: number;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly reserves: readonly ReserveConfig[];
  readonly useFreeCollateral: boolean;
  readonly maxImpact: number;
  readonly sliceIntervalMs: number;
  readonly maxSlices: number;
  readonly impactY: number;
  readonly reflexive: boolean;
  readonly steps: number;
  readonly protectiveExits: readonly ProtectiveExit[];
  readonly hedgeAccounts: Readonly<Record<string, string>>;
  readonly optionAccounts: Readonly<Record<string, string>>;
  readonly fees: Readonly<Record<string, number>>;
  readonly halfSpreadBps: Readonly<Record<string, number>>;
  readonly optionHalfSpreadVol: number;
  readonly liquidity: Readonly<Record<string, Liquidity>>;
  readonly books: Readonly<Record<string, OrderBook>>;
  readonly transferFeeUsd: number;
  readonly maxPositionLevers: number;
  readonly exactLimit: number;
  readonly search: 'auto' | 'exact' | 'greedy';
  readonly minHealthAfterIncrease: number;
}

export const DAY_MS = 86_400_000;

/** Default health floor of an increase-gross boost (see minHealthAfterIncrease in the header). */
export const DEFAULT_MIN_HEALTH_AFTER_INCREASE = 2;

export function resolveOptions(o: PlannerOptions = {}): ResolvedOptions {
  const single = o.reserve === undefined ? [] : Array.isArray(o.reserve) ? (o.reserve as readonly ReserveConfig[]) : [o.reserve as ReserveConfig];
  const step = o.stepFraction ?? 0.1;
  return {
    reserves: [...single, ...(o.reserves ?? [])],
    useFreeCollateral: o.useFreeCollateral ?? true,
    maxImpact: o.maxImpact ?? 0.01,
    sliceIntervalMs: o.sliceIntervalMs ?? DAY_MS,
    maxSlices: o.maxSlices ?? 30,
    impactY: o.impactY ?? DEFAULT_IMPACT_Y,
    reflexive: o.reflexive ?? true,
    steps: Math.max(1, Math.round(1 / step)),
    protectiveExits: (o.protectiveExits ?? []).flatMap((e): ProtectiveExit[] => (typeof e !== 'string' ? [e] : e === 'open' ? [] : [{ kind: e }])),
    hedgeAccounts: o.hedgeAccounts ?? {},
    optionAccounts: o.optionAccounts ?? {},
    fees: o.fees ?? {},
    halfSpreadBps: o.halfSpreadBps ?? {},
    optionHalfSpreadVol: o.optionHalfSpreadVol ?? DEFAULT_OPTION_HALF_SPREAD_VOL,
    liquidity: o.liquidity ?? {},
    books: o.books ?? {},
    transferFeeUsd: o.transferFeeUsd ?? 0,
    maxPositionLevers: o.maxPositionLevers ?? 12,
    exactLimit: o.exactLimit ?? 20_000,
    search: o.search ?? 'auto',
    minHealthAfterIncrease: o.minHealthAfterIncrease ?? DEFAULT_MIN_HEALTH_AFTER_INCREASE,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Schema of the `planner:` section of a policy file

const fraction = () => z.number().gt(0).lte(1);
const nonNeg = () => z.number().nonnegative();
const reserveSchema = z.strictObject({ account: z.string().min(1), asset: z.string().min(1), amount: z.number().positive() });
/** Protective-exit kinds: every order kind but 'increase' (ACTIVE only, never an exit). */
const kinds = ['reduce', 'close', 'hedge', 'buy-option', 'transfer', 'repay'] as const satisfies readonly Exclude<OrderKind, 'increase'>[];
const exitSchema = z.strictObject({ kind: z.enum(kinds).optional(), account: z.string().min(1).optional(), asset: z.string().min(1).optional(), policy: z.string().min(1).optional() });
const levelSchema = z.strictObject({ price: z.number().positive(), size: z.number().positive() });

export const plannerConfigSchema = z.strictObject({
  reserve: z.union([reserveSchema, z.array(reserveSchema)]).optional(),
  reserves: z.array(reserveSchema).optional(),
  useFreeCollateral: z.boolean().optional(),
  maxImpact: fraction().optional(),
  sliceIntervalMs: z.number().int().positive().optional(),
  maxSlices: z.number().int().min(1).max(1000).optional(),
  impactY: z.number().positive().optional(),
  reflexive: z.boolean().optional(),
  stepFraction: z
    .number()
    .gt(0)
    .lte(1)
    .refine((x) => Math.abs(1 / x - Math.round(1 / x)) < 1e-9, 'must divide 1 into whole steps (0.1, 0.2, 0.25, 0.5, 1)')
    .optional(),
  protectiveExits: z.array(z.union([exitSchema, z.enum([...kinds, 'open'])])).optional(),
  hedgeAccounts: z.record(z.string(), z.string().min(1)).optional(),
  optionAccounts: z.record(z.string(), z.string().min(1)).optional(),
  fees: z.record(z.string(), z.number().min(0).lt(0.1)).optional(),
  halfSpreadBps: z.record(z.string(), nonNeg()).optional(),
  optionHalfSpreadVol: nonNeg().optional(),
  liquidity: z.record(z.string(), z.strictObject({ advUsd: z.number().positive(), sigmaDaily: z.number().positive() })).optional(),
  books: z.record(z.string(), z.strictObject({ bids: z.array(levelSchema).min(1), asks: z.array(levelSchema).min(1) })).optional(),
  transferFeeUsd: nonNeg().optional(),
  maxPositionLevers: z.number().int().min(1).optional(),
  exactLimit: z.number().int().min(1).optional(),
  search: z.enum(['auto', 'exact', 'greedy']).optional(),
  minHealthAfterIncrease: z.number().gt(1).finite().optional(),
});

/** Validate a `planner:` section; throws ValidationError listing every bad field (paths under `path`). */
export function parsePlannerConfig(raw: unknown, source = 'planner', path: readonly (string | number)[] = ['planner']): PlannerOptions {
  const r = plannerConfigSchema.safeParse(raw ?? {});
  if (!r.success) throw new ValidationError(source, toFieldIssues(r.error.issues, raw ?? {}, path));
  return r.data;
}
