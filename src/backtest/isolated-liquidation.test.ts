/**
 * An isolated position's liquidation settles against its own margin: the free balance of the account is untouched,
 * and nothing is written off while the margin covers the loss (Binance USD-M isolated, whole-position liquidation).
 */
import { describe, expect, it } from 'vitest';
import { validatePortfolio } from '../model/parse.ts';
import { riskReport } from '../risk/report.ts';
import { syntheticHistory, T0 } from '../testing/history.ts';
import { historyFeed } from './data.ts';
import { runPipeline } from './pipeline.ts';
import { SimulatedVenue } from './venue.ts';

const book = (free: number) =>
  validatePortfolio(
    {
      asOf: new Date(T0).toISOString(),
      market: { prices: { BTC: 50_000, USDT: 1 } },
      accounts: [{ id: 'iso', venue: 'binance-usdm', mode: 'isolated', collateral: { USDT: free }, positions: [{ kind: 'perp', asset: 'BTC', qty: 1, entry: 50_000, margin: 10_000 }] }],
    },
    'test',
  );

describe('isolated liquidation', () => {
  it.each([0, 1_000, 50_000])('free balance %d: untouched; the loss comes out of the position margin', (free) => {
    const lp = riskReport(book(free)).accounts[0]!.positions[0]!.liquidationPrice!;
    const r = runPipeline(book(free), historyFeed(syntheticHistory([[50_000, 50_100, 30_000, 35_000]])), new SimulatedVenue(), { policy: null });
    expect(r.liquidations).toHaveLength(1);
    const l = r.liquidations[0]!;
    expect(l.prices.BTC).toBeCloseTo(lp, 6);
    expect(l.badDebt).toBe(0);
    const account = r.final.accounts[0]!;
    expect(account.positions[0]!.qty).toBe(0);
    expect(account.collateral.USDT).toBe(free);
    // margin left = 10 000 - loss to the liquidation price - fees (the clearance fee takes what is left)
    const left = (account.positions[0] as { margin?: number }).margin ?? 0;
    expect(left).toBeGreaterThanOrEqual(0);
    expect(left).toBeCloseTo(Math.max(0, 10_000 - (50_000 - lp) - l.fee), 6);
    expect(r.equity[1]).toBeCloseTo(free + left, 6);
  });
});
