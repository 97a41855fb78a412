import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ValidationError, type FieldIssue } from '../errors/index.ts';
import type { LendingModel, TieredModel } from '../margin/venue-model.ts';
import { DocumentSyntaxError, detectFormat, parsePortfolio, validatePortfolio } from './parse.ts';
import { formatPath, parseIsoTime } from './schema.ts';
import type { OptionPosition, PerpPosition } from './types.ts';

/** A self-contained document (inline venues only, so it does not depend on preset data). */
const base = () => ({
  asOf: '2024-03-01T00:00:00Z',
  market: { prices: { BTC: 62000, ETH: 3400, USDT: 1, USDC: 1 }, vols: { BTC: 0.55 }, rate: 0 },
  accounts: [
    {
      id: 'cex',
      venue: {
        model: 'tiered',
        settle: 'linear',
        maintenanceAt: 'mark',
        liquidationFeeRate: 0.0005,
        tiers: {
          BTC: [
            { floor: 0, cap: 50000, mmr: 0.004, maxLeverage: 125 },
            { floor: 50000, cap: null, mmr: 0.005, maxLeverage: 100 },
          ],
          '*': [{ floor: 0, cap: null, mmr: 0.01, maxLeverage: 50 }],
        },
      },
      mode: 'cross',
      collateral: { USDT: 100000 },
      positions: [
        { kind: 'perp', asset: 'ETH', qty: 40, entry: 3100 },
        { kind: 'perp', asset: 'BTC', qty: 2, entry: 60000, mmr: 0.004, mmAmount: 0, liquidationFeeRate: 0.0006 },
      ],
    },
    {
      id: 'opts',
      venue: {
        model: 'deribit',
        settle: 'inverse',
        standard: { futureImBase: 0.04, futureMmBase: 0.02, futureSlopePer100: 0.005, optionImBase: 0.15, optionImFloor: 0.1, optionMmBase: 0.075 },
        portfolio: {
          priceRange: 0.16,
          bucketsPerSide: 8,
          volUp: 0.45,
          volDown: 0.3,
          shortTermVegaPower: 0.3,
          longTermVegaPower: 0.13,
          extendedMoves: [{ move: -0.66, weight: 0.4 }],
          shortOptionContingency: 0.01,
          mmFactor: 0.8,
        },
      },
      mode: 'portfolio',
      collateral: { BTC: 3 },
      positions: [
        { kind: 'option', asset: 'BTC', right: 'put', strike: 55000, expiry: '2024-03-29T08:00:00Z', qty: -5, vol: 0.62 },
        { kind: 'future', asset: 'BTC', qty: 20000, entry: 61000, expiry: '2024-03-29T08:00:00Z' },
      ],
    },
    {
      id: 'defi',
      venue: {
        model: 'lending',
        assets: { ETH: { ltv: 0.8, liquidationThreshold: 0.825, liquidationBonus: 0.05 }, USDC: { ltv: 0.75, liquidationThreshold: 0.78, liquidationBonus: 0.045 } },
        closeFactor: 0.5,
        closeFactorHfThreshold: 0.95,
      },
      params: { ETH: { ltv: 0.7 } },
      positions: [
        { kind: 'supply', asset: 'ETH', qty: 50 },
        { kind: 'borrow', asset: 'USDC', qty: 90000 },
      ],
    },
  ],
});
type Doc = ReturnType<typeof base>;

const pos = (a: number, p: number, field: string) => `accounts[${a}].positions[${p}].${field}`;

const parseObj = (doc: unknown) => parsePortfolio(JSON.stringify(doc), 'doc.json');

/** The issues a document raises (empty when it validates). */
const issuesOf = (doc: unknown, text = JSON.stringify(doc)): FieldIssue[] => {
  try {
    parsePortfolio(text, 'doc');
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return [...e.issues];
    throw e;
  }
};

/** Set `value` at a dotted/bracket path in a fresh copy of the base document (undefined deletes). */
const withField = (path: (string | number)[], value: unknown, doc: Doc = base()): Doc => {
  let o = doc as unknown as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (value === undefined) delete o[last];
  else o[last] = value;
  return doc;
};

