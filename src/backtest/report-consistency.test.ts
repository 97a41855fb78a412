/**
 * The pipeline's per-bar risk report reuses the book's cached margin models and computes liquidation prices and
 * crash moves only when read. It must equal a report built from scratch on the same snapshot, field by field, at
 * every bar: a multi-venue book (Binance cross and isolated, Deribit portfolio margin with options and an inverse
 * future, Aave) through real BTC and ETH history.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseText, validatePortfolio } from '../model/parse.ts';
import { riskReport } from '../risk/report.ts';
import { historyFeed, loadHistory } from './data.ts';
import { runPipeline } from './pipeline.ts';
import { SimulatedVenue } from './venue.ts';

describe('pipeline risk report', () => {
  it('equals riskReport(snapshot) at every bar, liquidation prices and crash moves included', async () => {
    const path = fileURLToPath(new URL('../../examples/multi-venue.yaml', import.meta.url));
    const portfolio = validatePortfolio(parseText(await readFile(path, 'utf8'), path), path);
    const history = await loadHistory(['BTC', 'ETH'], Date.parse('2024-03-01T00:00:00Z'), Date.parse('2024-03-08T00:00:00Z'));
    let checked = 0;
    let liquidationPrices = 0;
    const r = runPipeline(portfolio, historyFeed(history), new SimulatedVenue(), {
      policy: null,
      onBar: (_, snapshot, report) => {
        const fresh = riskReport(snapshot);
        expect(JSON.stringify(report)).toBe(JSON.stringify(fresh));
        checked++;
        for (const a of report.accounts) for (const p of a.positions) if (p.liquidationPrice !== null) liquidationPrices++;
      },
    });
    expect(checked).toBe(r.bars);
    expect(r.bars).toBe(7 * 24);
    // the comparison covered solved liquidation prices, not only nulls
    expect(liquidationPrices).toBeGreaterThan(r.bars * 3);
  });
});
