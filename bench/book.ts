/**
 * A synthetic but realistic multi-venue book for benchmarks: seeded, so every run measures the same work.
 * Options use listed strikes (1000-USD grid for BTC, 50 for ETH) and a few weekly/monthly expiries, as a real
 * Deribit book does, so positions repeat instruments.
 */
import { validatePortfolio } from '../src/model/parse.ts';
import type { Portfolio } from '../src/model/types.ts';

const ASOF = Date.parse('2024-03-01T00:00:00Z');
const DAY = 86_400_000;

/** Park-Miller LCG in [0,1): deterministic across machines. */
export function rng(seed: number): () => number {
  let s = seed % 2147483647;
  if (s <= 0) s += 2147483646;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

const PRICES: Record<string, number> = { BTC: 62000, ETH: 3400, SOL: 130, BNB: 410, XRP: 0.62, USDT: 1, USDC: 1 };

export function benchBook(positions = 10_000, seed = 42): Portfolio {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const perpAssets = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP'];
  const expiries = [7, 14, 28, 56, 91, 182].map((d) => new Date(ASOF + d * DAY + 8 * 3600_000).toISOString());
  const accounts: unknown[] = [];
  let n = 0;
  let id = 0;
  const perp = (asset: string, scale: number): Record<string, unknown> => {
    const p = PRICES[asset]!;
    const qty = ((r() < 0.6 ? 1 : -1) * (0.2 + r()) * scale) / p;
    return { kind: 'perp', asset, qty, entry: p * (0.9 + 0.2 * r()) };
  };
  const option = (asset: string): Record<string, unknown> => {
    const p = PRICES[asset]!;
    const step = asset === 'BTC' ? 1000 : 50;
    const strike = Math.max(step, Math.round((p * (0.6 + 0.8 * r())) / step) * step);
    return { kind: 'option', asset, right: r() < 0.5 ? 'call' : 'put', strike, expiry: pick(expiries), qty: Math.round((r() - 0.55) * 20) || 1 };
  };
  const future = (asset: string): Record<string, unknown> => ({
    kind: 'future',
    asset,
    qty: Math.round((r() - 0.5) * 200) * 1000 || 1000,
    entry: PRICES[asset]! * (0.95 + 0.1 * r()),
    expiry: pick(expiries),
  });
  const plan: { venue: string; mode: string; size: number; make: () => Record<string, unknown>; collateral: Record<string, number> }[] = [
    { venue: 'binance-usdm', mode: 'cross', size: 300, make: () => perp(pick(perpAssets), 20_000), collateral: { USDT: 2_000_000 } },
    { venue: 'bybit-linear', mode: 'isolated', size: 100, make: () => ({ ...perp('BTC', 20_000), margin: 4000 }), collateral: { USDT: 50_000 } },
    { venue: 'deribit', mode: 'portfolio', size: 300, make: () => (r() < 0.85 ? option('BTC') : future('BTC')), collateral: { BTC: 150 } },
    { venue: 'deribit', mode: 'standard', size: 200, make: () => (r() < 0.75 ? option('BTC') : future('BTC')), collateral: { BTC: 150 } },
    { venue: 'hyperliquid', mode: 'cross', size: 100, make: () => perp(pick(['BTC', 'ETH']), 20_000), collateral: { USDC: 600_000 } },
  ];
  while (n < positions) {
    for (const a of plan) {
      if (n >= positions) break;
      const size = Math.min(a.size, positions - n);
      accounts.push({ id: `${a.venue}-${a.mode}-${id++}`, venue: a.venue, mode: a.mode, collateral: a.collateral, positions: Array.from({ length: size }, a.make) });
      n += size;
    }
  }
  return validatePortfolio(
    { asOf: new Date(ASOF).toISOString(), market: { prices: PRICES, vols: { BTC: 0.55, ETH: 0.65 }, rate: 0 }, accounts },
    'bench book',
  );
}
