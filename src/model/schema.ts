/**
 * Zod schemas of the portfolio document and the conventions every document schema shares:
 * - Objects are strict: an unknown key is an issue of its own, named by its path, with a "did you mean" hint.
 * - Numbers must be finite (zod 4 rejects NaN and +-Infinity); money and prices must be > 0 where the field says so.
 * - Timestamps are ISO 8601 strings or Date objects: a date alone is UTC midnight, a time needs an explicit zone.
 * - Issues become FieldIssues whose path reads like `accounts[2].positions[0].strike` and whose value is the
 *   offending value as found in the document.
 * Semantic checks that span fields (prices present, venue presets, modes) live in ./parse.ts.
 */
import { z } from 'zod';
import type { FieldIssue } from '../errors/index.ts';

// ---------------------------------------------------------------------------------------------------------------
// Paths, values and issues

export type PathKey = string | number;
export type Path = readonly PathKey[];

const IDENT = /^[A-Za-z0-9_$-]+$/;

/** `['accounts', 2, 'positions', 0, 'strike']` -> `accounts[2].positions[0].strike`; odd keys are quoted: `tiers["*"]`. */
export const formatPath = (path: Path): string =>
  path
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : IDENT.test(k) ? (i === 0 ? k : `.${k}`) : `[${JSON.stringify(k)}]`))
    .join('');

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** The value at `path` inside `root`, undefined when absent. */
export const valueAt = (root: unknown, path: readonly PropertyKey[]): unknown => {
  let v = root;
  for (const k of path) {
    if (Array.isArray(v) && typeof k === 'number') v = v[k];
    else if (isRecord(v) && typeof k === 'string') v = Object.hasOwn(v, k) ? v[k] : undefined;
    else return undefined;
  }
  return v;
};

/** Edit distance counting a transposition of neighbours as one edit (optimal string alignment). */
const editDistance = (a: string, b: string): number => {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(at(i, j), at(i - 2, j - 2) + 1);
    }
  }
  return at(a.length, b.length);
};

const isSubsequence = (short: string, long: string): boolean => {
  let j = 0;
  for (const c of long) if (c === short[j]) j++;
  return j === short.length;
};

/**
 * The closest candidate to a misspelt word (case-insensitive): at most ~1 edit per 3 characters, else a
 * candidate that contains the word's letters in order or is contained in it (a shortened or extended name).
 */
export const suggest = (word: string, candidates: readonly string[]): string | undefined => {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(w.length / 3));
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d <= bestD && (best === undefined || d < bestD)) {
      best = c;
      bestD = d;
    }
  }
  if (best !== undefined || w.length < 4) return best;
  return candidates.find((c) => {
    const l = c.toLowerCase();
    return l.length >= 4 && (isSubsequence(w, l) || isSubsequence(l, w));
  });
};

export const didYouMean = (word: string, candidates: readonly string[]): string => {
  const s = suggest(word, candidates);
  return s === undefined ? '' : ` (did you mean ${s}?)`;
};

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Number.isFinite(v) ? 'a number' : 'an infinite number';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
};

const EXPECTED: Record<string, string> = {
  number: 'a finite number',
  int: 'an integer',
  string: 'a string',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  boolean: 'true or false',
  date: 'a date',
};

const list = (xs: readonly unknown[]): string => xs.map(String).join(', ');

/** Marker of the issue raised by `strict` for a key outside an object's shape. */
interface UnknownKeyParams {
  readonly unknownKey: true;
  readonly known: readonly string[];
}
const isUnknownKey = (p: unknown): p is UnknownKeyParams => isRecord(p) && p.unknownKey === true;

const bound = (inclusive: boolean | undefined, op: '>' | '<', n: unknown): string =>
  `must be ${op}${inclusive ? '=' : ''} ${String(n)}`;

/** One zod issue -> one message (the path and value are added by the caller). */
const message = (iss: z.core.$ZodIssue, value: unknown): string => {
  switch (iss.code) {
    case 'invalid_type': {
      const want = EXPECTED[iss.expected] ?? iss.expected;
      if (value === undefined) return `required field is missing (${want})`;
      if (iss.expected === 'number' && typeof value === 'number') return `must be a finite number, got ${String(value)}`;
      return `expected ${want}, got ${describe(value)}`;
    }
    case 'too_small':
      if (iss.origin === 'array' || iss.origin === 'set') return `must have at least ${String(iss.minimum)} item(s)`;
      if (iss.origin === 'string') return 'must not be empty';
      return bound(iss.inclusive, '>', iss.minimum);
    case 'too_big':
      if (iss.origin === 'array' || iss.origin === 'set') return `must have at most ${String(iss.maximum)} item(s)`;
      if (iss.origin === 'string') return `must have at most ${String(iss.maximum)} characters`;
      return bound(iss.inclusive, '<', iss.maximum);
    case 'invalid_value':
      return value === undefined ? `required field is missing (one of: ${list(iss.values)})` : `must be one of: ${list(iss.values)}`;
    case 'invalid_union':
      if (iss.discriminator !== undefined && 'options' in iss && iss.options !== undefined) {
        const opts = iss.options;
        return value === undefined ? `required field is missing (one of: ${list(opts)})` : `unknown ${String(iss.path.at(-1))}; expected one of: ${list(opts)}`;
      }
      return value === undefined ? `required field is missing (${iss.message})` : iss.message;
    case 'invalid_key':
      return `invalid key: ${iss.issues.map((i) => message(i, value)).join('; ')}`;
    case 'custom':
      if (isUnknownKey(iss.params)) {
        const key = String(iss.path.at(-1));
        return unknownFieldMessage(key, iss.params.known);
      }
      return iss.message;
    default:
      return iss.message;
  }
};

