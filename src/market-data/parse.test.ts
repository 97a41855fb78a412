import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.ts';
import { checkSpacing, kindFromHeader, MarketDataError, MAX_REPORTED_ISSUES, parseMarketCsv } from './parse.ts';
import { COLUMNS, MARKET_KINDS } from './series.ts';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const OHLCV = 'timestamp,open,high,low,close,volume';

const csv = (header: string, rows: readonly string[]): string => `${[header, ...rows].join('\n')}\n`;

const fail = (f: () => unknown): MarketDataError => {
  try {
    f();
  } catch (e) {
    if (e instanceof MarketDataError) return e;
    throw e;
  }
  throw new Error('expected a MarketDataError');
};

describe('parseMarketCsv: valid input', () => {
  it('gives typed columns named as the header names them', () => {
    const s = parseMarketCsv(csv(OHLCV, [`${T0},100,110,90,105,1.5`, `${T0 + H},105,106,104,104.5,0`]), 'ohlcv', { source: 'x.csv' });
    expect(s.kind).toBe('ohlcv');
    expect(s.length).toBe(2);
    expect(s.timestamp).toBeInstanceOf(Float64Array);
    expect([...s.timestamp]).toEqual([T0, T0 + H]);
    expect([...s.open]).toEqual([100, 105]);
    expect([...s.high]).toEqual([110, 106]);
    expect([...s.low]).toEqual([90, 104]);
    expect([...s.close]).toEqual([105, 104.5]);
    expect([...s.volume]).toEqual([1.5, 0]);
  });

  it('reads every kind, with negative rates and exponent notation', () => {
    const f = parseMarketCsv(csv('timestamp,funding_rate', [`${T0},-1.2e-4`, `${T0 + 8 * H},6.900000000000001e-4`]), 'funding', { source: 'f' });
    expect([...f.funding_rate]).toEqual([-1.2e-4, 6.900000000000001e-4]);
    const d = parseMarketCsv(csv('timestamp,dvol', [`${T0},56.76`]), 'dvol', { source: 'd' });
    expect([...d.dvol]).toEqual([56.76]);
    const r = parseMarketCsv(csv('timestamp,index_price,interest_8h,interest_1h', [`${T0},5150.94,-0.00045,0.0`]), 'deribit-funding', { source: 'r' });
    expect([r.index_price[0], r.interest_8h[0], r.interest_1h[0]]).toEqual([5150.94, -0.00045, 0]);
  });

  it('accepts CRLF, a BOM, no final newline and trailing empty lines', () => {
    const rows = [`${T0},1,2,0.5,1.5,3`, `${T0 + H},1.5,2,1,1,3`];
    for (const text of [
      `${OHLCV}\r\n${rows.join('\r\n')}\r\n`,
      `\uFEFF${OHLCV}\n${rows.join('\n')}`,
      `${OHLCV}\n${rows.join('\n')}\n\n\n`,
    ]) {
      expect([...parseMarketCsv(text, 'ohlcv', { source: 's' }).close]).toEqual([1.5, 1]);
    }
  });

  it('allows jitter within the tolerance and whole-interval gaps when given an interval', () => {
    const rows = [`${T0 + 16},1e-4`, `${T0 + 8 * H + 5},1e-4`, `${T0 + 24 * H - 2},1e-4`];
    const s = parseMarketCsv(csv('timestamp,funding_rate', rows), 'funding', { source: 'f', intervalMs: 8 * H, toleranceMs: 1000 });
    expect(s.length).toBe(3);
  });

  it('round-trips any valid series written as CSV (property)', () => {
    const row = fc
      .tuple(
        fc.double({ min: 1e-6, max: 1e7, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e7, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        fc.integer({ min: 1, max: 5 }),
      )
      .map(([o, c, up, down, volume, step]) => ({ o, c, h: Math.max(o, c) * (1 + up), l: Math.min(o, c) * (1 - down * 0.99), volume, step }));
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 50 }), (rows) => {
        let t = T0;
        const ts = rows.map((r) => (t += r.step * H));
        const lines = rows.map((r, i) => [ts[i], r.o, r.h, r.l, r.c, r.volume].map(String).join(','));
        const s = parseMarketCsv(csv(OHLCV, lines), 'ohlcv', { source: 'p', intervalMs: H });
        expect([...s.timestamp]).toEqual(ts);
        expect([...s.open]).toEqual(rows.map((r) => r.o));
        expect([...s.high]).toEqual(rows.map((r) => r.h));
        expect([...s.low]).toEqual(rows.map((r) => r.l));
        expect([...s.close]).toEqual(rows.map((r) => r.c));
        expect([...s.volume]).toEqual(rows.map((r) => r.volume));
      }),
    );
  });
});

