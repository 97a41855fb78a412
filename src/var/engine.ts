/**
 * Scenario P&L engine with FULL revaluation: every account's buckets are built once (margin/index.ts), then each
 * scenario revalues every group at its shocked price through the group's own model (margin/terms.ts accumulate:
 * options repriced by Black-Scholes at their pinned vols, tiers re-selected, lending and weighted health redone).
 * No object is allocated per scenario: prices, terms and results live in preallocated objects and typed arrays.
 *
 * Conventions:
 * - A scenario is a row of price multipliers, one per column asset (P' = P m, m > 0), plus an optional multiplier
 *   of every option's implied vol. Columns are the book's non-stable assets (riskAssets); stables and 'USD' keep
 *   their market price. Vol shocks reuse stress/apply.ts (vols pinned at the current mark, sticky strike, then
 *   scaled): the book is rebuilt once per DISTINCT vol multiplier, so scenario sets should use a few of them.
 * - Account equity (USD), as risk/report.ts sums it: the balances of its buckets, plus for an isolated account the
 *   collateral outside its buckets at the shocked prices. P&L = equity(scenario) - equity(market), + a gain.
 *   Book P&L = the sum over accounts.
 * - Liquidatable (mode 'terms'): some bucket has balance <= maintenance (the predicate of risk/report.ts).
 * - Time does not pass in a scenario: no theta, funding, interest or expiry over the horizon.
 * - Mode 'equity' computes equity only (what VaR needs): groups whose margin requirement is costly and whose
 *   balance is their book's value (Deribit standard and portfolio-margin groups, whose grid reprices every option on
 *   36 rows) are valued by that book's equity (every option still repriced, see blockValuer); every other group
 *   through accumulate. Liquidation flags are then not computed.
 */
import { ValidationError } from '../errors/index.ts';
import { StandardGroup } from '../margin/deribit.ts';
import { buildAccountModel } from '../margin/index.ts';
import { PortfolioGroup, equityFromValues, type UnderlyingBook } from '../margin/portfolio-grid.ts';
import { resetTerms, zeroTerms, type AssetGroup, type Bucket, type MarginTerms } from '../margin/terms.ts';
import type { Portfolio } from '../model/types.ts';
import { newGreeksBatch, newOptionBatch } from '../pricing/batch.ts';
import { blackScholesRange } from '../pricing/black-kernel.ts';
import { applyScenario } from '../stress/apply.ts';

export type EngineMode = 'terms' | 'equity';

export interface ScenarioMatrix {
  /** Column assets. */
  readonly assets: readonly string[];
  readonly count: number;
  /** Row-major count x assets.length price multipliers. */
  readonly multipliers: Float64Array;
  /** Optional per-scenario multiplier of every option's implied vol (> 0; 1 = no vol shock). */
  readonly volMultipliers?: Float64Array;
}

export interface ScenarioResults {
  readonly accounts: readonly string[];
  readonly count: number;
  /** Equity of each account at the market (USD). */
  readonly baseEquity: Float64Array;
  /** Account-major accounts x count P&L (USD): pnl[a * count + s]. */
  readonly pnl: Float64Array;
  /** Book P&L per scenario. */
  readonly bookPnl: Float64Array;
  /** Mode 'terms': 1 when some bucket of the account is liquidatable, account-major like pnl; null in 'equity'. */
  readonly liquidated: Uint8Array | null;
}

/** Non-stable assets a book names (positions of any quantity, collateral), sorted: the scenario columns. */
export function riskAssets(p: Portfolio): string[] {
  const s = new Set<string>();
  const add = (a: string): void => {
    if (a !== 'USD' && !p.market.stables.has(a)) s.add(a);
  };
  for (const a of p.accounts) {
    for (const pos of a.positions) add(pos.asset);
    for (const c of Object.keys(a.collateral)) add(c);
  }
  return [...s].sort();
}

/** Same predicate as risk/report.ts: excess < 0, or a requirement that the balance does not exceed. */
export const isLiquidatable = (t: MarginTerms): boolean => t.balance - t.maintenance < 0 || (t.maintenance > 0 && t.balance <= t.maintenance);

