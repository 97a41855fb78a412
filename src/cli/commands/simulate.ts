/**
 * `ballast simulate cascade [--config file] [--guardians share] [--threshold d] [--fraction f] [--shock-usd X |
 *  --shock-drop y] [--accounts n] [--seed s] [--rounds n] [--sweep] [--json]`: the liquidation cascade simulator
 * (src/cascade/). Flags override the config file (default: built-in defaults = examples/cascade/default.yaml).
 * Runs with the guardians and without them (share 0) on the same seed and population.
 * JSON: { minPrice, liquidatedNotional, badDebt (the run asked for: with guardians when share > 0),
 * withGuardians, withoutGuardians, difference (with - without), sweep? [{ share, minPrice, ... }], config }.
 * USD throughout; prices USD per coin. Bad options or config fields exit 2 naming the path and value.
 */
import { readFile } from 'node:fs/promises';
import Table from 'cli-table3';
import pc from 'picocolors';
import { parse as parseYaml } from 'yaml';
import { ValidationError, type FieldIssue } from '../../errors/index.ts';
import { parseNumber } from '../../io/csv.ts';
import { bookSpec, merge, parseConfig, populationSpec, type CascadeConfig } from '../../cascade/config.ts';
import { drawPopulation } from '../../cascade/population.ts';
import { compareGuardians, sweepGuardians, type Comparison, type RunInput, type SweepPoint } from '../../cascade/simulate.ts';
import { pct, price, usd } from '../format.ts';
import type { Io } from '../main.ts';

export interface SimulateCliOptions {
  readonly config?: string;
  readonly guardians?: string;
  readonly threshold?: string;
  readonly fraction?: string;
  readonly shockUsd?: string;
  readonly shockDrop?: string;
  readonly accounts?: string;
  readonly seed?: string;
  readonly rounds?: string;
  readonly sweep?: boolean;
  readonly json?: boolean;
}

/** CLI flags as a partial config document (numbers parsed; ranges checked by parseConfig). */
function overrides(o: SimulateCliOptions): Record<string, unknown> {
  const issues: FieldIssue[] = [];
  const n = (raw: string | undefined, flag: string): number | undefined => {
    if (raw === undefined) return undefined;
    const x = parseNumber(raw);
    if (x === undefined) issues.push({ path: flag, value: raw, message: 'must be a number' });
    return x;
  };
  const doc: Record<string, unknown> = {};
  const g = { share: n(o.guardians, '--guardians'), threshold: n(o.threshold, '--threshold'), fraction: n(o.fraction, '--fraction') };
  doc['guardians'] = Object.fromEntries(Object.entries(g).filter(([, v]) => v !== undefined));
  const su = n(o.shockUsd, '--shock-usd');
  const sd = n(o.shockDrop, '--shock-drop');
  if (su !== undefined || sd !== undefined) doc['shock'] = { ...(su === undefined ? {} : { sellUsd: su }), ...(sd === undefined ? {} : { drop: sd }) };
  const acc = n(o.accounts, '--accounts');
  if (acc !== undefined) doc['population'] = { accounts: acc };
  const seed = n(o.seed, '--seed');
  if (seed !== undefined) doc['seed'] = seed;
  const rounds = n(o.rounds, '--rounds');
  if (rounds !== undefined) doc['maxRounds'] = rounds;
  if (issues.length > 0) throw new ValidationError('options', issues);
  return doc;
}

export async function loadCascadeConfig(o: SimulateCliOptions): Promise<CascadeConfig> {
  let doc: unknown = {};
  if (o.config !== undefined) {
    let text: string;
    try {
      text = await readFile(o.config, 'utf8');
    } catch {
      throw new ValidationError('options', [{ path: '--config', value: o.config, message: 'cannot read the file' }]);
    }
    try {
      doc = parseYaml(text) as unknown;
    } catch (e) {
      throw new ValidationError(o.config, [{ path: '', value: o.config, message: `not YAML: ${(e as Error).message}` }]);
    }
  }
  const over = overrides(o);
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  // a --shock-* flag replaces the file's shock (sellUsd and drop are alternatives)
  const base = isObj(doc) && over['shock'] !== undefined ? { ...doc, shock: over['shock'] } : doc;
  return parseConfig(merge(base, over), o.config ?? 'options');
}