/** Zod issues of `value` (found at `path` in the document) -> FieldIssues, one per bad field. */
export const toFieldIssues = (issues: readonly z.core.$ZodIssue[], value: unknown, path: Path = []): FieldIssue[] =>
  issues.map((iss) => {
    // A bad record key is reported with the key itself as the value.
    const v = iss.code === 'invalid_key' ? iss.path.at(-1) : valueAt(value, iss.path);
    return { path: formatPath([...path, ...(iss.path as PathKey[])]), value: v, message: message(iss, v) };
  });

/** safeParse `value` (at `path`) with `schema`; on failure push its issues into `sink` and return undefined. */
export function parseAt<S extends z.ZodType>(schema: S, value: unknown, path: Path, sink: FieldIssue[]): z.output<S> | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  sink.push(...toFieldIssues(r.error.issues, value, path));
  return undefined;
}

export const unknownFieldMessage = (key: string, known: readonly string[]): string =>
  `unknown field "${key}"${didYouMean(key, known)}; allowed: ${list(known)}`;

export const expectedMapping = (v: unknown): string =>
  v === undefined ? 'required field is missing (a mapping)' : `expected a mapping, got ${describe(v)}`;

/** Parsed fields of an object, each present only when it validated. */
export type Fields<S extends Record<string, z.ZodType>> = { [K in keyof S]?: z.output<S[K]> };

/**
 * Parse an object field by field: unknown keys and every bad field are pushed into `sink`, and the fields that
 * validated are returned, so checks across fields still run on the good ones. Undefined when `raw` is no mapping.
 */
export function parseFields<S extends Record<string, z.ZodType>>(shape: S, raw: unknown, path: Path, sink: FieldIssue[]): Fields<S> | undefined {
  if (!isRecord(raw)) {
    sink.push({ path: formatPath(path), value: raw, message: expectedMapping(raw) });
    return undefined;
  }
  const known = Object.keys(shape);
  for (const k of Object.keys(raw)) {
    if (!Object.hasOwn(shape, k)) sink.push({ path: formatPath([...path, k]), value: raw[k], message: unknownFieldMessage(k, known) });
  }
  const out: Fields<S> = {};
  for (const k of known as (keyof S & string)[]) {
    const v = parseAt(shape[k] as S[typeof k], raw[k], [...path, k], sink);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

const unknownKey = (known: readonly string[]) =>
  z.unknown().check((ctx) => {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: 'unknown field', params: { unknownKey: true, known } });
  });

/**
 * A strict object whose every unknown key is its own issue (path ending in the key) with a spelling hint.
 * zod's strictObject reports all unknown keys in one issue at the object's path; this reports each key. Typed as a
 * strict object: the catchall never succeeds, so no extra key reaches the output.
 */
export function strict<T extends z.core.$ZodLooseShape>(shape: T): z.ZodObject<T, z.core.$strict> {
  return z.object(shape).catchall(unknownKey(Object.keys(shape)));
}

export const finite = () => z.number();
export const positive = () => z.number().positive();
export const nonNegative = () => z.number().min(0);
/** A rate in [0, 1). */
export const rate = () => z.number().min(0).lt(1);
export const nonEmpty = () => z.string().min(1);
export const assetName = () => z.string().regex(/^\S+$/, 'must be an asset symbol without spaces');

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** ISO 8601 -> epoch ms, or a reason it is not one. */
export const parseIsoTime = (s: string): number | string => {
  const m = ISO.exec(s.trim());
  if (!m) return 'expected an ISO 8601 timestamp such as 2024-03-29T08:00:00Z';
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const Y = Number(y);
  const M = Number(mo);
  const D = Number(d);
  const leap = Y % 4 === 0 && (Y % 100 !== 0 || Y % 400 === 0);
  if (M < 1 || M > 12 || D < 1 || D > (M === 2 && !leap ? 28 : (DAYS[M - 1] ?? 31))) return 'not a calendar date';
  if (h === undefined) return Date.UTC(Y, M - 1, D);
  if (zone === undefined) return 'a timestamp with a time needs a zone, e.g. Z for UTC (2024-03-29T08:00:00Z)';
  const H = Number(h);
  const Mi = Number(mi);
  const S = Number(sec ?? 0);
  if (H > 23 || Mi > 59 || S > 59) return 'not a valid time of day';
  let offset = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    const zh = Number(zm?.[2] ?? 0);
    const zmin = Number(zm?.[3] ?? 0);
    if (zh > 23 || zmin > 59) return 'not a valid zone offset';
    offset = (zm?.[1] === '-' ? -1 : 1) * (zh * 60 + zmin) * 60_000;
  }
  const ms = frac === undefined ? 0 : Math.round(Number(frac) * 1000);
  return Date.UTC(Y, M - 1, D, H, Mi, S, ms) - offset;
};

