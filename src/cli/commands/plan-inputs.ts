/**
 * Market history for one-shot policy evaluation, read from the bundled data (I/O lives here, not in policies):
 * - forecastVol: EWMA (RiskMetrics lambda 0.94 per day, as its hourly equivalent 0.94^(1/24)) of hourly log returns
 *   of the Binance perp up to asOf, annualised with 365 x 24 hours. Assets without bundled hourly history get no
 *   forecast: policies that need one then fail safe (REDUCING, MISSING_INPUT) instead of guessing.
 * - impliedVolIndex: Deribit DVOL (BTC only) of the UTC day before asOf (no look-ahead), as a decimal.
 * - funding: the latest Binance BTCUSDT funding rate (fraction per 8h) at or before asOf, within 8h.
 * Each entry records its source for the plan's output.
 */
import { loadDataset } from '../../io/market-file.ts';
import { datasetIds } from '../../market-data/catalog.ts';
import type { Portfolio } from '../../model/types.ts';
import { ewmaVariance } from '../../analytics/vol/ewma.ts';
import { HOURLY_EWMA_LAMBDA, HOURS_PER_YEAR, hourlyDatasetId, hourlyReturns } from '../../var/history.ts';

export interface PlanInputs {
  forecastVol: Record<string, number>;
  impliedVolIndex: Record<string, number>;
  funding: Record<string, number>;
  sources: Record<string, string>;
}

const DAY_MS = 86_400_000;
const FUNDING_MS = 8 * 3_600_000;

export async function planInputs(portfolio: Portfolio): Promise<PlanInputs> {
  const { market } = portfolio;
  const known = new Set(datasetIds());
  const assets = [...new Set(portfolio.accounts.flatMap((a) => [...a.positions.map((p) => p.asset), ...Object.keys(a.collateral)]))].filter(
    (a) => !market.stables.has(a),
  );
  const out: PlanInputs = { forecastVol: {}, impliedVolIndex: {}, funding: {}, sources: {} };
  for (const asset of assets) {
    const id = hourlyDatasetId(asset);
    if (!known.has(id)) continue;
    const d = await loadDataset(id);
    if (d.series.kind !== 'ohlcv') continue;
    const first = d.series.timestamp[0];
    if (first === undefined || first >= market.asOf) continue;
    const h = hourlyReturns([asset], [{ asset, source: id, timestamp: d.series.timestamp, close: d.series.close }], market.asOf);
    const r = h.returns[0];
    if (!r || r.length < 2) continue;
    const v = ewmaVariance(r, { lambda: HOURLY_EWMA_LAMBDA });
    out.forecastVol[asset] = Math.sqrt(v.variance * HOURS_PER_YEAR);
    out.sources[`forecastVol.${asset}`] = `EWMA of ${id} hourly log returns to ${new Date(market.asOf).toISOString()}`;
  }
  if (assets.includes('BTC') && known.has('deribit-btc-dvol-1d')) {
    const d = await loadDataset('deribit-btc-dvol-1d');
    if (d.series.kind === 'dvol') {
      const dayBefore = Math.floor(market.asOf / DAY_MS) * DAY_MS - DAY_MS;
      const ts = d.series.timestamp;
      for (let i = ts.length - 1; i >= 0; i--) {
        if (Math.abs(ts[i]! - dayBefore) < DAY_MS / 2) {
          out.impliedVolIndex.BTC = d.series.dvol[i]! / 100;
          out.sources['impliedVolIndex.BTC'] = `deribit-btc-dvol-1d ${new Date(ts[i]!).toISOString().slice(0, 10)}`;
          break;
        }
      }
    }
  }
  if (assets.includes('BTC') && known.has('binance-perp-btc-usdt-funding-8h')) {
    const d = await loadDataset('binance-perp-btc-usdt-funding-8h');
    if (d.series.kind === 'funding') {
      const ts = d.series.timestamp;
      for (let i = ts.length - 1; i >= 0; i--) {
        if (ts[i]! <= market.asOf) {
          if (market.asOf - ts[i]! <= FUNDING_MS) {
            out.funding.BTC = d.series.funding_rate[i]!;
            out.sources['funding.BTC'] = `binance-perp-btc-usdt-funding-8h ${new Date(ts[i]!).toISOString()}`;
          }
          break;
        }
      }
    }
  }
  return out;
}
