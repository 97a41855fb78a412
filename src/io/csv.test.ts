import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ValidationError, type FieldIssue } from '../errors/index.ts';
import { csvRecords, CsvFileError, firstCsvLine, isDecimal, parseNumber, parseNumericColumn, readNumericColumn, splitCsvLine } from './csv.ts';

const issuesOf = (f: () => unknown): readonly FieldIssue[] => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
};

describe('parseNumber', () => {
  it('accepts plain decimals and scientific notation only', () => {
    expect(['1', '-0.012', '+3.', '.5', '1e-3', '2E+4', ' 7 '].map(parseNumber)).toEqual([1, -0.012, 3, 0.5, 1e-3, 2e4, 7]);
    for (const bad of ['', 'NaN', 'nan', 'inf', 'Infinity', '1,000', '0x10', '1e', '--1', '1.2.3', 'abc', '1e999']) expect(parseNumber(bad)).toBeUndefined();
  });

  it('round-trips every finite double written by JavaScript', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(parseNumber(String(x))).toBe(x === 0 ? 0 : x); // String(-0) is "0"
      }),
    );
  });
});

describe('splitCsvLine', () => {
  it('splits on commas, trims, unquotes', () => {
    expect(splitCsvLine('a, b ,c')).toEqual(['a', 'b', 'c']);
    expect(splitCsvLine('"x,y","say ""hi""",')).toEqual(['x,y', 'say "hi"', '']);
    expect(splitCsvLine('')).toEqual(['']);
    expect(splitCsvLine('"open')).toBeUndefined();
  });
});

describe('csvRecords', () => {
  const recordsOf = (text: string, dialect: 'quoted' | 'plain'): [number, string, readonly string[]][] =>
    csvRecords(text, 'f.csv', dialect).map((r) => [r.line, r.text, r.fields]);

  it("'quoted': BOM and CR dropped, blank lines skipped, fields unquoted and trimmed", () => {
    expect(recordsOf('\uFEFF\n a , "b,c" \r\n  \r\n1,"say ""hi"""\n\n', 'quoted')).toEqual([
      [2, ' a , "b,c" ', ['a', 'b,c']],
      [4, '1,"say ""hi"""', ['1', 'say "hi"']],
    ]);
    expect(recordsOf('', 'quoted')).toEqual([]);
    expect(() => csvRecords('a\n"1\r\n', 'f.csv', 'quoted')).toThrow('f.csv: 1 invalid field\n  - line 2: unclosed double quote (got "\\"1")');
  });

  it("'plain': fields exactly as written, empty lines inside kept, trailing ones dropped", () => {
    expect(recordsOf('\uFEFFa,b\r\n "1",2 \r\n\r\n3,\n\r\n\n', 'plain')).toEqual([
      [1, 'a,b', ['a', 'b']],
      [2, ' "1",2 ', [' "1"', '2 ']],
      [3, '', ['']],
      [4, '3,', ['3', '']],
    ]);
    expect(recordsOf('x', 'plain')).toEqual([[1, 'x', ['x']]]);
    expect(recordsOf('\n\n', 'plain')).toEqual([]);
  });

  it('firstCsvLine: the header without BOM and line end', () => {
    expect(['\uFEFFa,b\r\n1,2', 'a,b', 'a,b\n', ''].map(firstCsvLine)).toEqual(['a,b', 'a,b', 'a,b', '']);
  });

  it('isDecimal: the number grammar as written (no spaces); an overflow is still a decimal', () => {
    expect(['1', '-0.5', '.5', '3.', '1e999'].every(isDecimal)).toBe(true);
    expect([' 1', '', 'NaN', '0x10', '1,5', '"1"'].some(isDecimal)).toBe(false);
  });
});