/** One bucket with its groups resolved to price columns. */
export interface CompiledBucket {
  readonly account: number;
  readonly bucket: Bucket;
  readonly groups: readonly AssetGroup[];
  /** Column of each group's asset, -1 for a constant price (stable or USD). */
  readonly cols: Int32Array;
  /** Price of each group when its column is -1. */
  readonly fixed: Float64Array;
  /** Distinct columns this bucket moves with. */
  readonly moving: readonly number[];
  /** Scratch terms (reused every evaluation). */
  readonly terms: MarginTerms;
}

export interface CompiledBook {
  readonly portfolio: Portfolio;
  readonly assets: readonly string[];
  /** Market price of each column asset. */
  readonly basePrices: Float64Array;
  readonly accountIds: readonly string[];
  readonly buckets: readonly CompiledBucket[];
  /** Isolated accounts' free collateral: per account, (column or -1, units, fixed price) triples. */
  readonly freeCollateral: readonly { col: number; units: number; price: number }[][];
}

/** Build every account's buckets once (options' vols x volMultiplier, sticky strike) and map groups to columns. */
export function compileBook(portfolio: Portfolio, assets: readonly string[], volMultiplier = 1): CompiledBook {
  const book = volMultiplier === 1 ? portfolio : applyScenario(portfolio, { name: `vol:x${volMultiplier}`, prices: {}, vol: { multiplier: volMultiplier } });
  const market = book.market;
  const colOf = new Map(assets.map((a, i) => [a, i]));
  const priceOf = (a: string): number => {
    if (a === 'USD') return 1;
    const p = market.prices[a];
    if (p === undefined) throw new ValidationError('var', [{ path: `market.prices.${a}`, value: p, message: 'the book needs a price for every asset it names' }]);
    return p;
  };
  const column = (a: string, where: string): number => {
    if (a === 'USD' || market.stables.has(a)) return -1;
    const c = colOf.get(a);
    if (c === undefined) throw new ValidationError('var', [{ path: where, value: a, message: `non-stable asset has no scenario column (columns: ${assets.join(', ')})` }]);
    return c;
  };
  const buckets: CompiledBucket[] = [];
  const freeCollateral = book.accounts.map((account, ai) => {
    const model = buildAccountModel(account, market);
    for (const b of model.buckets) {
      const cols = Int32Array.from(b.groups, (g) => column(g.asset, `accounts[${ai}] bucket ${b.id}`));
      const fixed = Float64Array.from(b.groups, (g, i) => (cols[i] === -1 ? priceOf(g.asset) : NaN));
      buckets.push({ account: ai, bucket: b, groups: b.groups, cols, fixed, moving: [...new Set(cols)].filter((c) => c >= 0), terms: zeroTerms() });
    }
    if (account.mode !== 'isolated') return [];
    return Object.entries(account.collateral).map(([a, units]) => {
      const col = column(a, `accounts[${ai}].collateral.${a}`);
      return { col, units, price: col === -1 ? priceOf(a) : NaN };
    });
  });
  return {
    portfolio: book,
    assets,
    basePrices: Float64Array.from(assets, priceOf),
    accountIds: book.accounts.map((a) => a.id),
    buckets,
    freeCollateral,
  };
}

/** Evaluate one bucket at column prices `prices` into its scratch terms; returns them. Allocation-free. */
export function evaluateBucketAt(cb: CompiledBucket, prices: Float64Array): MarginTerms {
  const t = resetTerms(cb.terms);
  const { groups, cols, fixed } = cb;
  for (let i = 0; i < groups.length; i++) {
    const c = cols[i]!;
    groups[i]!.accumulate(c === -1 ? fixed[i]! : prices[c]!, t);
  }
  return t;
}

/** Equity of every account at column prices (USD) into `equity`; liquidation flags into `liq` when given. */
export function evaluateAt(book: CompiledBook, prices: Float64Array, equity: Float64Array, liq?: Uint8Array): void {
  equity.fill(0);
  liq?.fill(0);
  for (const cb of book.buckets) {
    const t = evaluateBucketAt(cb, prices);
    equity[cb.account] = equity[cb.account]! + t.balance;
    if (liq !== undefined && isLiquidatable(t)) liq[cb.account] = 1;
  }
  addFreeCollateral(book, prices, equity);
}

function addFreeCollateral(book: CompiledBook, prices: Float64Array, equity: Float64Array): void {
  const fc = book.freeCollateral;
  for (let a = 0; a < fc.length; a++) {
    const list = fc[a]!;
    for (let k = 0; k < list.length; k++) {
      const c = list[k]!;
      equity[a] = equity[a]! + c.units * (c.col === -1 ? c.price : prices[c.col]!);
    }
  }
}

