import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInterval, isoMinute, isoUtc, parseInterval } from './interval.ts';

describe('intervals', () => {
  it('parses the usual labels and bare milliseconds', () => {
    expect(parseInterval('1h')).toBe(3_600_000);
    expect(parseInterval('8h')).toBe(28_800_000);
    expect(parseInterval('1d')).toBe(86_400_000);
    expect(parseInterval('15m')).toBe(900_000);
    expect(parseInterval('1w')).toBe(604_800_000);
    expect(parseInterval('30s')).toBe(30_000);
    expect(parseInterval('250ms')).toBe(250);
    expect(parseInterval('3600000')).toBe(3_600_000);
  });

  it('rejects anything else', () => {
    for (const s of ['', 'h', '0h', '1.5h', '-1h', '1H', '1 hour', '1y', '99999999999999999d']) expect(parseInterval(s)).toBeUndefined();
  });

  it('formats in the largest exact unit', () => {
    expect(formatInterval(3_600_000)).toBe('1h');
    expect(formatInterval(28_800_000)).toBe('8h');
    expect(formatInterval(86_400_000)).toBe('1d');
    expect(formatInterval(5_400_000)).toBe('90m');
    expect(formatInterval(1500)).toBe('1500ms');
    expect(formatInterval(0)).toBe('0ms');
  });

  it('format then parse is the identity (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (ms) => {
        expect(parseInterval(formatInterval(ms))).toBe(ms);
      }));
  });

  it('prints UTC times', () => {
    expect(isoUtc(1667462400016)).toBe('2022-11-03T08:00:00.016Z');
    expect(isoMinute(1667462400016)).toBe('2022-11-03T08:00Z');
  });
});
