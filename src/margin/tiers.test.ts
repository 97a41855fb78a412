import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BallastError } from '../errors/index.ts';
import { normalizeTiers, tierFor, tierIndexFor, tieredMaintenance, TierTableError, type RawTier } from './tiers.ts';

const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/venue-examples.json', import.meta.url), 'utf8')) as {
  binanceUsdmFaq: { brackets2021: { BTC: RawTier[]; ETH: RawTier[] } };
  binanceCoinmCalculator: { oldFaqTable: { BTC: RawTier[] } };
};
const preset = (name: string): { tiers: Record<string, RawTier[]> } =>
  JSON.parse(readFileSync(new URL(`../../data/venues/${name}.json`, import.meta.url), 'utf8')) as { tiers: Record<string, RawTier[]> };
const withoutAmounts = (raw: readonly RawTier[]): RawTier[] => raw.map(({ floor, cap, mmr, maxLeverage }) => ({ floor, cap, mmr, maxLeverage }));
const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
};

describe('normalizeTiers: the maintenance amount rule cum_n = cum_{n-1} + floor_n (m_n - m_{n-1})', () => {
  it('reproduces every published Binance USDⓈ-M cum of the BTC and ETH brackets (freqtrade snapshot, preset)', () => {
    for (const asset of ['BTC', 'ETH', '*']) {
      const raw = preset('binance-usdm').tiers[asset] ?? [];
      const derived = normalizeTiers(withoutAmounts(raw));
      // Binance publishes cum to the USDT; the rule reproduces it exactly in binary floating point up to rounding.
      derived.forEach((t, i) => expect(t.mmAmount).toBeCloseTo(raw[i]?.mmAmount ?? NaN, 6));
    }
  });

  it('Binance USDⓈ-M FAQ: Level 3 amount = 250,000 x (1% - 0.5%) + 50 = 1,300 USDT (2021 BTCUSDT table)', () => {
    const t = normalizeTiers(withoutAmounts(fixture.binanceUsdmFaq.brackets2021.BTC));
    expect(t[2]?.mmAmount).toBeCloseTo(1300, 9);
    expect(t[3]?.mmAmount).toBeCloseTo(16300, 9); // the FAQ example's cum for its BTC position
  });

  it('Binance COIN-M FAQ (current): 300 BTC of BTCUSD -> 12.5 %, maintenance amount 11.605 BTC', () => {
    const t = normalizeTiers(preset('binance-coinm').tiers.BTC ?? []);
    const tier = tierFor(t, 300);
    expect(tier.mmr).toBe(0.125);
    expect(tier.mmAmount).toBeCloseTo(11.605, 12);
    expect(t[4]?.mmAmount).toBeCloseTo(1.605, 12); // level 5 = 50 x (5% - 2.5%) + 0.355
  });

  it('Binance COIN-M FAQ (older): level 4 0.56, level 5 = 50 BTC x (5% - 2.5%) + 0.56 = 1.81, 300 BTC -> 11.81 BTC', () => {
    const t = normalizeTiers(fixture.binanceCoinmCalculator.oldFaqTable.BTC);
    expect(t[3]?.mmAmount).toBeCloseTo(0.56, 12);
    expect(t[4]?.mmAmount).toBeCloseTo(1.81, 12);
    expect(tierFor(t, 300).mmAmount).toBeCloseTo(11.81, 12);
  });

  it('freqtrade tests/conftest.py leverage_tiers (XRP-like table): 750, 4500 from 50k x 1.5 %, 150k x 2.5 %', () => {
    const t = normalizeTiers([
      { floor: 0, cap: 50000, mmr: 0.01, maxLeverage: 50 },
      { floor: 50000, cap: 150000, mmr: 0.025, maxLeverage: 20 },
      { floor: 150000, cap: null, mmr: 0.05, maxLeverage: 10 },
    ]);
    [0, 750, 4500].forEach((v, i) => expect(t[i]?.mmAmount).toBeCloseTo(v, 9));
  });

  it('keeps a published amount (OKX-style tables without deduction) and maps cap null to Infinity', () => {
    const t = normalizeTiers([
      { floor: 0, cap: 100, mmr: 0.01, mmAmount: 0, maxLeverage: 50 },
      { floor: 100, cap: null, mmr: 0.02, mmAmount: 0, maxLeverage: 20 },
    ]);
    expect(t[1]).toEqual({ floor: 100, cap: Infinity, mmr: 0.02, mmAmount: 0, maxLeverage: 20 });
  });

  it('derived amounts make maintenance continuous at every boundary (property)', () => {
    const table = fc
      .array(fc.record({ width: fc.double({ min: 1, max: 1e7, noNaN: true }), dm: fc.double({ min: 0, max: 0.1, noNaN: true }) }), { minLength: 1, maxLength: 12 })
      .map((steps) => {
        let floor = 0;
        let mmr = 0.004;
        return steps.map((s, i): RawTier => {
          const t: RawTier = { floor, cap: i === steps.length - 1 ? null : floor + s.width, mmr: Math.min(mmr, 0.99), maxLeverage: 1 };
          floor += s.width;
          mmr += s.dm;
          return t;
        });
      });
    fc.assert(
      fc.property(table, (raw) => {
        const t = normalizeTiers(raw);
        for (let i = 1; i < t.length; i++) {
          const b = (t[i] as { floor: number }).floor;
          const below = b * (t[i - 1]?.mmr ?? 0) - (t[i - 1]?.mmAmount ?? 0);
          expect(Math.abs(tieredMaintenance(t, b) - below)).toBeLessThanOrEqual(1e-9 * Math.max(1, below));
        }
      }),
    );
  });
});

