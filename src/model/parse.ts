/**
 * Portfolio document (YAML 1.2 or JSON text) -> validated, normalized Portfolio. Pure: no I/O.
 *
 * Every bad field is reported at once (ValidationError, one FieldIssue per field, path and value), and nothing is
 * returned from a document that does not validate. Fields are parsed one by one so a bad field never hides
 * another, then checks across fields run on whatever validated: venue presets, modes per model, position kinds
 * per model, prices of every position and collateral asset, a vol source for every option, duplicate ids.
 *
 * Defaults: market.vols {}, market.rate 0, market.stables DEFAULT_STABLES; account mode: tiered cross, deribit
 * standard, lending/weighted cross; collateral {}; positions []; settle from the venue (tiered and deribit: the
 * venue's settle; weighted: linear). Supply and borrow qty are positive amounts (the kind gives the direction).
 */
import { parseDocument } from 'yaml';
import { ValidationError, type FieldIssue } from '../errors/index.ts';
import { getPreset, presetNames } from '../margin/presets.ts';
import type { VenueModel, VenueModelKind } from '../margin/venue-model.ts';
import {
  accountShape,
  DEFAULT_STABLES,
  didYouMean,
  expectedMapping,
  formatPath,
  isRecord,
  marketShape,
  parseFields,
  POSITION_KINDS,
  positionShapes,
  rootShape,
  type Fields,
  type Path,
  type PositionKindName,
  valueAt,
} from './schema.ts';
import type { Account, MarginMode, Market, Portfolio, Position, Settle, SviSlice } from './types.ts';
import { applyParams, parseInlineVenue, VENUE_MODELS } from './venue-schema.ts';

export type DocumentFormat = 'yaml' | 'json';

/** The text is not well-formed YAML / JSON. A ValidationError, so the CLI treats it as invalid input. */
export class DocumentSyntaxError extends ValidationError {
  constructor(
    source: string,
    readonly format: DocumentFormat,
    /** 1-based line and column of the error. */
    readonly line: number,
    readonly column: number,
    readonly reason: string,
    context?: string,
  ) {
    super(source, [{ path: '', value: undefined, message: `${format.toUpperCase()} syntax error at line ${line}, column ${column}: ${reason}` }]);
    this.message = `${source}:${line}:${column}: ${format.toUpperCase()} syntax error: ${reason}${context ? `\n${context}` : ''}`;
  }
}

/** JSON when the first significant character opens an object or array, else YAML. */
export const detectFormat = (text: string): DocumentFormat => (/^\uFEFF?\s*[{[]/.test(text) ? 'json' : 'yaml');

const lineCol = (text: string, pos: number): { line: number; column: number } => {
  const before = text.slice(0, pos).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
};

class JsonStop extends Error {
  constructor(
    readonly pos: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Where and why `text` is not JSON, or repeats a key in an object (JSON.parse keeps the last silently and does not
 * always say where it failed): a small validating scanner, run before JSON.parse.
 */
export const jsonSyntaxError = (text: string): { pos: number; reason: string } | undefined => {
  let i = 0;
  const stop = (reason: string): never => {
    throw new JsonStop(i, reason);
  };
  const here = (): string => (i >= text.length ? 'end of input' : JSON.stringify(text[i]));
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const str = (): void => {
    i++;
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1] ?? '';
        if ('"\\/bfnrt'.includes(e) && e !== '') i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else stop('invalid escape in string');
      } else if (c < ' ') stop('control character in string (escape it)');
      else i++;
    }
    stop('unterminated string');
  };
  const NUM = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      const keys = new Set<string>();
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') stop(`expected a property name in double quotes, found ${here()}`);
          const start = i;
          str();
          const key = JSON.parse(text.slice(start, i)) as string;
          if (keys.has(key)) {
            i = start;
            stop(`duplicate key ${JSON.stringify(key)}`);
          }
          keys.add(key);
          ws();
          if (text[i] !== ':') stop(`expected ':' after the property name, found ${here()}`);
          i++;
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) {
          i++;
          return;
        } else stop(`expected ',' or '${close}', found ${here()}`);
      }
    }
    if (c === '"') return str();
    NUM.lastIndex = i;
    if (NUM.test(text)) {
      i = NUM.lastIndex;
      return;
    }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    stop(`unexpected ${here()}`);
  };
  try {
    value();
    ws();
    if (i < text.length) stop(`unexpected ${here()} after the end of the document`);
  } catch (e) {
    if (e instanceof JsonStop) return { pos: e.pos, reason: e.reason };
    throw e;
  }
  return undefined;
};

