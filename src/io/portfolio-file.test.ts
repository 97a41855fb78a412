import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ValidationError } from '../errors/index.ts';
import { DocumentSyntaxError, parsePortfolio } from '../model/parse.ts';
import { loadPortfolioFile, PortfolioFileError } from './portfolio-file.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const examples = join(root, 'examples');
const fixtures = join(root, 'test/fixtures');

const caught = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
};

describe('examples', async () => {
  const files = (await readdir(examples)).filter((f) => f.endsWith('.yaml')).sort();

  it('includes the documented examples', () => {
    expect(files).toEqual(['aave-loop.yaml', 'deribit-options.yaml', 'hyperliquid-iso.yaml', 'multi-venue.yaml', 'perp-cross.yaml']);
  });

  it.each(files)('%s parses, and its JSON form gives the same Portfolio', async (f) => {
    const path = join(examples, f);
    const p = await loadPortfolioFile(path);
    expect(p.accounts.length).toBeGreaterThan(0);
    const { readFile } = await import('node:fs/promises');
    const asJson = JSON.stringify(parse(await readFile(path, 'utf8')));
    expect(parsePortfolio(asJson, `${f}.json`)).toEqual(p);
  });

  it('multi-venue resolves presets, modes, settlement and overrides', async () => {
    const p = await loadPortfolioFile(join(examples, 'multi-venue.yaml'));
    expect(p.accounts.map((a) => [a.id, a.venueName, a.venue.model, a.mode])).toEqual([
      ['binance-cross', 'binance-usdm', 'tiered', 'cross'],
      ['binance-iso', 'binance-usdm', 'tiered', 'isolated'],
      ['deribit', 'deribit', 'deribit', 'portfolio'],
      ['aave', 'aave-v3', 'lending', 'cross'],
    ]);
    expect(p.accounts[0]?.positions.map((x) => x.kind === 'perp' && x.settle)).toEqual(['linear', 'linear']);
    expect(p.accounts[1]?.positions[0]).toEqual({ index: 0, kind: 'perp', asset: 'BTC', qty: -1.5, entry: 65000, margin: 9000, settle: 'linear' });
    expect(p.accounts[2]?.positions[1]).toMatchObject({ kind: 'future', settle: 'inverse', qty: 20000 });
    const aave = p.accounts[3]?.venue;
    expect(aave?.model === 'lending' && aave.assets.ETH).toEqual({ ltv: 0.8, liquidationThreshold: 0.825, liquidationBonus: 0.05 });
    expect(aave?.model === 'lending' && aave.assets.WBTC?.ltv).toBe(0.73); // untouched preset asset
    expect(aave?.provenance.source).toMatch(/Aave V3/);
  });
});

describe('preset overrides in the examples', () => {
  it('perp-cross replaces the SOL tier table of binance-usdm and keeps the others', async () => {
    const p = await loadPortfolioFile(join(examples, 'perp-cross.yaml'));
    const v = p.accounts[0]?.venue;
    if (v?.model !== 'tiered') throw new Error('expected a tiered venue');
    expect(v.tiers.SOL?.map((t) => t.mmr)).toEqual([0.005, 0.01, 0.025, 0.05]);
    expect(v.tiers.SOL?.[1]?.mmAmount).toBeCloseTo(250, 9); // derived: 50000 x (0.01 - 0.005)
    expect(v.tiers.BTC?.[0]?.mmr).toBe(0.004);
    expect(v.tiers['*']).toBeDefined();
  });
});

describe('loadPortfolioFile errors', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ballast-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('missing file: PortfolioFileError not-found', async () => {
    const e = await caught(loadPortfolioFile(join(dir, 'nope.yaml')));
    expect(e).toBeInstanceOf(PortfolioFileError);
    expect((e as PortfolioFileError).reason).toBe('not-found');
    expect((e as PortfolioFileError).message).toBe(`cannot read portfolio file ${join(dir, 'nope.yaml')}: no such file`);
  });

  it('a directory: PortfolioFileError unreadable', async () => {
    const e = await caught(loadPortfolioFile(dir));
    expect(e).toBeInstanceOf(PortfolioFileError);
    expect((e as PortfolioFileError).reason).toBe('unreadable');
  });

  it('not UTF-8: PortfolioFileError unreadable', async () => {
    const f = join(dir, 'latin1.yaml');
    await writeFile(f, Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    const e = await caught(loadPortfolioFile(f));
    expect((e as PortfolioFileError).reason).toBe('unreadable');
  });

  it.skipIf(process.getuid?.() === 0)('no permission: PortfolioFileError unreadable', async () => {
    const f = join(dir, 'secret.yaml');
    await writeFile(f, 'a: 1\n');
    await chmod(f, 0o000);
    const e = await caught(loadPortfolioFile(f));
    expect((e as PortfolioFileError).message).toMatch(/permission denied/);
  });

  it('unreadable YAML: DocumentSyntaxError with the line number', async () => {
    const path = join(fixtures, 'bad-syntax.yaml');
    const e = await caught(loadPortfolioFile(path));
    expect(e).toBeInstanceOf(DocumentSyntaxError);
    const s = e as DocumentSyntaxError;
    expect([s.format, s.line]).toEqual(['yaml', 5]);
    expect(s.message.startsWith(`${path}:5:1: YAML syntax error: `)).toBe(true);
  });

  it('JSON by extension: a JSON syntax error with line and column', async () => {
    const f = join(dir, 'p.json');
    await writeFile(f, '{\n  "asOf": "2024-03-01",\n  "market": { "prices": { "BTC": 62000, } }\n}\n');
    const e = (await caught(loadPortfolioFile(f))) as DocumentSyntaxError;
    expect([e.format, e.line, e.column]).toEqual(['json', 3, 41]);
    expect(e.reason).toBe('expected a property name in double quotes, found "}"');
  });

  it('bad fields: one ValidationError naming the file and every field', async () => {
    const path = join(fixtures, 'bad-fields.yaml');
    const e = (await caught(loadPortfolioFile(path))) as ValidationError;
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.source).toBe(path);
    expect(e.issues.map((i) => [i.path, i.value])).toEqual([
      ['market.prices.ETH', -3400],
      ['accounts[0].mode', 'portfolio'],
      ['accounts[0].positions[0].entyr', 3100],
      ['accounts[0].positions[0].entry', undefined],
      ['accounts[0].positions[1].qty', NaN],
      ['accounts[0].positions[1].asset', 'SOL'],
      ['accounts[1].positions[0].strike', 0],
      ['accounts[2].id', 'cex'],
      ['accounts[2].venue', 'binance-usd'],
    ]);
  });
});
