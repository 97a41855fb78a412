import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../testing/cli.ts';

const run = runCli;

describe('ballast risk', () => {
  it('--json on the bundled example gives the stable document', async () => {
    const { code, out } = await run(['risk', '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as {
      accounts: Record<string, unknown>[];
      portfolio: Record<string, unknown>;
    };
    expect(doc.accounts.map((a) => a.id)).toEqual(['binance-cross', 'binance-iso', 'deribit', 'aave']);
    for (const a of doc.accounts) {
      for (const k of ['id', 'equity', 'initialMargin', 'maintenanceMargin', 'marginRatio', 'healthFactor', 'liquidatable', 'crashMove', 'positions']) expect(a).toHaveProperty(k);
      for (const p of a.positions as Record<string, unknown>[]) {
        for (const k of ['asset', 'kind', 'qty', 'mark', 'value', 'unrealizedPnl', 'liquidationPrice', 'distanceToLiquidation', 'delta', 'gamma', 'vega', 'theta']) expect(p).toHaveProperty(k);
      }
    }
    for (const k of ['equity', 'underlyings', 'grossLeverage', 'netLeverage']) expect(doc.portfolio).toHaveProperty(k);
    const btc = (doc.portfolio.underlyings as Record<string, Record<string, unknown>>).BTC!;
    for (const k of ['netDelta', 'netDeltaUsd', 'gamma', 'vega', 'theta']) expect(btc).toHaveProperty(k);
  });

  it('prints tables by default', async () => {
    const { code, out } = await run(['risk']);
    expect(code).toBe(0);
    expect(out).toContain('binance-cross');
    expect(out).toContain('liq. price');
  });

  it('a bad document exits 2, names every bad field with its value, and prints no report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ballast-'));
    const f = join(dir, 'bad.yaml');
    writeFileSync(
      f,
      `asOf: 2024-03-01T00:00:00Z
market: { prices: { BTC: 62000, USDT: 1 }, vols: {}, rate: 0 }
accounts:
  - id: a
    venue: binance-usdm
    mode: cross
    collateral: { USDT: 1000 }
    positions:
      - { kind: perp, asset: BTC, qty: abc, entry: 60000 }
      - { kind: perp, asset: BTC, qty: 1, entry: -5 }
`,
    );
    const { code, out, err } = await run(['risk', f, '--json']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('accounts[0].positions[0].qty');
    expect(err).toContain('"abc"');
    expect(err).toContain('accounts[0].positions[1].entry');
    expect(err).toContain('-5');
  });

  it('a missing file is a clear error', async () => {
    const { code, err } = await run(['risk', '/nonexistent/book.yaml']);
    expect(code).not.toBe(0);
    expect(err).toContain('/nonexistent/book.yaml');
  });
});
