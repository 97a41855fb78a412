import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../testing/cli.ts';

const run = runCli;

const tmp = (name: string, text: string): string => {
  const f = join(mkdtempSync(join(tmpdir(), 'ballast-plan-')), name);
  writeFileSync(f, text);
  return f;
};

interface PlanJson {
  state: string;
  feasible: boolean;
  reasons: { policy: string; code: string; message: string }[];
  orders: { account: string; asset: string; kind: string; side: string; qty: number; reason: string; expectedCost: number; to?: string }[];
  before: { accounts: { id: string; healthFactor: number | null; equity: number; grossExposure: number }[] };
  after: { accounts: { id: string; healthFactor: number | null; equity: number; grossExposure: number }[] };
}

describe('ballast plan', () => {
  it('on the bundled example and default policies: REDUCING for the Aave account, a plan that restores its health', async () => {
    const { code, out } = await run(['plan', '--json']);
    expect(code).toBe(0);
    const plan = JSON.parse(out) as PlanJson;
    expect(plan.state).toBe('REDUCING');
    expect(plan.reasons.some((r) => r.policy === 'health-guard' && r.code === 'HEALTH_BELOW_TARGET')).toBe(true);
    expect(plan.feasible).toBe(true);
    expect(plan.orders.length).toBeGreaterThan(0);
    for (const o of plan.orders) {
      for (const k of ['account', 'asset', 'kind', 'side', 'qty', 'reason', 'expectedCost'] as const) expect(o).toHaveProperty(k);
      expect(o.qty).toBeGreaterThan(0);
      expect(o.expectedCost).toBeGreaterThanOrEqual(0);
    }
    const aaveAfter = plan.after.accounts.find((a) => a.id === 'aave')!;
    const aaveBefore = plan.before.accounts.find((a) => a.id === 'aave')!;
    expect(aaveBefore.healthFactor!).toBeLessThan(1.8);
    expect(aaveAfter.healthFactor!).toBeGreaterThanOrEqual(1.8);
    expect(plan.before.accounts.map((a) => a.id)).toEqual(['binance-cross', 'binance-iso', 'deribit', 'aave']);
  });

  it('a drawdown past the last band halts with a target of zero gross', async () => {
    const pf = tmp(
      'book.yaml',
      `asOf: 2024-03-01T00:00:00Z
market: { prices: { BTC: 62000, USDT: 1 }, vols: { BTC: 0.55 }, rate: 0 }
history: { highWaterMark: 100000 }
accounts:
  - id: a
    venue: binance-usdm
    mode: cross
    collateral: { USDT: 20000 }
    positions:
      - { kind: perp, asset: BTC, qty: 1, entry: 60000 }
`,
    );
    const pol = tmp('p.yaml', `policies:\n  - { type: drawdown-breaker, bands: [{ drawdown: 0.1, reduceTo: 0.5 }, { drawdown: 0.2, reduceTo: 0 }] }\n`);
    const { code, out, err } = await run(['plan', pf, '--policies', pol, '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const plan = JSON.parse(out) as PlanJson;
    // equity 22 000 against a high-water mark of 100 000: a 78 % drawdown, past the 20 % band
    expect(['REDUCING', 'HALTED']).toContain(plan.state);
    expect(plan.reasons.some((r) => r.policy === 'drawdown-breaker')).toBe(true);
    expect(plan.after.accounts[0]!.grossExposure).toBeLessThan(plan.before.accounts[0]!.grossExposure);
  });

  it('a bad policy file exits 2 and names every bad field, the planner section included', async () => {
    const pol = tmp(
      'bad.yaml',
      `policies:
  - { type: drawdown-breaker, bands: [{ drawdown: 1.5, reduceTo: 0.5 }] }
  - { type: health-gard, target: 1.5 }
planner: { maxImpact: -1 }
`,
    );
    const { code, out, err } = await run(['plan', '--policies', pol]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('policies[0].bands[0].drawdown');
    expect(err).toContain('1.5');
    expect(err).toContain('policies[1].type');
    expect(err).toContain('health-guard');
    expect(err).toContain('planner.maxImpact');
  });
});
