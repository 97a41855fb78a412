import { describe, expect, it } from 'vitest';
import { black76, blackScholes } from '../../pricing/black.ts';
import { inverseOption } from '../../pricing/inverse.ts';
import type { Io } from '../main.ts';
import { main } from '../main.ts';
import type { PriceResult } from './price.ts';

function fakeIo(stdin: string): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => out.push(s), stderr: (s) => err.push(s), readStdin: () => Promise.resolve(stdin) };
}

async function run(input: unknown): Promise<{ code: number; out: string; err: string }> {
  const io = fakeIo(typeof input === 'string' ? input : JSON.stringify(input));
  const code = await main(['price'], io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('ballast price', () => {
  it('prices a batch in order, in desk units (vega per vol point, theta per day, vanna/volga per vol point)', async () => {
    const r = await run([
      { right: 'call', spot: 42, strike: 40, years: 0.5, vol: 0.2, rate: 0.1 },
      { right: 'put', forward: 3000, strike: 2500, expiry: '2025-01-31T00:00:00Z', asOf: '2025-01-01T00:00:00Z', vol: 0.75, rate: 0.03 },
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const [hull, fwd] = JSON.parse(r.out) as PriceResult[];
    const g = blackScholes('call', 42, 40, 0.5, 0.2, 0.1);
    expect(hull).toEqual({ price: g.price, delta: g.delta, gamma: g.gamma, vega: g.vega * 0.01, theta: g.theta / 365, vanna: g.vanna * 0.01, volga: g.volga * 1e-4 });
    expect(hull?.price).toBeCloseTo(4.759422392871536, 13); // Hull / QuantLib
    expect(hull?.vega).toBeCloseTo(0.08813415, 8); // per vol point
    expect(hull?.theta).toBeCloseTo(-4.559092 / 365, 8); // per day
    // forward only: Black-76 Greeks with respect to F, T = 30 days ACT/365 from expiry - asOf
    const b = black76('put', 3000, 2500, 30 / 365, 0.75, 0.03);
    expect(fwd?.price).toBeCloseTo(b.price, 12);
    expect(fwd?.delta).toBeCloseTo(b.delta, 14);
    expect(fwd?.theta).toBeCloseTo(b.theta / 365, 12);
    expect(fwd).not.toHaveProperty('iv');
  });

  it('implies the vol from a price and uses it for the Greeks', async () => {
    const price = blackScholes('put', 60000, 50000, 30 / 365, 0.7, 0.02).price;
    const r = await run([{ right: 'put', spot: 60000, strike: 50000, years: 30 / 365, price, rate: 0.02 }]);
    expect(r.code).toBe(0);
    const [res] = JSON.parse(r.out) as PriceResult[];
    expect(rel(res?.iv ?? NaN, 0.7)).toBeLessThan(1e-12);
    expect(rel(res?.vega ?? NaN, blackScholes('put', 60000, 50000, 30 / 365, 0.7, 0.02).vega * 0.01)).toBeLessThan(1e-10);
  });

  it('inverse options: coin price in and out, coin (net transaction) delta, USD gamma/vega/theta', async () => {
    // note section 2g, row 3: S = 3000, F = 3030, K = 3200, 14 days, vol 0.75 -> coin 0.03659875436, net delta 0.3500061727
    const r = await run([
      { right: 'call', spot: 3000, forward: 3030, strike: 3200, years: 14 / 365, vol: 0.75, settle: 'inverse' },
      { right: 'call', spot: 3000, forward: 3030, strike: 3200, years: 14 / 365, price: 0.03659875436, settle: 'inverse' },
    ]);
    expect(r.code).toBe(0);
    const [byVol, byPrice] = JSON.parse(r.out) as PriceResult[];
    expect(byVol?.price).toBeCloseTo(0.03659875436, 11);
    expect(byVol?.delta).toBeCloseTo(0.3500061727, 10);
    const inv = inverseOption('call', 3000, 3030, 3200, 14 / 365, 0.75);
    expect(byVol?.gamma).toBe(inv.gamma);
    expect(byVol?.vega).toBe(inv.vega * 0.01);
    expect(byVol?.theta).toBe(inv.theta / 365);
    expect(byPrice?.iv).toBeCloseTo(0.75, 9);
  });

  it('expired options value at intrinsic; an empty array prints []', async () => {
    const r = await run([{ right: 'put', spot: 50000, strike: 55000, expiry: '2024-01-01', asOf: '2024-02-01', vol: 0.5 }]);
    expect(JSON.parse(r.out)).toEqual([{ price: 5000, delta: -1, gamma: 0, vega: 0, theta: 0, vanna: 0, volga: 0 }]);
    expect((await run([])).out.trim()).toBe('[]');
  });

  it('reports every bad field with its path and value, prints nothing on stdout, exits 2', async () => {
    const r = await run([
      { right: 'cal', spot: -1, strike: 40, years: 0.5, vol: 0.2, price: 3, colour: 'red' },
      { right: 'call', strike: 'x', vol: 0.2 },
      { right: 'call', spot: 1, forward: 1, strike: 1, years: 1, expiry: '2025-13-01', vol: 0.2, settle: 'quanto', rate: 2 },
      7,
    ]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const lines = r.err.split('\n');
    const expectLine = (path: string, text: RegExp): void => {
      expect(lines.some((l) => l.includes(`- ${path}: `) && text.test(l)), `${path} ${String(text)}\n${r.err}`).toBe(true);
    };
    expectLine('[0].right', /must be one of: call, put \(got "cal"\)/);
    expectLine('[0].spot', /must be > 0 \(got -1\)/);
    expectLine('[0].colour', /unknown field \(got "red"\)/);
    expectLine('[0].price', /give vol or price, not both \(got 3\)/);
    expectLine('[1].strike', /expected number, got string \(got "x"\)/);
    expectLine('[1].spot', /give spot or forward/);
    expectLine('[1].years', /give years or expiry/);
    expectLine('[2].forward', /not both/);
    expectLine('[2].expiry', /ISO 8601/);
    expectLine('[2].expiry', /give years or expiry, not both/);
    expectLine('[2].settle', /must be one of: linear, inverse \(got "quanto"\)/);
    expectLine('[2].rate', /must be < 1 \(got 2\)/);
    expectLine('[3]', /expected an object \(got 7\)/);
    expect(r.err).toMatch(/^price input \(stdin\): 13 invalid fields/);
  });

  it('rejects prices outside the no-arbitrage bounds with the bound in the message', async () => {
    const r = await run([
      { right: 'call', spot: 100, strike: 80, years: 1, price: 19 },
      { right: 'call', spot: 100, strike: 100, years: 1, price: 150 },
      { right: 'call', spot: 100, strike: 100, expiry: '2024-01-01', asOf: '2024-06-01', price: 1 },
    ]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('[0].price: price 19 is at or below the intrinsic value 20');
    expect(r.err).toContain('[1].price: price 150 is at or above the no-arbitrage upper bound 100');
    expect(r.err).toContain('[2].expiry: option is expired');
  });

  it('rejects input that is not JSON or not an array', async () => {
    const a = await run('{oops');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/not valid JSON/);
    const b = await run({ right: 'call' });
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/expected a JSON array of options/);
  });
});
