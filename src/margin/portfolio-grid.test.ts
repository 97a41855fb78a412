import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { OptionPosition, PerpPosition } from '../model/types.ts';
import { MS_PER_YEAR } from '../model/types.ts';
import { blackScholes, newGreeks } from '../pricing/black.ts';
import { bookEquity, buildBook, PortfolioGroup, scenarioGrid, shockedVolDown, shockedVolUp, vegaScale, VOL_DOWN, VOL_SAME, VOL_UP } from './portfolio-grid.ts';
import { zeroTerms } from './terms.ts';
import type { DeribitModel } from './venue-model.ts';

const deribit = JSON.parse(readFileSync(new URL('../../data/venues/deribit.json', import.meta.url), 'utf8')) as DeribitModel;

describe('scenario grid', () => {
  // docs.deribit.com private/pme/simulate example: aggregated_risk_vectors.standard has 27 entries (9 prices x 3
  // vols) and extended 8.
  it('scenarioGrid: 27 standard + 8 extended scenarios, price-major with vol [up, same, down]', () => {
    const g = scenarioGrid(deribit.portfolio);
    expect(g.standardCount).toBe(27);
    expect(g.count).toBe(35);
    expect(Array.from(g.moves.subarray(0, 27).filter((_, i) => i % 3 === 0))).toEqual([-0.16, -0.12, -0.08, -0.04, 0, 0.04, 0.08, 0.12, 0.16]);
    expect(Array.from(g.vol.subarray(0, 6))).toEqual([VOL_UP, VOL_SAME, VOL_DOWN, VOL_UP, VOL_SAME, VOL_DOWN]);
    expect(Array.from(g.moves.subarray(27))).toEqual([-0.66, -0.33, 0.5, 1, 2, 3, 4, 5]);
    expect(Array.from(g.vol.subarray(27)).every((v) => v === VOL_UP)).toBe(true);
  });

  // Old Deribit PM doc (deribit.com/pages/docs/portfoliomargin): "options expiring in 15 days: IV change of maximum
  // (30/15)^0.30 x 38 %"; the current grid scales the relative shocks volatility_range_up/down the same way.
  it('vol shocks scale with (30 / DTE)^vegaPower (short-term power under 30 days)', () => {
    expect(vegaScale(15 / 365, deribit.portfolio)).toBeCloseTo(Math.pow(2, 0.3), 14);
    expect(vegaScale(60 / 365, deribit.portfolio)).toBeCloseTo(Math.pow(0.5, 0.13), 14);
    expect(vegaScale(30 / 365, deribit.portfolio)).toBeCloseTo(1, 14);
    expect(vegaScale(0, deribit.portfolio)).toBeCloseTo(Math.pow(30, 0.3), 14); // DTE floored at 1 day
    expect(shockedVolUp(0.6, 30 / 365, deribit.portfolio)).toBeCloseTo(0.9, 14);
    expect(shockedVolDown(0.6, 30 / 365, deribit.portfolio)).toBeCloseTo(0.45, 14);
  });
});

describe('book and portfolio group', () => {
  const DAY = MS_PER_YEAR / 365;
  const fut = (qty: number, entry: number, settle: 'inverse' | 'linear'): PerpPosition => ({ kind: 'perp', settle, asset: 'BTC', qty, entry, index: 0 });
  const opt = (qty: number, settle: 'inverse' | 'linear'): OptionPosition => ({
    kind: 'option',
    settle,
    asset: 'BTC',
    qty,
    right: 'put',
    strike: 50000,
    expiry: 20 * DAY,
    index: 1,
  });
  const book = (measure: 'coin' | 'usd', settle: 'inverse' | 'linear') =>
    buildBook({ asset: 'BTC', measure, collateral: 2, futures: [fut(settle === 'inverse' ? 60000 : 1, 58000, settle)], options: [opt(-1, settle)], optionVols: [0.7], asOf: 0, rate: 0 });

  it('equity: collateral P + futures P&L + option marks (USD)', () => {
    const P = 60000;
    const v = new Float64Array(1);
    const put = blackScholes('put', P, 50000, 20 / 365, 0.7, 0).price;
    expect(bookEquity(book('coin', 'inverse'), P, newGreeks(), v)).toBeCloseTo(2 * P + 60000 * (P / 58000 - 1) - put, 9);
    expect(v[0]).toBeCloseTo(put, 12);
    expect(bookEquity(book('usd', 'linear'), P, newGreeks(), v)).toBeCloseTo(2 * P + (P - 58000) - put, 9);
  });

  it('scenario P&L: coin measure converts coin P&L at the current price; usd measure revalues in USD', () => {
    const P = 60000;
    const params = deribit.portfolio;
    const coin = new PortfolioGroup(book('coin', 'inverse'), params);
    const usd = new PortfolioGroup(book('usd', 'inverse'), params);
    const pc = coin.scenarioPnl(P, new Float64Array(coin.grid.count));
    const pu = usd.scenarioPnl(P, new Float64Array(usd.grid.count));
    const g = coin.grid;
    const put0 = blackScholes('put', P, 50000, 20 / 365, 0.7, 0).price;
    for (let s = 0; s < g.count; s++) {
      const Ps = P * (1 + g.moves[s]!);
      const sig = g.vol[s] === VOL_UP ? shockedVolUp(0.7, 20 / 365, params) : g.vol[s] === VOL_DOWN ? shockedVolDown(0.7, 20 / 365, params) : 0.7;
      const put = blackScholes('put', Ps, 50000, 20 / 365, sig, 0).price;
      const futures = s < g.standardCount ? 1 : 0;
      // coin: 2 BTC collateral has no coin P&L; perp q (1/P - 1/P') x P; short put -(V'/P' - V/P) x P
      expect(pc[s]).toBeCloseTo(futures * 60000 * (1 - P / Ps) - (put * (P / Ps) - put0), 6);
      // usd: collateral 2 (P' - P), perp q (P' - P) / E, short put -(V' - V)
      expect(pu[s]).toBeCloseTo(futures * (2 + 60000 / 58000) * (Ps - P) - (put - put0), 6);
    }
  });

  it('accumulate: IM = worst weighted loss + contingency, MM = mmFactor IM = liabilities', () => {
    const P = 60000;
    const grp = new PortfolioGroup(book('coin', 'inverse'), deribit.portfolio);
    const pnl = grp.scenarioPnl(P, new Float64Array(grp.grid.count));
    let worst = 0;
    for (let s = 0; s < grp.grid.count; s++) worst = Math.max(worst, -grp.grid.weights[s]! * pnl[s]!);
    const t = zeroTerms();
    grp.accumulate(P, t);
    expect(grp.netShort).toBe(1);
    expect(t.initial).toBeCloseTo(worst + 0.01 * P, 6);
    expect(t.maintenance).toBeCloseTo(0.8 * t.initial, 9);
    expect(t.liabilities).toBe(t.maintenance);
  });
});