describe('parsePortfolio: valid documents', () => {
  it('normalizes times, defaults, inline venues and params', () => {
    const p = parseObj(base());
    expect(p.market.asOf).toBe(Date.UTC(2024, 2, 1));
    expect(p.market.stables).toEqual(new Set(['USDT', 'USDC', 'USD', 'DAI', 'BUSD', 'FDUSD', 'TUSD', 'USDE']));
    expect(p.market.smiles).toEqual({});
    const [cex, opts, defi] = p.accounts;
    expect(cex?.venueName).toBe('inline');
    expect(cex?.venue.provenance).toEqual({ source: 'inline', retrieved: '2024-03-01', version: 'inline' });
    const tiers = (cex?.venue as TieredModel).tiers.BTC ?? [];
    expect(tiers.at(-1)?.cap).toBe(Infinity);
    expect(tiers.every((t) => Number.isFinite(t.mmAmount))).toBe(true);
    const perp = cex?.positions[0] as PerpPosition;
    expect(perp).toEqual({ index: 0, kind: 'perp', asset: 'ETH', qty: 40, entry: 3100, settle: 'linear' });
    expect(opts?.mode).toBe('portfolio');
    const opt = opts?.positions[0] as OptionPosition;
    expect(opt.expiry).toBe(Date.UTC(2024, 2, 29, 8));
    expect(opt.settle).toBe('inverse');
    expect(opts?.positions[1]).toMatchObject({ kind: 'future', settle: 'inverse', expiry: Date.UTC(2024, 2, 29, 8) });
    expect(defi?.mode).toBe('cross');
    expect(defi?.collateral).toEqual({});
    expect((defi?.venue as LendingModel).assets.ETH).toEqual({ ltv: 0.7, liquidationThreshold: 0.825, liquidationBonus: 0.05 });
    expect((defi?.venue as LendingModel).assets.USDC?.ltv).toBe(0.75);
    expect(defi?.positions[1]).toEqual({ index: 1, kind: 'borrow', asset: 'USDC', qty: 90000 });
    expect(p.history).toBeUndefined();
  });

  it('gives the same Portfolio from YAML and JSON', () => {
    const doc = base();
    const yamlText = `# comment\n${stringify(doc)}`;
    expect(detectFormat(yamlText)).toBe('yaml');
    expect(detectFormat(`  \n${JSON.stringify(doc)}`)).toBe('json');
    expect(parsePortfolio(yamlText, 'a.yaml')).toEqual(parsePortfolio(JSON.stringify(doc, null, 2), 'a.json'));
    expect(parsePortfolio(yamlText, 'a', 'yaml')).toEqual(parsePortfolio(JSON.stringify(doc), 'a', 'json'));
  });

  it('accepts unquoted YAML timestamps, Date objects and date-only strings', () => {
    const yamlText = stringify(base()).replace("asOf: '2024-03-01T00:00:00Z'", 'asOf: 2024-03-01T00:00:00Z').replace('asOf: 2024-03-01T00:00:00Z', 'asOf: 2024-03-01');
    expect(parsePortfolio(yamlText, 'a.yaml').market.asOf).toBe(Date.UTC(2024, 2, 1));
    const withDates = { ...base(), asOf: new Date(Date.UTC(2024, 2, 1)) };
    expect(validatePortfolio(withDates, 'obj').market.asOf).toBe(Date.UTC(2024, 2, 1));
    expect(parseIsoTime('2024-03-29T10:00:00+02:00')).toBe(Date.UTC(2024, 2, 29, 8));
    expect(parseIsoTime('2024-03-29 08:00:00.5Z')).toBe(Date.UTC(2024, 2, 29, 8, 0, 0, 500));
    expect(parseIsoTime('2023-02-29')).toBe('not a calendar date');
  });

  it('takes optional fields: stables, smiles, settle, leverage, option premium, history', () => {
    const doc = base() as unknown as Record<string, unknown> & Doc;
    Object.assign(doc.market, {
      stables: ['USDT', 'USDC'],
      smiles: { BTC: [{ expiry: '2024-03-29T08:00:00Z', a: 0.02, b: 0.06, rho: -0.3, m: 0, sigma: 0.15 }] },
    });
    doc.history = { highWaterMark: 1_000_000 };
    doc.accounts[0]?.positions.push({ kind: 'perp', asset: 'BTC', qty: -1, entry: 61000, settle: 'linear', leverage: 20 } as never);
    doc.accounts[1]?.positions.push({ kind: 'option', asset: 'BTC', right: 'call', strike: 70000, expiry: '2024-03-29T08:00:00Z', qty: 1, entry: 0.012, settle: 'linear' } as never);
    const p = parseObj(doc);
    expect(p.market.stables).toEqual(new Set(['USDT', 'USDC']));
    expect(p.market.smiles.BTC?.[0]).toEqual({ expiry: Date.UTC(2024, 2, 29, 8), a: 0.02, b: 0.06, rho: -0.3, m: 0, sigma: 0.15 });
    expect(p.history).toEqual({ highWaterMark: 1_000_000 });
    expect(p.accounts[0]?.positions[2]).toMatchObject({ leverage: 20, settle: 'linear' });
    expect(p.accounts[1]?.positions[2]).toMatchObject({ entry: 0.012, settle: 'linear' });
  });

  it('allows qty 0, expired options, isolated positions without margin, options priced by a smile', () => {
    const doc = base();
    doc.accounts[0]!.mode = 'isolated';
    doc.accounts[0]!.positions[0]!.qty = 0;
    doc.accounts[1]!.positions[0] = { kind: 'option', asset: 'BTC', right: 'put', strike: 55000, expiry: '2024-01-26T08:00:00Z', qty: -5 };
    doc.market.vols = {} as never;
    (doc.market as Record<string, unknown>).smiles = { BTC: [{ expiry: '2024-01-26T08:00:00Z', a: 0.02, b: 0.06, rho: -0.3, m: 0, sigma: 0.15 }] };
    expect(issuesOf(doc)).toEqual([]);
  });

  it('overrides a tiered venue per account: liquidation fee and per-asset tiers', () => {
    const doc = base();
    (doc.accounts[0] as Record<string, unknown>).params = { liquidationFeeRate: 0.001, tiers: { ETH: [{ floor: 0, cap: null, mmr: 0.02, maxLeverage: 20 }] } };
    const v = parseObj(doc).accounts[0]?.venue as TieredModel;
    expect(v.liquidationFeeRate).toBe(0.001);
    expect(v.tiers.ETH?.[0]).toMatchObject({ floor: 0, cap: Infinity, mmr: 0.02, maxLeverage: 20 });
    expect(v.tiers.BTC).toHaveLength(2);
  });

  it('clearance fee: the preset\'s (binance-usdm 0.0125), overridden per account, 0 absent; a rate in [0, 1)', () => {
    const doc = base();
    (doc.accounts[0] as Record<string, unknown>).venue = 'binance-usdm';
    expect((parseObj(doc).accounts[0]?.venue as TieredModel).clearanceFeeRate).toBe(0.0125);
    (doc.accounts[0] as Record<string, unknown>).params = { clearanceFeeRate: 0.02 };
    const v = parseObj(doc).accounts[0]?.venue as TieredModel;
    expect(v.clearanceFeeRate).toBe(0.02);
    expect(v.liquidationFeeRate).toBe(0); // the maintenance term is untouched
    expect((parseObj(base()).accounts[0]?.venue as TieredModel).clearanceFeeRate ?? 0).toBe(0);
    (doc.accounts[0] as Record<string, unknown>).params = { clearanceFeeRate: 1.5 };
    expect(issuesOf(doc)).toEqual([expect.objectContaining({ path: 'accounts[0].params.clearanceFeeRate', value: 1.5, message: 'must be < 1' })]);
  });
});