describe('normalizeTiers: validation names the tier and the value', () => {
  const ok: RawTier[] = [
    { floor: 0, cap: 10, mmr: 0.01, maxLeverage: 50 },
    { floor: 10, cap: 20, mmr: 0.02, maxLeverage: 25 },
    { floor: 20, cap: null, mmr: 0.05, maxLeverage: 10 },
  ];
  const bad = (i: number, patch: Partial<RawTier>): RawTier[] => ok.map((t, j) => (j === i ? { ...t, ...patch } : t));

  it.each([
    ['a gap between tiers', bad(1, { floor: 11 }), 1, 'floor', 11, /contiguous/],
    ['an overlap', bad(2, { floor: 15 }), 2, 'floor', 15, /contiguous/],
    ['a first floor above 0', bad(0, { floor: 5 }), 0, 'floor', 5, /must be 0/],
    ['a cap below its floor', bad(1, { cap: 10 }), 1, 'cap', 10, /above the floor/],
    ['an unbounded middle tier', bad(1, { cap: null }), 1, 'cap', null, /not the last tier/],
    ['a decreasing rate', bad(2, { mmr: 0.015 }), 2, 'mmr', 0.015, /must not decrease/],
    ['a rate of 100 %', bad(2, { mmr: 1 }), 2, 'mmr', 1, /\[0, 1\)/],
    ['an increasing leverage', bad(1, { maxLeverage: 60 }), 1, 'maxLeverage', 60, /must not increase/],
    ['a leverage below 1', bad(2, { maxLeverage: 0.5 }), 2, 'maxLeverage', 0.5, />= 1/],
    ['a negative amount', bad(1, { mmAmount: -1 }), 1, 'mmAmount', -1, />= 0/],
    ['a NaN floor', bad(0, { floor: NaN }), 0, 'floor', NaN, /finite/],
  ])('rejects %s', (_label, raw, index, field, value, message) => {
    const e = thrown(() => normalizeTiers(raw));
    expect(e).toBeInstanceOf(TierTableError);
    expect(e).toBeInstanceOf(BallastError);
    const err = e as TierTableError;
    expect(err.index).toBe(index);
    expect(err.field).toBe(field);
    expect(err.value).toEqual(value);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`tier ${index}`);
  });

  it('rejects an empty table', () => {
    expect(() => normalizeTiers([])).toThrow(TierTableError);
  });
});

describe('tierFor', () => {
  const t = normalizeTiers([
    { floor: 0, cap: 10, mmr: 0.01, maxLeverage: 50 },
    { floor: 10, cap: 20, mmr: 0.02, maxLeverage: 25 },
    { floor: 20, cap: 30, mmr: 0.05, maxLeverage: 10 },
  ]);
  it('uses [floor, cap): the floor belongs to its tier', () => {
    expect(tierIndexFor(t, 0)).toBe(0);
    expect(tierIndexFor(t, 9.999)).toBe(0);
    expect(tierIndexFor(t, 10)).toBe(1);
    expect(tierIndexFor(t, 29.9)).toBe(2);
  });
  it('maps a notional beyond the last finite cap to the last tier', () => {
    expect(tierFor(t, 1e12).mmr).toBe(0.05);
  });
});
