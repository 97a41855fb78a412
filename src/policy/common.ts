/**
 * Shared pieces of the policies: votes and reasons, the fail-safe gate (stale data, missing inputs), the exposure
 * measures every policy uses, position iteration with filters, and config definitions (zod shapes validated field
 * by field with the portfolio schema's helpers, so a factory called from code checks its config as the YAML loader
 * does).
 *
 * Conventions (see types.ts): money in USD; exposure of an underlying = report netDeltaUsd (signed, positions and
 * non-stable collateral); gross exposure = sum over underlyings of |netDeltaUsd| (= report netLeverage x equity,
 * NOT the position-level report grossLeverage); leverage = gross / portfolio equity. Thresholds compare with the
 * operator named in each policy's doc: "at" a threshold is spelt out there and tested.
 */
import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../errors/index.ts';
import { formatPath, parseFields, type Fields, type Path } from '../model/schema.ts';
import type { Position } from '../model/types.ts';
import type { AccountRisk, PositionRisk, RiskReport } from '../risk/report.ts';
import { STATE_RANK, type Intent, type Policy, type PolicyContext, type Reason, type TradingState, type Vote } from './types.ts';

/** Default maximum age of market data before every policy fails safe: 5 minutes. */
export const DEFAULT_MAX_DATA_AGE_MS = 5 * 60_000;

// ---------------------------------------------------------------------------------------------------------------
// Votes and reasons

export const reason = (policy: string, code: string, message: string): Reason => ({ policy, code, message });

/**
 * A reason whose message is formatted on first read (memoized): for votes repeated every bar of a backtest, where
 * most messages are never read. `policy` and `code` are own properties, `message` a prototype getter (a class: an
 * object literal with an accessor costs about 0.5 us to create in V8); JSON.stringify writes all three.
 */