const parseJson = (text: string, source: string): unknown => {
  const body = text.replace(/^\uFEFF/, '');
  const found = jsonSyntaxError(body);
  if (!found) return JSON.parse(body) as unknown;
  const { line, column } = lineCol(body, found.pos);
  const lineText = body.split('\n')[line - 1] ?? '';
  throw new DocumentSyntaxError(source, 'json', line, column, found.reason, `${lineText}\n${' '.repeat(column - 1)}^`);
};

const parseYaml = (text: string, source: string): unknown => {
  const doc = parseDocument(text, { version: '1.2', merge: true, uniqueKeys: true, prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const at = err.linePos?.[0] ?? { line: 1, col: 1 };
    const [first = '', ...context] = err.message.split('\n');
    const reason = first.replace(/ at line \d+, column \d+:?$/, '');
    throw new DocumentSyntaxError(source, 'yaml', at.line, at.col, reason, context.join('\n').replace(/\n+$/, ''));
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
};

/** Text -> plain data. Without a format, text that looks like JSON but is not valid JSON is retried as (flow) YAML. */
export const parseText = (text: string, source: string, format?: DocumentFormat): unknown => {
  if (format === 'yaml') return parseYaml(text, source);
  if (format === 'json') return parseJson(text, source);
  if (detectFormat(text) === 'yaml') return parseYaml(text, source);
  try {
    return parseJson(text, source);
  } catch (jsonError) {
    try {
      return parseYaml(text, source);
    } catch {
      throw jsonError;
    }
  }
};

/** Parse and validate a portfolio document. Throws DocumentSyntaxError or ValidationError (every issue at once). */
export function parsePortfolio(text: string, source: string, format?: DocumentFormat): Portfolio {
  return validatePortfolio(parseText(text, source, format), source);
}

// ---------------------------------------------------------------------------------------------------------------
// Validation of plain data

/** Position kinds each margin model values. */
export const KINDS_BY_MODEL: Readonly<Record<VenueModelKind, readonly PositionKindName[]>> = {
  tiered: ['perp', 'future', 'spot'],
  deribit: ['perp', 'future', 'option'],
  lending: ['supply', 'borrow'],
  weighted: ['perp', 'spot', 'supply', 'borrow'],
};

/** Margin modes each model allows; the first is the default. */
export const MODES_BY_MODEL: Readonly<Record<VenueModelKind, readonly MarginMode[]>> = {
  tiered: ['cross', 'isolated'],
  deribit: ['standard', 'portfolio'],
  lending: ['cross'],
  weighted: ['cross'],
};

interface Ctx {
  readonly issues: FieldIssue[];
  readonly asOf: number | undefined;
  /**
   * Assets with a price / flat vol entry, valid or not (a present but invalid entry is reported on its own); and
   * the smiles. Undefined when the map itself is malformed: checks against it are then skipped.
   */
  readonly prices: ReadonlySet<string> | undefined;
  readonly vols: ReadonlySet<string> | undefined;
  readonly smiles: Readonly<Record<string, readonly SviSlice[]>> | undefined;
}

const issue = (ctx: Ctx, path: Path, value: unknown, message: string): void => {
  ctx.issues.push({ path: formatPath(path), value, message });
};

/** Drop undefined fields, so optional fields are absent rather than present-and-undefined. */
const compact = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** Once a field-by-field parse raised no issue every required field is present. */
type Complete<F> = { [K in keyof F]-?: F[K] };
const complete = <F>(f: F): Complete<F> => f as Complete<F>;

const requirePrice = (ctx: Ctx, asset: string | undefined, path: Path, what: string): void => {
  if (asset === undefined || ctx.prices === undefined || ctx.prices.has(asset)) return;
  issue(ctx, path, asset, `no price for ${asset} in market.prices (needed by this ${what})${didYouMean(asset, [...ctx.prices])}`);
};

export function validatePortfolio(raw: unknown, source: string): Portfolio {
  const issues: FieldIssue[] = [];
  const root = parseFields(rootShape, raw, [], issues);
  if (!root) throw new ValidationError(source, issues);
  const rawMarket = isRecord(raw) ? raw.market : undefined;
  const m = parseFields(marketShape, rawMarket, ['market'], issues);
  const rawField = (key: string): unknown => (isRecord(rawMarket) ? rawMarket[key] : undefined);
  const keysOf = (key: string, optional: boolean): ReadonlySet<string> | undefined => {
    const r = rawField(key);
    return isRecord(r) ? new Set(Object.keys(r)) : r === undefined && optional && m ? new Set() : undefined;
  };
  const ctx: Ctx = {
    issues,
    asOf: root.asOf,
    prices: keysOf('prices', false),
    vols: keysOf('vols', true),
    smiles: m && (m.smiles ?? (rawField('smiles') === undefined ? {} : undefined)),
  };
  if (m?.smiles) checkSmiles(m.smiles, rawField('smiles'), ctx);

  const ids = new Map<string, number>();
  const accounts = (root.accounts ?? []).map((a, i) => account(a, i, ctx, ids));

  if (issues.length > 0) throw new ValidationError(source, issues);
  const mk = complete(m as Fields<typeof marketShape>);
  const market: Market = {
    asOf: root.asOf as number,
    prices: mk.prices,
    vols: mk.vols ?? {},
    smiles: mk.smiles ?? {},
    rate: mk.rate ?? 0,
    stables: new Set(mk.stables ?? DEFAULT_STABLES),
  };
  return compact({ market, accounts: accounts as Account[], history: root.history && compact(root.history) });
}

function checkSmiles(smiles: Readonly<Record<string, readonly SviSlice[]>>, raw: unknown, ctx: Ctx): void {
  for (const [asset, slices] of Object.entries(smiles)) {
    const seen = new Set<number>();
    slices.forEach((s, i) => {
      const path = ['market', 'smiles', asset, i];
      const floor = s.a + s.b * s.sigma * Math.sqrt(1 - s.rho * s.rho);
      if (floor < 0) issue(ctx, [...path, 'a'], s.a, `total variance goes negative: need a + b sigma sqrt(1 - rho^2) >= 0 (is ${floor})`);
      if (seen.has(s.expiry)) issue(ctx, [...path, 'expiry'], valueAt(raw, [asset, i, 'expiry']), `duplicate smile expiry for ${asset}`);
      seen.add(s.expiry);
    });
  }
}

function resolveVenue(raw: unknown, path: Path, ctx: Ctx): { name: string; venue: VenueModel } | undefined {
  if (typeof raw === 'string') {
    const venue = getPreset(raw);
    if (venue) return { name: raw, venue };
    issue(ctx, path, raw, `unknown venue preset${didYouMean(raw, presetNames())}; known presets: ${presetNames().join(', ')}`);
    return undefined;
  }
  if (isRecord(raw)) {
    const venue = parseInlineVenue(raw, path, ctx.asOf, ctx.issues);
    return venue && { name: 'inline', venue };
  }
  const want = `a preset name (${presetNames().join(', ')}) or an inline venue { model: ${VENUE_MODELS.join(' | ')}, ... }`;
  issue(ctx, path, raw, raw === undefined ? `required field is missing (${want})` : `expected ${want}`);
  return undefined;
}

function account(raw: unknown, i: number, ctx: Ctx, ids: Map<string, number>): Account | undefined {
  const path = ['accounts', i];
  const before = ctx.issues.length;
  const f = parseFields(accountShape, raw, path, ctx.issues);
  if (!f) return undefined;

  if (f.id !== undefined) {
    const first = ids.get(f.id);
    if (first === undefined) ids.set(f.id, i);
    else issue(ctx, [...path, 'id'], f.id, `duplicate account id (accounts[${first}] has it too)`);
  }

  const resolved = resolveVenue(f.venue, [...path, 'venue'], ctx);
  const venue = resolved && applyParams(resolved.venue, f.params, [...path, 'params'], ctx.issues);
  // Checks by model still run when the params are invalid; checks on tables wait for valid params.
  const checked: CheckedVenue | undefined = resolved && { name: resolved.name, venue: venue ?? resolved.venue, tablesFinal: venue !== undefined };

  let mode: MarginMode | undefined;
  if (checked) {
    const allowed = MODES_BY_MODEL[checked.venue.model];
    if (f.mode === undefined) mode = isRecord(raw) && raw.mode !== undefined ? undefined : allowed[0];
    else if (allowed.includes(f.mode)) mode = f.mode;
    else {
      const what = checked.name === 'inline' ? `${checked.venue.model} venues` : `${checked.name} (${checked.venue.model} model)`;
      issue(ctx, [...path, 'mode'], f.mode, `mode not available for ${what}; use ${allowed.join(' or ')}`);
    }
  }

  for (const asset of Object.keys(f.collateral ?? {})) requirePrice(ctx, asset, [...path, 'collateral', asset], 'collateral');

  const positions = (f.positions ?? []).map((p, j) => position(p, [...path, 'positions', j], j, checked, mode, ctx));

  if (ctx.issues.length > before || !resolved || !venue || !mode) return undefined;
  const a = complete(f);
  return { id: a.id, index: i, venueName: resolved.name, venue, mode, collateral: f.collateral ?? {}, positions: positions as Position[] };
}

const defaultSettle = (venue: VenueModel): Settle => (venue.model === 'tiered' || venue.model === 'deribit' ? venue.settle : 'linear');

/** An account's venue as far as it resolved: `tablesFinal` once its params applied (tier tables, perp markets). */
interface CheckedVenue {
  readonly name: string;
  readonly venue: VenueModel;
  readonly tablesFinal: boolean;
}

function position(
  raw: unknown,
  path: Path,
  index: number,
  v: CheckedVenue | undefined,
  mode: MarginMode | undefined,
  ctx: Ctx,
): Position | undefined {
  const before = ctx.issues.length;
  if (!isRecord(raw)) {
    issue(ctx, path, raw, expectedMapping(raw));
    return undefined;
  }
  const kind = raw.kind;
  if (typeof kind !== 'string' || !(POSITION_KINDS as string[]).includes(kind)) {
    const hint = typeof kind === 'string' ? didYouMean(kind, POSITION_KINDS) : '';
    issue(ctx, [...path, 'kind'], kind, `${kind === undefined ? 'required field is missing' : 'unknown position kind'}${hint}; expected one of: ${POSITION_KINDS.join(', ')}`);
    return undefined;
  }
  const k = kind as PositionKindName;
  if (v && !KINDS_BY_MODEL[v.venue.model].includes(k)) {
    issue(ctx, [...path, 'kind'], k, `${k} positions are not supported by ${v.name === 'inline' ? 'this' : v.name} (${v.venue.model} model); allowed: ${KINDS_BY_MODEL[v.venue.model].join(', ')}`);
  }

  /**
   * Checks shared by perps, futures and options: settle against the venue, isolated margin against the mode
   * (a weighted venue isolates a perp that has a margin), a tier table or perp market for the asset.
   */
  const contract = (asset: string | undefined, settle: Settle | undefined, margin: number | undefined): Settle | undefined => {
    if (margin !== undefined && v?.venue.model === 'deribit')
      issue(ctx, [...path, 'margin'], margin, 'Deribit accounts have no isolated margin; remove margin');
    else if (margin !== undefined && v?.venue.model === 'tiered' && mode !== undefined && mode !== 'isolated')
      issue(ctx, [...path, 'margin'], margin, `isolated margin given in a ${mode} account; set the account's mode: isolated or remove margin`);
    if (!v) return settle;
    const name = v.name === 'inline' ? 'this venue' : v.name;
    if (asset !== undefined && k !== 'option' && v.tablesFinal) {
      if (v.venue.model === 'tiered' && !v.venue.tiers[asset] && !v.venue.tiers['*'])
        issue(ctx, [...path, 'asset'], asset, `${name} has no tier table for ${asset} and no "*" default; add one in the account's params.tiers.${asset}`);
      if (v.venue.model === 'weighted' && !v.venue.perps[asset])
        issue(ctx, [...path, 'asset'], asset, `${name} has no perp market parameters for ${asset} (known: ${Object.keys(v.venue.perps).join(', ')})`);
    }
    const venueSettle = defaultSettle(v.venue);
    if (settle !== undefined && settle !== venueSettle && v.venue.model !== 'deribit')
      issue(ctx, [...path, 'settle'], settle, `${name} settles ${venueSettle} contracts only`);
    return settle ?? venueSettle;
  };
  const ok = (): boolean => ctx.issues.length === before;

  switch (k) {
    case 'perp':
    case 'future': {
      const f = k === 'perp' ? parseFields(positionShapes.perp, raw, path, ctx.issues) : parseFields(positionShapes.future, raw, path, ctx.issues);
      if (!f) return undefined;
      requirePrice(ctx, f.asset, [...path, 'asset'], k);
      const settle = contract(f.asset, f.settle, f.margin);
      return ok() ? (compact({ ...complete(f), index, settle }) as Position) : undefined;
    }
    case 'option': {
      const f = parseFields(positionShapes.option, raw, path, ctx.issues);
      if (!f) return undefined;
      requirePrice(ctx, f.asset, [...path, 'asset'], 'option');
      const settle = contract(f.asset, f.settle, undefined);
      if (f.vol === undefined && f.asset !== undefined && f.expiry !== undefined && ctx.vols && ctx.smiles) {
        const expiry = f.expiry;
        const slice = ctx.smiles[f.asset]?.some((s) => s.expiry === expiry);
        if (!slice && !ctx.vols.has(f.asset))
          issue(ctx, [...path, 'vol'], undefined, `no vol for this ${f.asset} option: set vol here, add market.vols.${f.asset}, or a market.smiles.${f.asset} slice for expiry ${new Date(expiry).toISOString()}`);
      }
      return ok() ? compact({ ...complete(f), index, settle: settle as Settle }) : undefined;
    }
    case 'spot':
    case 'supply':
    case 'borrow': {
      const f = parseFields(positionShapes[k], raw, path, ctx.issues);
      if (!f) return undefined;
      requirePrice(ctx, f.asset, [...path, 'asset'], k);
      return ok() ? compact({ ...complete(f), index }) : undefined;
    }
  }
}
