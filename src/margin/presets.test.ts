import { describe, expect, it } from 'vitest';
import { presetVenueSchema } from '../model/venue-schema.ts';
import { toFieldIssues } from '../model/schema.ts';
import binanceUsdm from '../../data/venues/binance-usdm.json' with { type: 'json' };
import { getPreset, listPresets, PresetError, presetNames } from './presets.ts';
import type { TieredModel } from './venue-model.ts';

describe('venue presets', () => {
  it('registers the bundled presets', () => {
    expect(presetNames()).toEqual(['aave-v3', 'binance-coinm', 'binance-usdm', 'bybit-linear', 'deribit', 'drift', 'hyperliquid', 'okx-swap']);
  });

  it('validates every preset file and lists name, model and provenance', () => {
    const list = listPresets();
    expect(list.map((p) => [p.name, p.model])).toEqual([
      ['aave-v3', 'lending'],
      ['binance-coinm', 'tiered'],
      ['binance-usdm', 'tiered'],
      ['bybit-linear', 'tiered'],
      ['deribit', 'deribit'],
      ['drift', 'weighted'],
      ['hyperliquid', 'tiered'],
      ['okx-swap', 'tiered'],
    ]);
    for (const p of list) {
      expect(p.provenance.source.length).toBeGreaterThan(0);
      expect(p.provenance.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}/);
      expect(p.provenance.version.length).toBeGreaterThan(0);
    }
  });

  it('normalizes tier tables: unbounded last cap, derived maintenance amounts', () => {
    const v = getPreset('hyperliquid') as TieredModel;
    const btc = v.tiers.BTC ?? [];
    expect(btc.at(-1)?.cap).toBe(Infinity);
    expect(btc[1]?.mmAmount).toBeCloseTo(150_000_000 * (0.025 - 0.0125), 6);
    expect(getPreset('hyperliquid')).toBe(v); // cached
  });

  it('returns undefined for an unknown name', () => {
    expect(getPreset('ftx')).toBeUndefined();
  });

  it('reports a broken preset file with its file and field', () => {
    const broken = structuredClone(binanceUsdm) as unknown as { tiers: { BTC: { mmr: unknown }[] }; provenance?: unknown };
    (broken.tiers.BTC[2] as { mmr: unknown }).mmr = '0.65%';
    delete broken.provenance;
    const r = presetVenueSchema.safeParse(broken);
    expect(r.success).toBe(false);
    const issues = r.success ? [] : toFieldIssues(r.error.issues, broken);
    expect(issues.map((i) => [i.path, i.value])).toEqual([
      ['tiers.BTC[2].mmr', '0.65%'],
      ['provenance', undefined],
    ]);
    const e = new PresetError('binance-usdm', 'data/venues/binance-usdm.json', issues);
    expect(e.message).toMatch(/^venue preset binance-usdm \(data\/venues\/binance-usdm.json\) is invalid:\n {2}- tiers\.BTC\[2\]\.mmr: expected a finite number, got a string \(got "0\.65%"\)/);
  });

  it('reports a tier table rejected by normalizeTiers at the tier and field', () => {
    const broken = structuredClone(binanceUsdm) as unknown as { tiers: { ETH: { floor: number }[] } };
    (broken.tiers.ETH[3] as { floor: number }).floor = 2_000_000;
    const r = presetVenueSchema.safeParse(broken);
    const issues = r.success ? [] : toFieldIssues(r.error.issues, broken);
    expect(issues).toEqual([
      { path: 'tiers.ETH[3].floor', value: 2_000_000, message: "must equal the previous tier's cap 3000000 (tiers must be contiguous)" },
    ]);
  });
});