describe('parsePortfolio: inline weighted venue', () => {
  const weighted = {
    model: 'weighted',
    spot: {
      USDC: { initialAssetWeight: 1, maintenanceAssetWeight: 1, initialLiabilityWeight: 1, maintenanceLiabilityWeight: 1, imf: 0 },
      SOL: { initialAssetWeight: 0.8, maintenanceAssetWeight: 0.9, initialLiabilityWeight: 1.2, maintenanceLiabilityWeight: 1.1, imf: 0.001 },
    },
    perps: { SOL: { initialMarginRatio: 0.1, maintenanceMarginRatio: 0.05, imf: 0.001 } },
    unrealizedPnlMaintenanceWeight: 1,
    provenance: { source: 'my notes', retrieved: '2024-02-28', version: '3' },
  };
  const doc = (positions: unknown[], venue: unknown = weighted) => ({
    asOf: '2024-03-01',
    market: { prices: { SOL: 125, USDC: 1, BTC: 62000 } },
    accounts: [{ id: 'drift', venue, collateral: { USDC: 1000 }, positions }],
  });

  it('parses spot, supply, borrow and perps (a perp with margin is isolated by the model) and keeps its provenance', () => {
    const p = parseObj(
      doc([
        { kind: 'spot', asset: 'SOL', qty: 10 },
        { kind: 'borrow', asset: 'USDC', qty: 200 },
        { kind: 'perp', asset: 'SOL', qty: -20, entry: 130, margin: 300 },
      ]),
    );
    const a = p.accounts[0];
    expect(a?.mode).toBe('cross');
    expect(a?.venue.provenance).toEqual({ source: 'my notes', retrieved: '2024-02-28', version: '3' });
    expect(a?.positions[2]).toEqual({ index: 2, kind: 'perp', asset: 'SOL', qty: -20, entry: 130, margin: 300, settle: 'linear' });
  });

  it('reports a perp without market parameters, an inverse perp, a bad weight order, an unknown key', () => {
    const venue = structuredClone(weighted) as typeof weighted & Record<string, unknown>;
    venue.spot.SOL.maintenanceAssetWeight = 0.7;
    venue.unrealizedPnlWeight = 1;
    const got = issuesOf(
      doc(
        [
          { kind: 'perp', asset: 'BTC', qty: 1, entry: 60000 },
          { kind: 'perp', asset: 'SOL', qty: 1, entry: 120, settle: 'inverse' },
        ],
        venue,
      ),
    );
    expect(got.map((i) => [i.path, i.value])).toEqual([
      ['accounts[0].venue.spot.SOL.maintenanceAssetWeight', 0.7],
      ['accounts[0].venue.unrealizedPnlWeight', 1],
    ]);
    expect(got[1]?.message).toContain('did you mean unrealizedPnlMaintenanceWeight?');
    const got2 = issuesOf(
      doc([
        { kind: 'perp', asset: 'BTC', qty: 1, entry: 60000 },
        { kind: 'perp', asset: 'SOL', qty: 1, entry: 120, settle: 'inverse' },
        { kind: 'option', asset: 'SOL', qty: 1, right: 'call', strike: 150, expiry: '2024-03-29T08:00:00Z', vol: 0.8 },
      ]),
    );
    expect(got2).toEqual([
      { path: pos(0, 0, 'asset'), value: 'BTC', message: 'this venue has no perp market parameters for BTC (known: SOL)' },
      { path: pos(0, 1, 'settle'), value: 'inverse', message: 'this venue settles linear contracts only' },
      { path: pos(0, 2, 'kind'), value: 'option', message: 'option positions are not supported by this (weighted model); allowed: perp, spot, supply, borrow' },
    ]);
  });
});

