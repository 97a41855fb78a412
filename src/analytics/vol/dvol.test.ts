import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../io/market-file.ts';
import { dvolAsOf, dvolForDay, latestDvol, parseDay, sigmaFromDvol, type DvolSeries } from './dvol.ts';

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
const series: DvolSeries = {
  timestamp: [day('2024-01-01'), day('2024-01-02'), day('2024-01-04') - 500], // the last one 0.5 s early (loader tolerance)
  dvol: [50, 55.5, 60],
};

describe('DVOL', () => {
  it('annualised percent -> annualised fraction', () => {
    expect(sigmaFromDvol(56.76)).toBeCloseTo(0.5676, 15);
  });
  it('the row stamped on a UTC day is that day\'s value; a stamp a little before midnight counts for the next day', () => {
    expect(dvolForDay(series, '2024-01-02')).toEqual({ date: '2024-01-02', timestamp: day('2024-01-02'), dvol: 55.5, sigma: 0.555 });
    expect(dvolForDay(series, '2024-01-04').dvol).toBe(60);
  });
  it('a day without a row is an error naming the date and the nearest days; nothing is carried forward', () => {
    expect(() => dvolForDay(series, '2024-01-03')).toThrow(/date: no DVOL row that day \(nearest earlier: 2024-01-02, later: 2024-01-04\); nothing is carried forward \(got "2024-01-03"\)/);
    expect(() => dvolForDay(series, '2023-12-31')).toThrow(/nearest earlier: none, later: 2024-01-01/);
    expect(() => dvolForDay(series, '2024-02-30')).toThrow(/date: must be a UTC calendar day YYYY-MM-DD \(got "2024-02-30"\)/);
    expect(() => parseDay('01/02/2024')).toThrow(/YYYY-MM-DD/);
  });
  it('as-of lookup takes the latest earlier row and reports its age in days', () => {
    const p = dvolAsOf(series, Date.parse('2024-01-03T15:00:00Z'));
    expect(p.dvol).toBe(55.5);
    expect(p.ageDays).toBe(1);
    expect(dvolAsOf(series, day('2024-01-02') + 3_600_000).ageDays).toBe(0);
    expect(() => dvolAsOf(series, day('2023-12-31'))).toThrow(/asOf: before the first DVOL row/);
    expect(latestDvol(series).date).toBe('2024-01-04');
  });
  it('the bundled deribit-btc-dvol-1d: first day, the 2022-11-09 peak, the missing 2025-11-11', async () => {
    const { series: s } = await loadDataset('deribit-btc-dvol-1d');
    if (s.kind !== 'dvol') throw new Error('expected a dvol series');
    expect(dvolForDay(s, '2022-11-06').dvol).toBe(56.76);
    expect(dvolForDay(s, '2022-11-09').sigma).toBeCloseTo(1.1472, 15);
    expect(() => dvolForDay(s, '2025-11-11')).toThrow(/nearest earlier: 2025-11-10, later: 2025-11-12/);
    expect(latestDvol(s).date).toBe('2025-11-12');
  });
});