export interface SimulateDocument {
  readonly minPrice: number;
  readonly liquidatedNotional: number;
  readonly badDebt: number;
  readonly withGuardians: Comparison['withGuardians'];
  readonly withoutGuardians: Comparison['withoutGuardians'];
  readonly difference: Comparison['difference'];
  readonly sweep?: SweepPoint[];
  readonly config: CascadeConfig;
}

export function simulateCascade(c: CascadeConfig, sweep: boolean): SimulateDocument {
  const input: RunInput = { population: drawPopulation(populationSpec(c)), book: bookSpec(c), shock: c.shock, guardians: c.guardians, maxRounds: c.maxRounds };
  const cmp = compareGuardians(input);
  const asked = c.guardians.share > 0 ? cmp.withGuardians : cmp.withoutGuardians;
  return {
    minPrice: asked.minPrice,
    liquidatedNotional: asked.liquidatedNotional,
    badDebt: asked.badDebt,
    ...cmp,
    ...(sweep ? { sweep: sweepGuardians(input, c.sweep) } : {}),
    config: c,
  };
}

export async function runSimulate(sub: string, o: SimulateCliOptions, io: Io): Promise<number> {
  if (sub !== 'cascade') throw new ValidationError('options', [{ path: 'simulate', value: sub, message: 'unknown simulation; available: cascade' }]);
  const c = await loadCascadeConfig(o);
  const doc = simulateCascade(c, o.sweep === true);
  io.stdout(o.json ? `${JSON.stringify(doc, null, 2)}\n` : renderCascade(doc));
  return 0;
}

export function renderCascade(d: SimulateDocument): string {
  const c = d.config;
  const shock = c.shock.sellUsd !== undefined ? `market sell ${usd(c.shock.sellUsd)}` : `drop ${pct(c.shock.drop ?? 0)}`;
  const out = [pc.bold(`Ballast cascade  ${c.population.accounts} accounts, OI ${usd(c.population.openInterestUsd)}, ${c.asset} at ${price(c.startPrice)}, shock ${shock}, seed ${c.seed}`), ''];
  const t = new Table({ head: ['', `guardians ${pct(c.guardians.share, 0)} (threshold ${pct(c.guardians.threshold)})`, 'no guardians', 'difference'], style: { head: ['cyan'] } });
  const w = d.withGuardians;
  const wo = d.withoutGuardians;
  t.push(['min price', price(w.minPrice), price(wo.minPrice), price(d.difference.minPrice)]);
  t.push(['liquidated notional', usd(w.liquidatedNotional), usd(wo.liquidatedNotional), usd(d.difference.liquidatedNotional)]);
  t.push(['accounts liquidated', String(w.liquidatedAccounts), String(wo.liquidatedAccounts), String(d.difference.liquidatedAccounts)]);
  t.push(['bad debt', usd(w.badDebt), usd(wo.badDebt), usd(d.difference.badDebt)]);
  t.push(['guardian deleveraged', usd(w.guardianDeleveragedNotional), usd(wo.guardianDeleveragedNotional), '']);
  t.push(['rounds', String(w.rounds), String(wo.rounds), String(d.difference.rounds)]);
  out.push(t.toString());
  out.push(`price path with guardians: ${w.pricePath.map(price).join(' ')}`, `price path without:        ${wo.pricePath.map(price).join(' ')}`);
  if (d.sweep !== undefined) {
    const s = new Table({ head: ['guardian share', 'min price', 'liquidated', 'bad debt', 'guardian sold', 'rounds'], style: { head: ['cyan'] } });
    for (const p of d.sweep) s.push([pct(p.share, 0), price(p.minPrice), usd(p.liquidatedNotional), usd(p.badDebt), usd(p.guardianDeleveragedNotional), String(p.rounds)]);
    out.push('', s.toString());
  }
  out.push('USD; round 0 is the shock; liquidations and guardians trade into one bid book (src/cascade/)', '');
  return out.join('\n');
}