interface Case {
  readonly name: string;
  readonly doc: () => unknown;
  /** Exact issues: path, value, and a fragment of the message. */
  readonly issues: readonly { path: string; value: unknown; message: string | RegExp }[];
}

const cases: Case[] = [
  { name: 'non-positive strike', doc: () => withField(['accounts', 1, 'positions', 0, 'strike'], -1), issues: [{ path: pos(1, 0, 'strike'), value: -1, message: 'must be > 0' }] },
  { name: 'zero entry', doc: () => withField(['accounts', 0, 'positions', 0, 'entry'], 0), issues: [{ path: pos(0, 0, 'entry'), value: 0, message: 'must be > 0' }] },
  { name: 'negative price', doc: () => withField(['market', 'prices', 'ETH'], -3400), issues: [{ path: 'market.prices.ETH', value: -3400, message: 'must be > 0' }] },
  { name: 'string qty', doc: () => withField(['accounts', 0, 'positions', 1, 'qty'], '2'), issues: [{ path: pos(0, 1, 'qty'), value: '2', message: 'expected a finite number, got a string' }] },
  {
    name: 'typo entyr',
    doc: () => {
      const d = base();
      const p = d.accounts[0]!.positions[0] as Record<string, unknown>;
      delete p.entry;
      p.entyr = 3100;
      return d;
    },
    issues: [
      { path: pos(0, 0, 'entyr'), value: 3100, message: 'unknown field "entyr" (did you mean entry?)' },
      { path: pos(0, 0, 'entry'), value: undefined, message: 'required field is missing' },
    ],
  },
  { name: 'unknown top-level key', doc: () => ({ ...base(), acounts: [] }), issues: [{ path: 'acounts', value: [], message: 'unknown field "acounts" (did you mean accounts?)' }] },
  { name: 'unknown market key', doc: () => withField(['market', 'vol'], { BTC: 0.5 }), issues: [{ path: 'market.vol', value: { BTC: 0.5 }, message: 'did you mean vols?' }] },
  { name: 'unknown tier key', doc: () => withField(['accounts', 0, 'venue', 'tiers', 'BTC', 0, 'mmrr'], 0.1), issues: [{ path: 'accounts[0].venue.tiers.BTC[0].mmrr', value: 0.1, message: 'did you mean mmr?' }] },
  {
    name: 'option without strike, expiry, right',
    doc: () => withField(['accounts', 1, 'positions', 0], { kind: 'option', asset: 'BTC', qty: -5, vol: 0.6 }),
    issues: [
      { path: pos(1, 0, 'right'), value: undefined, message: 'required field is missing (one of: call, put)' },
      { path: pos(1, 0, 'strike'), value: undefined, message: 'required field is missing (a finite number)' },
      { path: pos(1, 0, 'expiry'), value: undefined, message: 'required field is missing' },
    ],
  },
  { name: 'bad right', doc: () => withField(['accounts', 1, 'positions', 0, 'right'], 'P'), issues: [{ path: pos(1, 0, 'right'), value: 'P', message: 'must be one of: call, put' }] },
  { name: 'unknown kind', doc: () => withField(['accounts', 0, 'positions', 0, 'kind'], 'perpetual'), issues: [{ path: pos(0, 0, 'kind'), value: 'perpetual', message: 'unknown position kind' }] },
  { name: 'kind not valued by the model', doc: () => withField(['accounts', 0, 'positions', 0], { kind: 'supply', asset: 'ETH', qty: 1 }), issues: [{ path: pos(0, 0, 'kind'), value: 'supply', message: 'not supported by this (tiered model); allowed: perp, future' }] },
  { name: 'unknown preset', doc: () => withField(['accounts', 0, 'venue'], 'binanse-usdm'), issues: [{ path: 'accounts[0].venue', value: 'binanse-usdm', message: /^unknown venue preset.*known presets: / }] },
  { name: 'venue missing', doc: () => withField(['accounts', 0, 'venue'], undefined), issues: [{ path: 'accounts[0].venue', value: undefined, message: 'required field is missing (a preset name' }] },
  { name: 'unknown inline model', doc: () => withField(['accounts', 0, 'venue', 'model'], 'tierd'), issues: [{ path: 'accounts[0].venue.model', value: 'tierd', message: 'unknown model; expected one of: tiered, deribit, lending, weighted' }] },
  { name: 'mode not allowed: tiered', doc: () => withField(['accounts', 0, 'mode'], 'portfolio'), issues: [{ path: 'accounts[0].mode', value: 'portfolio', message: 'mode not available for tiered venues; use cross or isolated' }] },
  { name: 'mode not allowed: deribit', doc: () => withField(['accounts', 1, 'mode'], 'cross'), issues: [{ path: 'accounts[1].mode', value: 'cross', message: 'use standard or portfolio' }] },
  { name: 'mode not allowed: lending', doc: () => withField(['accounts', 2, 'mode'], 'isolated'), issues: [{ path: 'accounts[2].mode', value: 'isolated', message: 'use cross' }] },
  { name: 'unknown mode', doc: () => withField(['accounts', 0, 'mode'], 'crossed'), issues: [{ path: 'accounts[0].mode', value: 'crossed', message: 'must be one of: cross, isolated, standard, portfolio' }] },
  { name: 'margin in a cross account', doc: () => withField(['accounts', 0, 'positions', 0, 'margin'], 5000), issues: [{ path: pos(0, 0, 'margin'), value: 5000, message: 'isolated margin given in a cross account' }] },
  { name: 'settle against a tiered venue', doc: () => withField(['accounts', 0, 'positions', 0, 'settle'], 'inverse'), issues: [{ path: pos(0, 0, 'settle'), value: 'inverse', message: 'settles linear contracts only' }] },
  { name: 'missing price of a position asset', doc: () => withField(['accounts', 0, 'positions', 0, 'asset'], 'SOL'), issues: [{ path: pos(0, 0, 'asset'), value: 'SOL', message: 'no price for SOL in market.prices (needed by this perp)' }] },
  { name: 'missing price, case hint', doc: () => withField(['accounts', 0, 'positions', 0, 'asset'], 'eth'), issues: [{ path: pos(0, 0, 'asset'), value: 'eth', message: '(did you mean ETH?)' }] },
  { name: 'missing price of a collateral asset', doc: () => withField(['accounts', 1, 'collateral', 'SOL'], 2), issues: [{ path: 'accounts[1].collateral.SOL', value: 'SOL', message: 'needed by this collateral' }] },
  { name: 'negative collateral', doc: () => withField(['accounts', 0, 'collateral', 'USDT'], -5), issues: [{ path: 'accounts[0].collateral.USDT', value: -5, message: 'must be >= 0' }] },
  { name: 'negative borrow amount', doc: () => withField(['accounts', 2, 'positions', 1, 'qty'], -90000), issues: [{ path: pos(2, 1, 'qty'), value: -90000, message: 'must be >= 0 (an amount of the asset; the kind gives the direction)' }] },
  {
    name: 'missing vol',
    doc: () => withField(['accounts', 1, 'positions', 0, 'vol'], undefined, withField(['market', 'vols'], undefined)),
    issues: [{ path: pos(1, 0, 'vol'), value: undefined, message: 'no vol for this BTC option: set vol here, add market.vols.BTC, or a market.smiles.BTC slice for expiry 2024-03-29T08:00:00.000Z' }],
  },
  {
    name: 'duplicate account ids',
    doc: () => withField(['accounts', 2, 'id'], 'cex'),
    issues: [{ path: 'accounts[2].id', value: 'cex', message: 'duplicate account id (accounts[0] has it too)' }],
  },
  { name: 'time without zone', doc: () => withField(['asOf'], '2024-03-01T00:00:00'), issues: [{ path: 'asOf', value: '2024-03-01T00:00:00', message: 'needs a zone' }] },
  { name: 'not a timestamp', doc: () => withField(['accounts', 1, 'positions', 1, 'expiry'], 'March'), issues: [{ path: pos(1, 1, 'expiry'), value: 'March', message: 'expected an ISO 8601 timestamp' }] },
  { name: 'asOf missing', doc: () => withField(['asOf'], undefined), issues: [{ path: 'asOf', value: undefined, message: 'required field is missing' }] },
  { name: 'no accounts', doc: () => withField(['accounts'], []), issues: [{ path: 'accounts', value: [], message: 'must have at least 1 item(s)' }] },
  { name: 'position not a mapping', doc: () => withField(['accounts', 0, 'positions', 1], 'BTC long'), issues: [{ path: 'accounts[0].positions[1]', value: 'BTC long', message: 'expected a mapping, got a string' }] },
  { name: 'mmr above 1', doc: () => withField(['accounts', 0, 'positions', 1, 'mmr'], 4), issues: [{ path: pos(0, 1, 'mmr'), value: 4, message: 'must be < 1' }] },
  { name: 'tier rate out of range', doc: () => withField(['accounts', 0, 'venue', 'tiers', '*', 0, 'mmr'], 1.5), issues: [{ path: 'accounts[0].venue.tiers["*"][0].mmr', value: 1.5, message: 'must be < 1' }] },
  { name: 'lending override inconsistent', doc: () => withField(['accounts', 2, 'params', 'ETH', 'ltv'], 0.9), issues: [{ path: 'accounts[2].params.ETH.ltv', value: 0.9, message: 'must be <= liquidationThreshold (0.825)' }] },
  {
    name: 'lending override of a new asset needs every field',
    doc: () => withField(['accounts', 2, 'params', 'WBTC'], { ltv: 0.7 }),
    issues: [
      { path: 'accounts[2].params.WBTC.liquidationThreshold', value: undefined, message: 'required field is missing' },
      { path: 'accounts[2].params.WBTC.liquidationBonus', value: undefined, message: 'required field is missing' },
    ],
  },
  {
    name: 'invalid params still let the mode be checked',
    doc: () => withField(['accounts', 0, 'mode'], 'standard', withField(['accounts', 0, 'params'], { liquidationFeeRate: 2 })),
    issues: [
      { path: 'accounts[0].params.liquidationFeeRate', value: 2, message: 'must be < 1' },
      { path: 'accounts[0].mode', value: 'standard', message: 'use cross or isolated' },
    ],
  },
  {
    name: 'a perp without a tier table',
    doc: () => withField(['accounts', 0, 'venue', 'tiers', '*'], undefined, withField(['accounts', 0, 'positions', 0, 'asset'], 'USDC')),
    issues: [{ path: pos(0, 0, 'asset'), value: 'USDC', message: 'this venue has no tier table for USDC and no "*" default; add one in the account\'s params.tiers.USDC' }],
  },
  { name: 'params on a deribit venue', doc: () => withField(['accounts', 1, 'params'], { mmFactor: 0.5 }), issues: [{ path: 'accounts[1].params', value: { mmFactor: 0.5 }, message: 'params are not supported for deribit venues' }] },
  {
    name: 'smile with negative variance and duplicate expiry',
    doc: () =>
      withField(['market', 'smiles'], {
        BTC: [
          { expiry: '2024-03-29T08:00:00Z', a: -0.5, b: 0.06, rho: -0.3, m: 0, sigma: 0.15 },
          { expiry: '2024-03-29T08:00:00Z', a: 0.02, b: 0.06, rho: -0.3, m: 0, sigma: 0.15 },
        ],
      }),
    issues: [
      { path: 'market.smiles.BTC[0].a', value: -0.5, message: 'total variance goes negative' },
      { path: 'market.smiles.BTC[1].expiry', value: '2024-03-29T08:00:00Z', message: 'duplicate smile expiry for BTC' },
    ],
  },
  { name: 'asset key with a space', doc: () => withField(['market', 'prices', 'B TC'], 1), issues: [{ path: 'market.prices["B TC"]', value: 'B TC', message: 'invalid key: must be an asset symbol without spaces' }] },
];