describe('parseNumericColumn', () => {
  const CSV = 'timestamp,open,close,note\r\n1,10,11,x\r\n\r\n2,11,12.5,y\n  \n3,12,1e1,z\n';

  it('reads a named column, skipping blank lines, with the line number of each value', () => {
    const c = parseNumericColumn(CSV, 'f.csv', { column: 'open' });
    expect(c).toEqual({ column: 'open', inferred: false, values: new Float64Array([10, 11, 12]), lines: [2, 4, 6] });
  });

  it('without a name, uses the last numeric column', () => {
    const c = parseNumericColumn(CSV, 'f.csv');
    expect(c.column).toBe('close');
    expect(c.inferred).toBe(true);
    expect([...c.values]).toEqual([11, 12.5, 10]);
  });

  it('a BOM, quoted header names and leading blank lines are fine', () => {
    const c = parseNumericColumn('\uFEFF\n\n"date","equity"\n2024-01-01,100\n2024-01-02,"101.5"\n', 'f.csv');
    expect(c.column).toBe('equity');
    expect(c.lines).toEqual([4, 5]);
    expect([...c.values]).toEqual([100, 101.5]);
  });

  it('a bad cell names the line, the column and the value', () => {
    const text = 'date,equity\n2024-01-01,100\n2024-01-02,abc\n\n2024-01-04,\n2024-01-05\n2024-01-06,NaN\n2024-01-07,105\n';
    const issues = issuesOf(() => parseNumericColumn(text, 'eq.csv', { column: 'equity' }));
    expect(issues).toEqual([
      { path: 'line 3, column "equity"', value: 'abc', message: 'not a number' },
      { path: 'line 5, column "equity"', value: '', message: 'empty cell' },
      { path: 'line 6, column "equity"', value: undefined, message: 'the line has only 1 of 2 fields' },
      { path: 'line 7, column "equity"', value: 'NaN', message: 'not a number' },
    ]);
    expect(() => parseNumericColumn(text, 'eq.csv', { column: 'equity' })).toThrow(/^eq\.csv: 4 invalid fields\n {2}- line 3, column "equity": not a number \(got "abc"\)/);
  });

  it('a few bad cells do not move the inferred column away from the last numeric one', () => {
    const issues = issuesOf(() => parseNumericColumn('a,b\n1,2\n3,oops\n5,6\n', 'f.csv'));
    expect(issues).toEqual([{ path: 'line 3, column "b"', value: 'oops', message: 'not a number' }]);
  });

  it('many bad cells: the first ten, then a count', () => {
    const text = 'x\n' + Array.from({ length: 30 }, (_, i) => (i < 12 ? 'bad' : String(i))).join('\n');
    const issues = issuesOf(() => parseNumericColumn(text, 'f.csv', { column: 'x' }));
    expect(issues).toHaveLength(11);
    expect(issues[0]!.path).toBe('line 2, column "x"');
    expect(issues[10]).toEqual({ path: 'column "x"', value: '12 bad cells', message: 'only the first 10 are listed' });
  });

  it('header and column problems', () => {
    expect(issuesOf(() => parseNumericColumn('', 'f.csv'))[0]!.message).toMatch(/empty file/);
    expect(issuesOf(() => parseNumericColumn('1,2\n3,4\n', 'f.csv'))[0]).toMatchObject({ path: 'line 1', value: '1,2' });
    expect(issuesOf(() => parseNumericColumn('a,b\n', 'f.csv'))[0]).toMatchObject({ path: 'line 2', message: 'no data lines after the header' });
    expect(issuesOf(() => parseNumericColumn(CSV, 'f.csv', { column: 'volume' }))[0]).toMatchObject({
      path: 'column',
      value: 'volume',
      message: 'no such column in the header (line 1): "timestamp", "open", "close", "note"',
    });
    expect(issuesOf(() => parseNumericColumn('a,a\n1,2\n', 'f.csv', { column: 'a' }))[0]!.message).toMatch(/2 columns have this name/);
    expect(issuesOf(() => parseNumericColumn('a,b\nx,y\n', 'f.csv'))[0]!.message).toMatch(/no column of "a", "b" holds mostly numbers/);
    // half the cells bad: not inferred as numeric, but a named column reports its bad cells
    expect(issuesOf(() => parseNumericColumn('a,b\nx,1\ny,z\n', 'f.csv'))[0]!.message).toMatch(/no column of "a", "b"/);
    expect(issuesOf(() => parseNumericColumn('a,b\nx,1\ny,z\n', 'f.csv', { column: 'b' }))).toEqual([{ path: 'line 3, column "b"', value: 'z', message: 'not a number' }]);
    expect(issuesOf(() => parseNumericColumn('a\n"1\n', 'f.csv'))[0]).toEqual({ path: 'line 2', value: '"1', message: 'unclosed double quote' });
  });
});

describe('readNumericColumn', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-csv-'));

  it('reads plain and gzipped files', async () => {
    writeFileSync(join(dir, 'a.csv'), 'v\n1\n2\n');
    writeFileSync(join(dir, 'a.csv.gz'), gzipSync('v\n1\n2\n'));
    expect([...(await readNumericColumn(join(dir, 'a.csv'))).values]).toEqual([1, 2]);
    expect([...(await readNumericColumn(join(dir, 'a.csv.gz'))).values]).toEqual([1, 2]);
  });

  it('file problems are CsvFileError, naming the path', async () => {
    await expect(readNumericColumn(join(dir, 'missing.csv'))).rejects.toThrow(CsvFileError);
    await expect(readNumericColumn(join(dir, 'missing.csv'))).rejects.toThrow(/missing\.csv: no such file/);
    await expect(readNumericColumn(dir)).rejects.toThrow(/is a directory/);
    writeFileSync(join(dir, 'bad.csv.gz'), 'v\n1\n');
    await expect(readNumericColumn(join(dir, 'bad.csv.gz'))).rejects.toThrow(/not valid gzip/);
    writeFileSync(join(dir, 'latin1.csv'), Buffer.from([0x76, 0x0a, 0xe9, 0x0a]));
    await expect(readNumericColumn(join(dir, 'latin1.csv'))).rejects.toThrow(/not UTF-8/);
  });
});