/**
 * Balance-only valuation of one group over a block of prices (mode 'equity'): `out[k] += balance at prices[k]`.
 * Groups with a priced book (Deribit standard and portfolio margin) price all their options for the whole block
 * in one batch-kernel call (pricing/batch.ts: the numbers of blackScholes bit for bit) and sum the book's equity
 * (margin/portfolio-grid.ts equityFromValues); any other group goes through accumulate.
 */
type BlockValuer = (prices: Float64Array, count: number, out: Float64Array) => void;

function blockValuer(g: AssetGroup, block: number): BlockValuer {
  if (g instanceof PortfolioGroup || g instanceof StandardGroup) {
    const book: UnderlyingBook = g.book;
    const o = book.options;
    const n = o.n;
    const input = newOptionBatch(n * block);
    const priced = newGreeksBatch(n * block);
    for (let k = 0; k < block; k++) {
      for (let i = 0; i < n; i++) {
        const j = k * n + i;
        input.w[j] = o.right[i] === 'call' ? 1 : -1;
        input.strike[j] = o.strike[i]!;
        input.years[j] = o.T[i]!;
        input.vol[j] = o.sigma[i]!;
        input.rate[j] = book.rate;
      }
    }
    const values = new Float64Array(n);
    return (prices, count, out) => {
      for (let k = 0; k < count; k++) input.spot.fill(prices[k]!, k * n, (k + 1) * n);
      blackScholesRange(input, priced, 0, count * n);
      for (let k = 0; k < count; k++) {
        for (let i = 0; i < n; i++) values[i] = priced.price[k * n + i]!;
        out[k] = out[k]! + equityFromValues(book, prices[k]!, values);
      }
    };
  }
  const t = zeroTerms();
  return (prices, count, out) => {
    for (let k = 0; k < count; k++) {
      resetTerms(t);
      g.accumulate(prices[k]!, t);
      out[k] = out[k]! + t.balance;
    }
  };
}