/** ISO 8601 string or Date (YAML timestamps) -> epoch ms. */
export const timestamp = () =>
  z.union([z.string(), z.date({ error: 'not a valid date' })], { error: 'expected an ISO 8601 timestamp such as 2024-03-29T08:00:00Z' }).transform((v, ctx) => {
    if (v instanceof Date) return v.getTime();
    const t = parseIsoTime(v);
    if (typeof t === 'number') return t;
    ctx.issues.push({ code: 'custom', input: v, message: t });
    return z.NEVER;
  });

// ---------------------------------------------------------------------------------------------------------------
// Document

/** Default stable assets (not moved by crash scenarios) when market.stables is absent. */
export const DEFAULT_STABLES: readonly string[] = ['USDT', 'USDC', 'USD', 'DAI', 'BUSD', 'FDUSD', 'TUSD', 'USDE'];

/** Raw SVI slice; the no-arbitrage floor a + b sigma sqrt(1 - rho^2) >= 0 (non-negative variance) is checked. */
export const sviSliceSchema = strict({
  expiry: timestamp(),
  a: finite(),
  b: nonNegative(),
  rho: z.number().gt(-1).lt(1),
  m: finite(),
  sigma: positive(),
});

/** Shapes are parsed field by field (see parse.ts) so one bad field never hides another. */
export const rootShape = {
  asOf: timestamp(),
  market: z.unknown(),
  accounts: z.array(z.unknown()).min(1),
  history: strict({ highWaterMark: nonNegative().optional() }).optional(),
};

export const marketShape = {
  /** USD mark per asset. */
  prices: z.record(assetName(), positive()),
  /** Flat annualised implied vol per underlying. */
  vols: z.record(assetName(), positive()).optional(),
  /** Continuously compounded annual rate; 0 when absent. */
  rate: finite().optional(),
  stables: z.array(assetName()).optional(),
  smiles: z.record(assetName(), z.array(sviSliceSchema).min(1)).optional(),
};

export const MODES = ['cross', 'isolated', 'standard', 'portfolio'] as const;

export const accountShape = {
  id: nonEmpty(),
  /** A preset name or an inline venue mapping; resolved in parse.ts. */
  venue: z.unknown(),
  mode: z.enum(MODES).optional(),
  /** Balances by asset, in units of the asset (debt is a borrow position, not a negative balance). */
  collateral: z.record(assetName(), nonNegative()).optional(),
  positions: z.array(z.unknown()).optional(),
  /** Per-account overrides of the venue's parameters; validated against the venue's model in parse.ts. */
  params: z.unknown(),
};

const settle = () => z.enum(['linear', 'inverse']);

const perpShape = {
  kind: z.literal('perp'),
  asset: assetName(),
  /** Signed: + long, - short. Linear: coins; inverse: USD face value. */
  qty: finite(),
  entry: positive(),
  settle: settle().optional(),
  /** Isolated margin, in the settlement currency (isolated accounts only). */
  margin: positive().optional(),
  leverage: z.number().min(1).optional(),
  mmr: rate().optional(),
  mmAmount: nonNegative().optional(),
  liquidationFeeRate: rate().optional(),
};

/** supply/borrow: qty is a positive amount, the kind gives the direction. */
const amount = () => z.number().refine((v) => v >= 0, 'must be >= 0 (an amount of the asset; the kind gives the direction)');

export const positionShapes = {
  perp: perpShape,
  future: { ...perpShape, kind: z.literal('future'), expiry: timestamp() },
  option: {
    kind: z.literal('option'),
    asset: assetName(),
    /** Signed coins of underlying. */
    qty: finite(),
    right: z.enum(['call', 'put']),
    strike: positive(),
    /** Expiry before asOf is allowed: the option is valued at intrinsic. */
    expiry: timestamp(),
    settle: settle().optional(),
    vol: positive().optional(),
    /** Premium per unit at entry, in settlement currency (coin for inverse). */
    entry: positive().optional(),
  },
  spot: { kind: z.literal('spot'), asset: assetName(), qty: finite(), entry: positive().optional() },
  supply: { kind: z.literal('supply'), asset: assetName(), qty: amount() },
  borrow: { kind: z.literal('borrow'), asset: assetName(), qty: amount() },
} as const;

export type PositionKindName = keyof typeof positionShapes;
export const POSITION_KINDS = Object.keys(positionShapes) as PositionKindName[];
