import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../cascade/config.ts';
import { runCli } from '../../testing/cli.ts';
import { loadCascadeConfig, type SimulateDocument } from './simulate.ts';

const run = runCli;
const dir = mkdtempSync(join(tmpdir(), 'ballast-cascade-'));

describe('ballast simulate cascade', () => {
  it('examples/cascade/default.yaml equals the built-in defaults', async () => {
    expect(await loadCascadeConfig({ config: 'examples/cascade/default.yaml' })).toEqual(DEFAULT_CONFIG);
  });
  it('--json has the headline numbers of the run asked for, both runs and the difference', async () => {
    const r = await run(['simulate', 'cascade', '--accounts', '2000', '--guardians', '0.5', '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out) as SimulateDocument;
    expect(d.minPrice).toBe(d.withGuardians.minPrice);
    expect(d.liquidatedNotional).toBe(d.withGuardians.liquidatedNotional);
    expect(d.badDebt).toBe(d.withGuardians.badDebt);
    expect(d.difference.minPrice).toBeCloseTo(d.withGuardians.minPrice - d.withoutGuardians.minPrice, 9);
    const z = JSON.parse((await run(['simulate', 'cascade', '--accounts', '2000', '--guardians', '0', '--shock-drop', '0.08', '--json'])).out) as SimulateDocument;
    expect(z.minPrice).toBe(z.withoutGuardians.minPrice);
    expect(z.withGuardians).toEqual(z.withoutGuardians);
  });
  it('--sweep and the table render', async () => {
    const r = await run(['simulate', 'cascade', '--accounts', '500', '--sweep']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('guardian share');
  });
  it('bad flags and config fields exit 2 naming path and value', async () => {
    const a = await run(['simulate', 'cascade', '--guardians', '1.5']);
    expect(a.code).toBe(2);
    expect(a.err).toContain('guardians.share');
    expect(a.err).toContain('1.5');
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'population:\n  longShare: -1\nbook: { shape: cubic }\n');
    const b = await run(['simulate', 'cascade', '--config', f]);
    expect(b.code).toBe(2);
    expect(b.err).toContain('population.longShare');
    expect(b.err).toContain('book.shape');
    expect((await run(['simulate', 'nope'])).code).toBe(2);
  });
});