describe('parsePortfolio: bad documents, one issue per bad field with its path and value', () => {
  it.each(cases)('$name', (c) => {
    const got = issuesOf(c.doc());
    expect(got.map((i) => i.path)).toEqual(c.issues.map((i) => i.path));
    c.issues.forEach((want, k) => {
      const g = got[k];
      expect(g?.value).toEqual(want.value);
      if (typeof want.message === 'string') expect(g?.message).toContain(want.message);
      else expect(g?.message).toMatch(want.message);
    });
  });

  it('reports NaN and Infinity from YAML as non-finite numbers', () => {
    const text = stringify(base()).replace('qty: 40', 'qty: .nan').replace('entry: 3100', 'entry: .inf');
    const got = issuesOf(undefined, text);
    expect(got).toEqual([
      { path: pos(0, 0, 'qty'), value: NaN, message: 'must be a finite number, got NaN' },
      { path: pos(0, 0, 'entry'), value: Infinity, message: 'must be a finite number, got Infinity' },
    ]);
  });

  it('reports every bad field of a document at once and returns nothing', () => {
    const d = base();
    withField(['accounts', 1, 'positions', 0, 'strike'], -1, d);
    withField(['market', 'prices', 'ETH'], -3400, d);
    withField(['accounts', 0, 'positions', 0, 'entyr'], 3100, d);
    withField(['accounts', 0, 'positions', 0, 'entry'], undefined, d);
    withField(['accounts', 2, 'venue'], 'aave-v9', d);
    withField(['accounts', 1, 'mode'], 'cross', d);
    withField(['accounts', 2, 'positions', 1, 'qty'], -90000, d);
    withField(['asOf'], '2024-03-01T00:00:00', d);
    let err: unknown;
    try {
      parseObj(d);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const paths = (err as ValidationError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      [
        'asOf',
        'market.prices.ETH',
        pos(0, 0, 'entyr'),
        pos(0, 0, 'entry'),
        'accounts[1].mode',
        pos(1, 0, 'strike'),
        'accounts[2].venue',
        pos(2, 1, 'qty'),
      ].sort(),
    );
    expect((err as ValidationError).message).toMatch(/^doc\.json: 8 invalid fields\n {2}- /);
  });

  it('property: each corrupted number is reported once, at its own path, with its value', () => {
    const numeric: (string | number)[][] = [
      ['market', 'prices', 'BTC'],
      ['market', 'vols', 'BTC'],
      ['accounts', 0, 'collateral', 'USDT'],
      ['accounts', 0, 'positions', 0, 'entry'],
      ['accounts', 0, 'positions', 1, 'mmr'],
      ['accounts', 1, 'positions', 0, 'strike'],
      ['accounts', 1, 'positions', 0, 'vol'],
      ['accounts', 1, 'positions', 1, 'entry'],
      ['accounts', 1, 'venue', 'portfolio', 'mmFactor'],
      ['accounts', 2, 'positions', 0, 'qty'],
    ];
    const bad = fc.constantFrom<unknown>(-1, 'x', null, true, [], { a: 1 });
    fc.assert(
      fc.property(fc.subarray(numeric, { minLength: 1 }), fc.array(bad, { minLength: numeric.length, maxLength: numeric.length }), (paths, values) => {
        const doc = base();
        paths.forEach((p, k) => withField(p, values[k], doc));
        const got = issuesOf(doc);
        const want = paths.map((p, k) => ({ path: formatPath(p), value: values[k] }));
        expect(got.map((i) => ({ path: i.path, value: i.value })).sort((a, b) => a.path.localeCompare(b.path))).toEqual(
          want.sort((a, b) => a.path.localeCompare(b.path)),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('parsePortfolio: syntax errors', () => {
  it('names the YAML line and column', () => {
    const text = 'asOf: 2024-03-01T00:00:00Z\nmarket:\n  prices: { BTC: 62000\naccounts: []\n';
    let err: unknown;
    try {
      parsePortfolio(text, 'bad.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DocumentSyntaxError);
    expect(err).toBeInstanceOf(ValidationError);
    const e = err as DocumentSyntaxError;
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/^bad\.yaml:4:1: YAML syntax error: /);
  });

  it('rejects duplicate YAML keys', () => {
    expect(() => parsePortfolio('asOf: 2024-03-01\nasOf: 2024-03-02\n', 'dup.yaml')).toThrow(/dup\.yaml:2:1: YAML syntax error: Map keys must be unique/);
  });

  it('names the JSON line and column', () => {
    const text = '{\n  "asOf": "2024-03-01",\n  "market" {}\n}';
    expect(() => parsePortfolio(text, 'bad.json', 'json')).toThrow(/^bad\.json:3:12: JSON syntax error: /);
  });

  it('rejects a repeated JSON key', () => {
    expect(() => parsePortfolio('{ "asOf": "2024-03-01",\n  "asOf": "2024-03-02" }', 'dup.json')).toThrow(/^dup\.json:2:3: JSON syntax error: duplicate key "asOf"/);
  });

  it('accepts YAML anchors and merge keys', () => {
    const doc = base();
    const text = stringify(doc).replace('      - kind: perp\n        asset: ETH\n        qty: 40\n        entry: 3100\n', '      - &eth { kind: perp, asset: ETH, qty: 40, entry: 3100 }\n').replace(
      '      - kind: perp\n        asset: BTC\n',
      '      - <<: *eth\n        asset: BTC\n',
    );
    expect(text).toContain('<<: *eth');
    expect(parsePortfolio(text, 'anchors.yaml')).toEqual(parseObj(doc));
  });

  it('reads flow-style YAML that looks like JSON', () => {
    const text = `{ asOf: 2024-03-01, market: { prices: { USDT: 1 } }, accounts: [ { id: a, venue: ${JSON.stringify(base().accounts[0]?.venue)}, collateral: { USDT: 5 } } ] }`;
    expect(parsePortfolio(text, 'flow').accounts[0]?.collateral).toEqual({ USDT: 5 });
  });

  it('rejects a document that is not a mapping', () => {
    expect(() => parsePortfolio('- 1\n- 2\n', 'list.yaml')).toThrow(/\(document\): expected a mapping, got a list/);
    expect(() => parsePortfolio('', 'empty.yaml')).toThrow(/expected a mapping, got null/);
  });
});