class LazyReason implements Reason {
  #text: string | null = null;
  readonly #format: () => string;
  constructor(
    readonly policy: string,
    readonly code: string,
    format: () => string,
  ) {
    this.#format = format;
  }
  get message(): string {
    return (this.#text ??= this.#format());
  }
  toJSON(): Reason {
    return { policy: this.policy, code: this.code, message: this.message };
  }
}

export const lazyReason = (policy: string, code: string, message: () => string): Reason => new LazyReason(policy, code, message);

export const vote = (state: TradingState, reasons: readonly Reason[] = [], intents: readonly Intent[] = []): Vote => ({ state, reasons, intents });

export const ACTIVE: Vote = vote('ACTIVE');

export const strictest = (a: TradingState, b: TradingState): TradingState => (STATE_RANK[b] > STATE_RANK[a] ? b : a);

/** Fail safe: REDUCING (or stricter when `carry` is), the reason first, then what `carry` still says. */
export const failSafe = (policy: string, code: string, message: string, carryVote: Vote | (() => Vote) = ACTIVE): Vote => {
  const carry = typeof carryVote === 'function' ? carryVote() : carryVote;
  return vote(strictest('REDUCING', carry.state), [reason(policy, code, message), ...carry.reasons], carry.intents);
};

/**
 * The stale-data gate every policy runs first: market data older than `maxDataAgeMs` (or an age that is not a
 * number) -> REDUCING with STALE_MARKET_DATA. At exactly maxDataAgeMs the data is still fresh.
 */
export const staleVote = (policy: string, ctx: PolicyContext, maxDataAgeMs: number, carry?: Vote | (() => Vote)): Vote | undefined => {
  const age = ctx.market.dataAgeMs;
  if (age <= maxDataAgeMs) return undefined;
  const what = Number.isFinite(age) ? `${fmtDuration(age)} old` : `of unknown age (${String(age)})`;
  return failSafe(policy, 'STALE_MARKET_DATA', `market data ${what}, more than ${fmtDuration(maxDataAgeMs)}: not acting on it`, carry);
};

export const missingInput = (policy: string, what: string, carry?: Vote | (() => Vote)): Vote => failSafe(policy, 'MISSING_INPUT', `${what}: not guessing`, carry);

// ---------------------------------------------------------------------------------------------------------------
// Formatting (deterministic, no locale)

const group = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
export const fmtUsd = (x: number): string => (Number.isFinite(x) ? `${x < 0 ? '-' : ''}${group(Math.abs(Math.round(x)).toString())} USD` : String(x));
export const fmtPct = (x: number): string => `${(x * 100).toFixed(2)}%`;
export const fmtNum = (x: number, digits = 4): string => (Number.isFinite(x) ? String(Number(x.toPrecision(digits))) : String(x));
export const fmtDuration = (ms: number): string =>
  ms % 3_600_000 === 0 && ms > 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 && ms > 0 ? `${ms / 60_000} min` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`;

// ---------------------------------------------------------------------------------------------------------------
// Exposure measures

/** Gross exposure, USD: sum over underlyings of |netDeltaUsd| (the contract's definition, types.ts). */
export const grossExposureUsd = (report: RiskReport): number => {
  let g = 0;
  for (const u of Object.values(report.portfolio.underlyings)) g += Math.abs(u.netDeltaUsd);
  return g;
};

/** Underlyings of the report in sorted order (deterministic iteration). */
export const underlyingNames = (report: RiskReport): string[] => Object.keys(report.portfolio.underlyings).sort();

// ---------------------------------------------------------------------------------------------------------------
// Positions

export interface PositionView {
  readonly account: AccountRisk;
  /** Position index in its account (file order): the `position` of a reduce-position intent. */
  readonly index: number;
  readonly risk: PositionRisk;
  readonly position: Position;
}

export interface PositionFilter {
  readonly assets?: readonly string[] | undefined;
  readonly accounts?: readonly string[] | undefined;
}

/** Every position of the book with its report row, in account then position order, kept by the filter. */
export function positionsOf(ctx: PolicyContext, filter: PositionFilter = {}): PositionView[] {
  const out: PositionView[] = [];
  ctx.report.accounts.forEach((account, ai) => {
    if (filter.accounts && !filter.accounts.includes(account.id)) return;
    const src = ctx.portfolio.accounts[ai];
    account.positions.forEach((risk, index) => {
      const position = src?.positions[index];
      if (!position || (filter.assets && !filter.assets.includes(risk.asset))) return;
      out.push({ account, index, risk, position });
    });
  });
  return out;
}

/** Stable key of a position in policy state: `<account>#<index>`. */
export const positionKey = (account: string, index: number): string => `${account}#${index}`;

/** Direction of a position's exposure: +1 long, -1 short (a borrow is short its asset), 0 flat. */
export const exposureSign = (p: Position): number => (p.kind === 'borrow' ? (p.qty > 0 ? -1 : 0) : Math.sign(p.qty));

// ---------------------------------------------------------------------------------------------------------------
// Config definitions

/** A fraction in (0, 1). */
export const openFraction = () => z.number().gt(0).lt(1);
/** A fraction in [0, 1]. */
export const unitInterval = () => z.number().min(0).max(1);
/** A fraction in (0, 1]. */
export const reduceFraction = () => z.number().gt(0).max(1);
export const positiveNumber = () => z.number().positive();
export const durationMs = () => z.number().int().min(0);
export const assetList = () => z.array(z.string().regex(/^\S+$/, 'must be an asset symbol without spaces')).min(1);
export const accountList = () => z.array(z.string().min(1)).min(1);

/** Keys every policy accepts besides its own. */
export const commonShape = {
  /** Instance name (reasons, intents, state keys); default: the type. Must be unique in a config. */
  name: z.string().min(1).optional(),
  /** Market data older than this (ms) -> REDUCING with STALE_MARKET_DATA; default: the config's top-level value. */
  maxDataAgeMs: z.number().int().positive().optional(),
};

export type Shape = Record<string, z.ZodType>;
/** `name` and `maxDataAgeMs`, accepted by every factory. */
export type CommonInput = z.input<z.ZodObject<typeof commonShape>>;
export type InputOf<S extends Shape> = z.input<z.ZodObject<S>>;
export type OutputOf<S extends Shape> = z.output<z.ZodObject<S>>;

/** Settings resolved for every policy: its name and data age limit. */
export interface Resolved {
  readonly name: string;
  readonly maxDataAgeMs: number;
}

/** Checks across fields: push issues (path relative to the document) for what the shape alone cannot say. */
export type CrossCheck<S extends Shape> = (fields: Fields<S>, raw: Record<string, unknown>, path: Path, issues: FieldIssue[]) => void;

/** A policy type: its shape, cross-field checks and factory; `parse` is the type-erased door used by config.ts. */
export interface PolicyDefinition<S extends Shape, St> {
  readonly type: string;
  readonly shape: S;
  /** Validate `input` (as a config object without `type`) and build the policy; throws ValidationError. */
  readonly create: (input: InputOf<S> & CommonInput, defaults?: { readonly maxDataAgeMs?: number }) => Policy<St>;
  /** Parse a config object at `path`, pushing every issue into `issues`; undefined when it has any. */
  readonly parse: (raw: Record<string, unknown>, path: Path, issues: FieldIssue[], defaults: { readonly maxDataAgeMs: number }) => Policy<St> | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function definePolicy<S extends Shape, St>(
  type: string,
  shape: S,
  check: CrossCheck<S> | undefined,
  build: (config: OutputOf<S>, resolved: Resolved) => Policy<St>,
): PolicyDefinition<S, St> {
  const full = { type: z.literal(type), ...commonShape, ...shape };
  const parse = (raw: Record<string, unknown>, path: Path, issues: FieldIssue[], defaults: { readonly maxDataAgeMs: number }): Policy<St> | undefined => {
    const before = issues.length;
    const f = parseFields(full, raw, path, issues);
    if (f) check?.(f, raw, path, issues);
    if (!f || issues.length > before) return undefined;
    const all = f as Record<string, unknown>;
    const config = Object.fromEntries(Object.keys(shape).map((k) => [k, all[k]])) as OutputOf<S>;
    const name = typeof all.name === 'string' ? all.name : type;
    const maxDataAgeMs = typeof all.maxDataAgeMs === 'number' ? all.maxDataAgeMs : defaults.maxDataAgeMs;
    return build(config, { name, maxDataAgeMs });
  };
  const create = (input: InputOf<S> & CommonInput, defaults: { readonly maxDataAgeMs?: number } = {}): Policy<St> => {
    const issues: FieldIssue[] = [];
    const raw: unknown = { type, ...input };
    if (!isObject(raw)) throw new ValidationError(`${type} config`, [{ path: '', value: input, message: 'expected a mapping' }]);
    const p = parse(raw, [], issues, { maxDataAgeMs: defaults.maxDataAgeMs ?? DEFAULT_MAX_DATA_AGE_MS });
    if (!p) throw new ValidationError(`${type} config`, issues);
    return p;
  };
  return { type, shape, create, parse };
}

/** Push an issue at `path` + `key`. */
export const pushIssue = (issues: FieldIssue[], path: Path, key: readonly (string | number)[], value: unknown, message: string): void => {
  issues.push({ path: formatPath([...path, ...key]), value, message });
};

/**
 * Bands given in any order: sorted by `drawdown`, each at least `gap` above the previous; reports a duplicate at
 * the later item's path. Returns the original indices in sorted order.
 */
export function checkBandOrder(bands: readonly { readonly drawdown: number }[], path: Path, field: string, issues: FieldIssue[]): number[] {
  const order = bands.map((_, i) => i).sort((a, b) => bands[a]!.drawdown - bands[b]!.drawdown || a - b);
  for (let k = 1; k < order.length; k++) {
    const i = order[k]!;
    const prev = order[k - 1]!;
    if (bands[i]!.drawdown === bands[prev]!.drawdown)
      pushIssue(issues, path, [field, i, 'drawdown'], bands[i]!.drawdown, `duplicate band: ${field}[${prev}] has the same drawdown`);
  }
  return order;
}

// ---------------------------------------------------------------------------------------------------------------
// Equity reference (high-water mark) and drawdown

export const referenceModes = () => z.enum(['trailing', 'fixed']);
export type ReferenceMode = 'trailing' | 'fixed';

/**
 * The equity a drawdown is measured from, updated with the current equity (fresh data only):
 * - trailing: the high-water mark, max(previous, equity); the first evaluation (no previous) seeds it with
 *   portfolio.history.highWaterMark when given (afterwards the policy state carries it, so a reset can rebase it);
 * - fixed: `startEquity` when configured, else the previous reference, else the first equity seen.
 * Null when no positive finite reference exists.
 */
export function nextReference(mode: ReferenceMode, previous: number | null, ctx: PolicyContext, startEquity?: number): number | null {
  const equity = ctx.report.portfolio.equity;
  const candidates =
    mode === 'trailing' ? [previous ?? ctx.portfolio.history?.highWaterMark, equity] : [startEquity ?? previous ?? equity];
  let ref = -Infinity;
  for (const c of candidates) if (c !== null && c !== undefined && Number.isFinite(c) && c > ref) ref = c;
  return ref > 0 ? ref : null;
}

/** Drawdown as a fraction, (reference - equity) / reference, floored at 0 (at a new high it is 0). */
export const drawdownOf = (reference: number, equity: number): number => Math.max(0, (reference - equity) / reference);
