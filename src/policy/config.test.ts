import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/index.ts';
import { composePolicies } from './compose.ts';
import { parsePolicies, policyTypes } from './config.ts';
import { at, codes, contextOf, run } from './testkit.ts';

const dir = new URL('../../examples/policies/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const load = (f: string) => parsePolicies(readFileSync(new URL(f, dir), 'utf8'), f);

/** The issues of a document that must not validate, as "path: message (value)". */
const issues = (text: string): string[] => {
  try {
    parsePolicies(text, 'test.yaml');
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return e.issues.map((i) => `${i.path}: ${i.message} (${JSON.stringify(i.value)})`);
  }
  throw new Error('validated');
};

describe('examples/policies', () => {
  it('has the four examples', () => expect(files).toEqual(['cppi.yaml', 'default.yaml', 'delta-hedge.yaml', 'vol-target.yaml']));

  it.each([
    ['default.yaml', ['health-guard', 'drawdown-breaker', 'liquidation-buffer', 'exposure-caps']],
    ['cppi.yaml', ['tipp', 'health-guard', 'stop-loss']],
    ['vol-target.yaml', ['vol-target', 'vol-cap', 'funding-guard']],
    ['delta-hedge.yaml', ['delta-hedge', 'greeks-limits', 'protective-put']],
  ])('%s parses to %j', (f, types) => {
    const set = load(f);
    expect(set.policies.map((p) => p.type)).toEqual(types);
    expect(set.maxDataAgeMs).toBe(300000);
  });

  it('default.yaml carries the pre-trade settings', () => {
    expect(load('default.yaml').preTrade).toEqual({ maxOrderNotionalUsd: 250000, priceBand: 0.05, protectiveExits: ['close', 'buy-option', 'transfer', 'repay'], maxDataAgeMs: 300000 });
  });

  it.each(files)('%s composes and votes on the multi-venue example', (f) => {
    const ctx = contextOf(readFileSync(new URL('../../examples/multi-venue.yaml', import.meta.url), 'utf8'), {
      forecastVol: { BTC: 0.55, ETH: 0.65 },
      impliedVolIndex: { BTC: 0.55 },
      funding: { BTC: 0.0001, ETH: 0.0001 },
    });
    const v = run(composePolicies(load(f).policies), [ctx]).votes[0]!;
    expect(['ACTIVE', 'REDUCING', 'HALTED']).toContain(v.state);
    expect(codes(v)).not.toContain('MISSING_INPUT');
    expect(codes(v)).not.toContain('POLICY_ERROR');
  });

  it('default.yaml without a vol forecast fails safe (the 3-sigma buffer needs one)', () => {
    const ctx = contextOf(readFileSync(new URL('../../examples/multi-venue.yaml', import.meta.url), 'utf8'));
    const v = run(composePolicies(load('default.yaml').policies), [ctx]).votes[0]!;
    expect(v.state).toBe('REDUCING');
    expect(codes(v)).toContain('MISSING_INPUT');
  });
});

describe('parsePolicies errors: one issue per bad field, with path and value', () => {
  it('the example from the issue validates, as YAML and as JSON', () => {
    const yaml = 'policies: [{ type: health-guard, target: 1.5 }, { type: drawdown-breaker, bands: [{ drawdown: 0.1, reduceTo: 0.5 }, { drawdown: 0.2, reduceTo: 0 }] }]';
    expect(parsePolicies(yaml, 'x').policies.map((p) => p.name)).toEqual(['health-guard', 'drawdown-breaker']);
    const json = JSON.stringify({ policies: [{ type: 'health-guard', target: 1.5 }] });
    expect(parsePolicies(json, 'x.json').policies).toHaveLength(1);
  });

  it('every bad field at once, across policies', () => {
    expect(
      issues(`
policies:
  - { type: health-guard, target: 0.9 }
  - type: drawdown-breaker
    bands:
      - { drawdown: 1.5, reduceTo: 0.5 }
      - { drawdown: 0.2, reduceTo: 2 }
    cooldown: 5
  - { type: drawdown-breakr, bands: [] }
  - { type: stop-loss }
  - 42
`),
    ).toEqual([
      'policies[0].target: must be > 1 (0.9)',
      'policies[1].cooldown: unknown field "cooldown" (did you mean cooldownMs?); allowed: type, name, maxDataAgeMs, bands, reference, startEquity, hysteresis, cooldownMs, resume, haltAtZero, rebaseOnReset (5)',
      'policies[1].bands[0].drawdown: must be < 1 (1.5)',
      'policies[1].bands[1].reduceTo: must be <= 1 (2)',
      `policies[2].type: unknown policy type (did you mean drawdown-breaker?); known types: ${policyTypes().join(', ')} ("drawdown-breakr")`,
      'policies[3].lossFraction: required field is missing (a finite number) (undefined)',
      'policies[4]: expected a policy mapping such as { type: health-guard, target: 1.5 } (42)',
    ]);
  });

  it('bands: increasing drawdown, reduceTo not increasing (checked after sorting)', () => {
    expect(issues('policies: [{ type: drawdown-breaker, bands: [{ drawdown: 0.2, reduceTo: 0.6 }, { drawdown: 0.1, reduceTo: 0.5 }] }]')).toEqual([
      'policies[0].bands[0].reduceTo: must be <= 0.5, the reduceTo of the milder band bands[1] (drawdown 0.1): a deeper drawdown cannot allow more exposure (0.6)',
    ]);
  });

  it('missing type, missing policies, unknown top-level key, bad preTrade', () => {
    expect(issues('policies: [{ target: 1.5 }]')).toEqual([`policies[0].type: required field is missing; known types: ${policyTypes().join(', ')} (undefined)`]);
    expect(issues('maxDataAgeMs: 0')).toEqual(['policies: required field is missing (a list) (undefined)', 'maxDataAgeMs: must be > 0 (0)']);
    expect(issues('policies: [{ type: stop-loss, lossFraction: 0.1 }]\npretrade: {}')[0]).toMatch(/^pretrade: unknown field "pretrade" \(did you mean preTrade\?\)/);
    expect(issues('policies: [{ type: stop-loss, lossFraction: 0.1 }]\npreTrade: { priceBand: 2, protectiveExits: [close, panic] }')).toEqual([
      'preTrade.priceBand: must be < 1 (2)',
      'preTrade.protectiveExits[1]: must be one of: reduce, close, hedge, buy-option, transfer, repay, open ("panic")',
    ]);
  });

  it('duplicate names: give one a name', () => {
    expect(issues('policies: [{ type: stop-loss, lossFraction: 0.1 }, { type: stop-loss, lossFraction: 0.2 }]')).toEqual([
      'policies[1].name: duplicate policy name "stop-loss" (policies[0] has it too): give this one a distinct name (undefined)',
    ]);
    const set = parsePolicies('policies: [{ type: stop-loss, lossFraction: 0.1 }, { type: stop-loss, name: hard-stop, lossFraction: 0.2 }]', 'x');
    expect(set.policies.map((p) => p.name)).toEqual(['stop-loss', 'hard-stop']);
  });

  it('syntax errors are ValidationErrors with a line', () => {
    expect(() => parsePolicies('policies: [{ type: stop-loss', 'x.yaml')).toThrow(ValidationError);
  });
});

describe('maxDataAgeMs: top-level default, per-policy override', () => {
  const book = (age: number) => at({ prices: { BTC: 100 } }, 0, { dataAgeMs: age });
  it.each([
    ['policies: [{ type: exposure-caps, maxGrossUsd: 1e9 }]', 300000, 'ACTIVE'],
    ['policies: [{ type: exposure-caps, maxGrossUsd: 1e9 }]', 300001, 'REDUCING'],
    ['maxDataAgeMs: 1000\npolicies: [{ type: exposure-caps, maxGrossUsd: 1e9 }]', 1001, 'REDUCING'],
    ['maxDataAgeMs: 1000\npolicies: [{ type: exposure-caps, maxGrossUsd: 1e9, maxDataAgeMs: 5000 }]', 5000, 'ACTIVE'],
  ] as const)('%s at age %d -> %s', (text, age, state) => {
    const set = parsePolicies(text, 'x');
    expect(run(composePolicies(set.policies), [book(age)]).votes[0]!.state).toBe(state);
  });
});
