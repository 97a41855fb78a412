/**
 * Incremental margin evaluation for the planner, on the real margin models (margin/index.ts buildAccountModel).
 *
 * An account is split by KEY asset: the key of a position is its underlying, the key of a collateral balance its
 * asset. Every margin model builds its groups from the items of one key only (tiered: collateral, spot and
 * contracts of one asset; lending and weighted: one asset's balances and perps, an isolated perp with its USD
 * margin; Deribit: one underlying's book in its settlement pool, the pool's own coin carrying the collateral), so
 * the model of the sub-account made of one key's items has exactly that key's groups, in the same buckets (same
 * ids). An account's bucket terms are the sums over its keys; a trade on BTC rebuilds the BTC key only, and a
 * move of the BTC mark re-accumulates only the groups driven by BTC. book.test.ts checks the sums against the
 * whole-account model on every venue model and mode.
 *
 * Prices: groups are built at the portfolio's market (option vols fixed at build, at the current mark) and
 * accumulated at the moved marks: the sticky-strike convention of stress/apply.ts, so a moved mark here gives the
 * terms of applyScenario(portfolio, move) (checked in plan.test.ts).
 */
import { buildAccountModel } from '../margin/index.ts';
import type { AssetGroup, MarginTerms, PriceFn } from '../margin/terms.ts';
import { healthFactor, zeroTerms } from '../margin/terms.ts';
import type { Account, Market, Position } from '../model/types.ts';

export interface BucketPart {
  readonly id: string;
  readonly groups: readonly AssetGroup[];
}

/** The groups one key contributes, per bucket, with a one-entry memo of their terms at the last prices. */
export class KeyBuild {
  /** Price-driven assets of the groups ('USD' groups are constant). */
  readonly assets: readonly string[];
  private memoPrices: Float64Array;
  private memoTerms: MarginTerms[];
  private memoValid = false;

  constructor(readonly parts: readonly BucketPart[]) {
    const assets = new Set<string>();
    for (const b of parts) for (const g of b.groups) if (g.asset !== 'USD') assets.add(g.asset);
    this.assets = [...assets].sort();
    this.memoPrices = new Float64Array(this.assets.length);
    this.memoTerms = parts.map(() => zeroTerms());
  }

  /** Terms per part (same order as `parts`) at `prices`; recomputed only when a price of its assets changed. */
  terms(prices: PriceFn): readonly MarginTerms[] {
    let same = this.memoValid;
    for (let i = 0; i < this.assets.length; i++) {
      const p = prices(this.assets[i]!);
      if (p !== this.memoPrices[i]) same = false;
      this.memoPrices[i] = p;
    }
    if (same) return this.memoTerms;
    this.parts.forEach((b, i) => {
      const t = this.memoTerms[i]!;
      t.balance = t.initial = t.maintenance = t.liabilities = 0;
      for (const g of b.groups) g.accumulate(g.asset === 'USD' ? 1 : prices(g.asset), t);
    });
    this.memoValid = true;
    return this.memoTerms;
  }
}

/** The sub-account of one key: its positions and its collateral balance only. */
export function subAccount(account: Account, key: string, positions: readonly Position[], collateral: number): Account {
  return { ...account, collateral: collateral !== 0 ? { [key]: collateral } : {}, positions };
}

/** Build one key's groups. `positions` must all have `key` as their asset. */
export function buildKey(account: Account, key: string, positions: readonly Position[], collateral: number, market: Market): KeyBuild {
  const model = buildAccountModel(subAccount(account, key, positions, collateral), market);
  return new KeyBuild(model.buckets.map((b) => ({ id: b.id, groups: b.groups })));
}

/** Every key of an account, sorted: position underlyings and collateral assets. */
export function accountKeys(account: Account): string[] {
  const keys = new Set<string>();
  for (const p of account.positions) keys.add(p.asset);
  for (const [a, v] of Object.entries(account.collateral)) if (v !== 0) keys.add(a);
  return [...keys].sort();
}

export interface AccountTerms {
  /** Lowest bucket health (Infinity when nothing is required or no bucket). */
  health: number;
  /** Sum of bucket balances (USD), without free collateral of an isolated account. */
  balance: number;
  /** Largest shortfall of a bucket's balance below its initial margin (USD, >= 0). */
  initialShortfall: number;
  /** Initial margin summed over buckets (USD). */
  initial: number;
}

/** Sum the keys' parts per bucket id and reduce to the account's health, balance and initial shortfall. */
export function accountTerms(builds: readonly KeyBuild[], prices: PriceFn, scratch: Map<string, MarginTerms>): AccountTerms {
  scratch.clear();
  for (const kb of builds) {
    const ts = kb.terms(prices);
    kb.parts.forEach((b, i) => {
      const t = ts[i]!;
      let s = scratch.get(b.id);
      if (!s) scratch.set(b.id, (s = zeroTerms()));
      s.balance += t.balance;
      s.initial += t.initial;
      s.maintenance += t.maintenance;
      s.liabilities += t.liabilities;
    });
  }
  let health = Infinity;
  let balance = 0;
  let initial = 0;
  let shortfall = 0;
  for (const t of scratch.values()) {
    health = Math.min(health, healthFactor(t));
    balance += t.balance;
    initial += t.initial;
    shortfall = Math.max(shortfall, t.initial - t.balance);
  }
  return { health, balance, initialShortfall: Math.max(shortfall, 0), initial };
}