describe('parseMarketCsv: every bad value is reported with file, line, column and value', () => {
  it('names the line, the column and the value of each bad field, all at once', () => {
    const e = fail(() =>
      parseMarketCsv(
        csv(OHLCV, [
          `${T0},100,110,90,105,1`,
          `${T0 + H},abc,110,90,105,1`, // line 3: open not a number
          `${T0 + 2 * H},100,110,-90,105,1`, // line 4: low <= 0
          `${T0 + 3 * H},100,110,90,105,-1`, // line 5: volume < 0
          `${T0 + 4 * H},100,,90,105,1`, // line 6: empty high
          `${T0 + 5 * H},100,110,90,1e999,1`, // line 7: close not finite
        ]),
        'ohlcv',
        { source: 'bad.csv' },
      ),
    );
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.source).toBe('bad.csv');
    expect(e.total).toBe(5);
    expect(e.issues.map((i) => [i.path, i.value])).toEqual([
      ['line 3, column 2 (open)', 'abc'],
      ['line 4, column 4 (low)', '-90'],
      ['line 5, column 6 (volume)', '-1'],
      ['line 6, column 3 (high)', ''],
      ['line 7, column 5 (close)', '1e999'],
    ]);
    expect(e.issues.map((i) => i.message)).toEqual(['not a number', 'must be > 0', 'must be >= 0', 'empty field', 'not finite']);
    expect(e.message).toMatch(/^bad\.csv: 5 invalid values\n/);
    expect(e.message).toContain('line 3, column 2 (open): not a number (got "abc")');
  });

  it('checks high >= max(open, close) and low <= min(open, close)', () => {
    const e = fail(() => parseMarketCsv(csv(OHLCV, [`${T0},100,104,90,105,1`, `${T0 + H},100,110,101,105,1`]), 'ohlcv', { source: 'o.csv' }));
    expect(e.issues).toEqual([
      { path: 'line 2, column 3 (high)', value: '104', message: 'below max(open, close) = 105' },
      { path: 'line 3, column 4 (low)', value: '101', message: 'above min(open, close) = 100' },
    ]);
  });

  it('requires strictly increasing timestamps, naming the previous row', () => {
    const e = fail(() =>
      parseMarketCsv(csv('timestamp,dvol', [`${T0 + H},50`, `${T0 + H},51`, `${T0},52`, `${T0 + 2 * H},53`]), 'dvol', { source: 'd.csv' }),
    );
    expect(e.issues.map((i) => i.path)).toEqual(['line 3, column 1 (timestamp)', 'line 4, column 1 (timestamp)']);
    expect(e.issues[0]?.message).toBe(`not after ${new Date(T0 + H).toISOString()} (line 2): timestamps must strictly increase`);
  });

  it('rejects timestamps that are not integer epoch milliseconds', () => {
    const e = fail(() =>
      parseMarketCsv(csv('timestamp,dvol', ['1704067200', '2024-01-01', `${T0}.5`, '99999999999999', `${T0}`].map((t) => `${t},50`)), 'dvol', { source: 's.csv' }),
    );
    expect(e.issues.map((i) => [i.path, i.value])).toEqual([
      ['line 2, column 1 (timestamp)', '1704067200'],
      ['line 3, column 1 (timestamp)', '2024-01-01'],
      ['line 4, column 1 (timestamp)', `${T0}.5`],
      ['line 5, column 1 (timestamp)', '99999999999999'],
    ]);
    expect(e.issues[0]?.message).toContain('is this seconds?');
  });

  it('reports empty lines and rows with the wrong number of fields', () => {
    const e = fail(() => parseMarketCsv(csv('timestamp,funding_rate', [`${T0},1e-4`, '', `${T0 + H},1e-4,7`, `${T0 + 2 * H}`]), 'funding', { source: 'f.csv' }));
    expect(e.issues.map((i) => [i.path, i.message])).toEqual([
      ['line 3', 'empty line'],
      ['line 4', 'expected 2 fields (timestamp,funding_rate), got 3'],
      ['line 5', 'expected 2 fields (timestamp,funding_rate), got 1'],
    ]);
  });

  it('rejects quoted fields, spaces, hex and signs the rules forbid', () => {
    const e = fail(() => parseMarketCsv(csv('timestamp,dvol', [`${T0},"50"`, `${T0 + 1},  50`, `${T0 + 2},0x32`, `${T0 + 3},-5`, `${T0 + 4},0`]), 'dvol', { source: 'q' }));
    expect(e.issues.map((i) => i.value)).toEqual(['"50"', '  50', '0x32', '-5', '0']);
  });

  it('checks the spacing against a given interval (whole intervals within the tolerance)', () => {
    const e = fail(() =>
      parseMarketCsv(csv('timestamp,funding_rate', [`${T0}`, `${T0 + 8 * H + 1500}`, `${T0 + 12 * H}`, `${T0 + 40 * H}`].map((t) => `${t},1e-4`)), 'funding', {
        source: 'f',
        intervalMs: 8 * H,
        toleranceMs: 1000,
      }),
    );
    expect(e.issues.map((i) => [i.path, i.message])).toEqual([
      ['line 3, column 1 (timestamp)', `${8 * H + 1500} ms after the previous row: not a whole number of 8h intervals within 1000 ms`],
      ['line 4, column 1 (timestamp)', `only ${4 * H - 1500} ms after the previous row; the interval is 8h`],
      ['line 5, column 1 (timestamp)', `${28 * H} ms after the previous row: not a whole number of 8h intervals within 1000 ms`],
    ]);
    const bars = fail(() => parseMarketCsv(csv(OHLCV, [`${T0},1,1,1,1,1`, `${T0 + H / 2},1,1,1,1,1`]), 'ohlcv', { source: 'b', intervalMs: H }));
    expect(bars.issues[0]?.message).toBe(`only ${H / 2} ms after the previous row; the interval is 1h`);
  });

  it('lists the first MAX_REPORTED_ISSUES and says how many more', () => {
    const rows = Array.from({ length: 57 }, (_, i) => `${T0 + i * H},x`);
    const e = fail(() => parseMarketCsv(csv('timestamp,dvol', rows), 'dvol', { source: 'many.csv' }));
    expect(e.total).toBe(57);
    expect(e.issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect(e.issues.at(-1)?.path).toBe(`line ${MAX_REPORTED_ISSUES + 1}, column 2 (dvol)`);
    expect(e.message).toMatch(/^many\.csv: 57 invalid values \(first 20 shown\)\n/);
    expect(e.message.trimEnd().split('\n').at(-1)).toBe(`  ... and ${57 - MAX_REPORTED_ISSUES} more`);
  });

  it('rejects a wrong header, naming the kind it belongs to', () => {
    const e = fail(() => parseMarketCsv(csv('timestamp,funding_rate', [`${T0},1`]), 'ohlcv', { source: 'h.csv' }));
    expect(e.issues).toEqual([
      { path: 'line 1', value: 'timestamp,funding_rate', message: `expected the ohlcv header "${OHLCV}"; that is the header of kind funding` },
    ]);
    const other = fail(() => parseMarketCsv(csv('time,open,high,low,close,volume', []), 'ohlcv', { source: 'h.csv' }));
    expect(other.issues[0]?.message).toBe(`expected the ohlcv header "${OHLCV}"`);
  });

  it('rejects an empty file and a header without rows', () => {
    expect(fail(() => parseMarketCsv('', 'dvol', { source: 'e' })).issues[0]?.path).toBe('line 1');
    expect(fail(() => parseMarketCsv('timestamp,dvol\n', 'dvol', { source: 'e' })).issues).toEqual([
      { path: 'line 2', value: undefined, message: 'no data rows after the header' },
    ]);
  });

  it('reports every corrupted cell of an otherwise valid file (property)', () => {
    const n = 30;
    const good = Array.from({ length: n }, (_, i) => [T0 + i * H, 100, 110, 90, 105, 1].map(String));
    const bad = fc.constantFrom('', 'NaN', 'Infinity', '1,5', 'x', '-1', '0');
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: 5 }), bad), { selector: ([r, c]) => `${r}:${c}`, maxLength: 15 }), (edits) => {
        const rows = good.map((r) => [...r]);
        for (const [r, c, v] of edits) (rows[r] as string[])[c] = v;
        const run = () => parseMarketCsv(csv(OHLCV, rows.map((r) => r.join(','))), 'ohlcv', { source: 'p' });
        // '0' is a valid volume (column 6); every other edit is an error somewhere on its line.
        const expectedLines = new Set(edits.filter(([, c, v]) => !(c === 5 && v === '0')).map(([r]) => r + 2));
        if (expectedLines.size === 0) return void run();
        const e = fail(run);
        expect(new Set(e.issues.map((i) => Number(/^line (\d+)/.exec(i.path)?.[1])))).toEqual(expectedLines);
      }),
    );
  });
});

describe('headers and spacing helpers', () => {
  it('kindFromHeader maps each kind header to its kind, and nothing else', () => {
    for (const k of MARKET_KINDS) expect(kindFromHeader(COLUMNS[k].join(','))).toBe(k);
    expect(kindFromHeader(`\uFEFF${OHLCV}\r`)).toBe('ohlcv');
    expect(kindFromHeader('timestamp,close')).toBeUndefined();
    expect(kindFromHeader(`\uFEFF${OHLCV}\r\n1,2`)).toBe('ohlcv');
  });

  it('checkSpacing reports off-grid steps at the row lines of a parsed file', () => {
    expect(() => checkSpacing([T0, T0 + H, T0 + 3 * H], H, 0, 'ok')).not.toThrow();
    const e = fail(() => checkSpacing([T0, T0 + H, T0 + 2.5 * H], H, 0, 'c.csv'));
    expect(e.issues.map((i) => [i.path, i.value])).toEqual([['line 4, column 1 (timestamp)', String(T0 + 2.5 * H)]]);
  });
});