export interface EvaluateOptions {
  readonly mode?: EngineMode;
  /** Called with (scenarios done, total) after every block of scenarios. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Scenarios per block: groups are revalued group by group over a block (see evaluateScenarios). */
const BLOCK = 256;

function checkMatrix(m: ScenarioMatrix, assets: readonly string[]): void {
  const d = assets.length;
  if (m.assets.length !== d || m.assets.some((a, i) => a !== assets[i])) {
    throw new ValidationError('scenarios', [{ path: 'assets', value: m.assets, message: `must be the book's columns ${JSON.stringify(assets)}` }]);
  }
  if (!(Number.isInteger(m.count) && m.count >= 0)) throw new ValidationError('scenarios', [{ path: 'count', value: m.count, message: 'must be a whole number >= 0' }]);
  if (m.multipliers.length !== m.count * d) throw new ValidationError('scenarios', [{ path: 'multipliers', value: m.multipliers.length, message: `must hold count x assets = ${m.count * d} values` }]);
  if (m.volMultipliers !== undefined && m.volMultipliers.length !== m.count) throw new ValidationError('scenarios', [{ path: 'volMultipliers', value: m.volMultipliers.length, message: `must hold one value per scenario (${m.count})` }]);
  for (let i = 0; i < m.multipliers.length; i++) {
    const x = m.multipliers[i]!;
    if (!(x > 0 && Number.isFinite(x))) throw new ValidationError('scenarios', [{ path: `multipliers[${Math.floor(i / d)}][${i % d}]`, value: x, message: 'must be a finite number > 0' }]);
  }
  const v = m.volMultipliers;
  if (v !== undefined) for (let i = 0; i < m.count; i++) if (!(v[i]! > 0 && Number.isFinite(v[i]!))) throw new ValidationError('scenarios', [{ path: `volMultipliers[${i}]`, value: v[i], message: 'must be a finite number > 0' }]);
}

/** Scenario indices per distinct vol multiplier, in first-seen order (1 when there are none). */
function byVolMultiplier(m: ScenarioMatrix): Map<number, Int32Array> {
  const v = m.volMultipliers;
  if (v === undefined) return new Map([[1, Int32Array.from({ length: m.count }, (_, i) => i)]]);
  const lists = new Map<number, number[]>();
  for (let s = 0; s < m.count; s++) {
    let l = lists.get(v[s]!);
    if (l === undefined) lists.set(v[s]!, (l = []));
    l.push(s);
  }
  return new Map([...lists].map(([k, l]) => [k, Int32Array.from(l)]));
}

/**
 * P&L (and liquidation flags in mode 'terms') of every account and the book under every scenario.
 * Scenarios are processed in blocks; within a block every group is revalued at all the block's prices before the
 * next group (group-major: far faster than switching model every call), each scenario accumulating into its own
 * terms, in the same order as margin/terms.ts evaluateBucket, so the numbers are those of a scenario-by-scenario
 * evaluation.
 */
export function evaluateScenarios(base: CompiledBook, m: ScenarioMatrix, options: EvaluateOptions = {}): ScenarioResults {
  const mode = options.mode ?? 'terms';
  const d = base.assets.length;
  checkMatrix(m, base.assets);
  const nAcc = base.accountIds.length;
  const n = m.count;
  const baseEquity = new Float64Array(nAcc);
  evaluateAt(base, base.basePrices, baseEquity);
  const pnl = new Float64Array(nAcc * n);
  const bookPnl = new Float64Array(n);
  const liquidated = mode === 'terms' ? new Uint8Array(nAcc * n) : null;

  // block scratch
  const colPrices = Array.from({ length: d }, () => new Float64Array(BLOCK));
  const groupPrices = new Float64Array(BLOCK);
  const terms = Array.from({ length: BLOCK }, zeroTerms);
  const balances = new Float64Array(BLOCK);
  const equity = new Float64Array(nAcc * BLOCK);
  const liq = new Uint8Array(nAcc * BLOCK);
  let done = 0;

  for (const [vm, indices] of byVolMultiplier(m)) {
    const book = vm === 1 ? base : compileBook(base.portfolio, base.assets, vm);
    const valuers = mode === 'equity' ? book.buckets.map((cb) => cb.groups.map((g) => blockValuer(g, BLOCK))) : null;
    for (let start = 0; start < indices.length; start += BLOCK) {
      const count = Math.min(BLOCK, indices.length - start);
      for (let k = 0; k < count; k++) {
        const s = indices[start + k]!;
        for (let j = 0; j < d; j++) colPrices[j]![k] = base.basePrices[j]! * m.multipliers[s * d + j]!;
      }
      equity.fill(0);
      liq.fill(0);
      for (let bi = 0; bi < book.buckets.length; bi++) {
        const cb = book.buckets[bi]!;
        const a = cb.account;
        if (valuers !== null) balances.fill(0);
        else for (let k = 0; k < count; k++) resetTerms(terms[k]!);
        for (let gi = 0; gi < cb.groups.length; gi++) {
          const c = cb.cols[gi]!;
          const prices = c === -1 ? groupPrices.fill(cb.fixed[gi]!, 0, count) : colPrices[c]!;
          if (valuers !== null) valuers[bi]![gi]!(prices, count, balances);
          else {
            const g = cb.groups[gi]!;
            for (let k = 0; k < count; k++) g.accumulate(prices[k]!, terms[k]!);
          }
        }
        for (let k = 0; k < count; k++) {
          if (valuers !== null) equity[a * BLOCK + k] = equity[a * BLOCK + k]! + balances[k]!;
          else {
            const t = terms[k]!;
            equity[a * BLOCK + k] = equity[a * BLOCK + k]! + t.balance;
            if (isLiquidatable(t)) liq[a * BLOCK + k] = 1;
          }
        }
      }
      for (let a = 0; a < nAcc; a++) {
        const free = book.freeCollateral[a]!;
        for (let q = 0; q < free.length; q++) {
          const f = free[q]!;
          for (let k = 0; k < count; k++) equity[a * BLOCK + k] = equity[a * BLOCK + k]! + f.units * (f.col === -1 ? f.price : colPrices[f.col]![k]!);
        }
      }
      for (let k = 0; k < count; k++) {
        const s = indices[start + k]!;
        let total = 0;
        for (let a = 0; a < nAcc; a++) {
          const x = equity[a * BLOCK + k]! - baseEquity[a]!;
          pnl[a * n + s] = x;
          total += x;
          if (liquidated !== null) liquidated[a * n + s] = liq[a * BLOCK + k]!;
        }
        bookPnl[s] = total;
      }
      done += count;
      options.onProgress?.(done, n);
    }
  }
  return { accounts: base.accountIds, count: n, baseEquity, pnl, bookPnl, liquidated };
}
