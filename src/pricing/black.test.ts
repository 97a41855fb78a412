import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { black76, blackScholes, newGreeks } from './black.ts';
import type { Greeks, Right } from './black.ts';

interface QlGreeks {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
  rho: number;
  elasticity: number;
  vannaFD: number;
  volgaFD: number;
}
type Exact = Omit<Greeks, never>;
interface BsmRow {
  right: Right;
  spot: number;
  strike: number;
  q: number;
  rate: number;
  years: number;
  vol: number;
  published: number;
  tol: number;
  ql: QlGreeks;
  exact?: Exact;
  source?: string;
}
interface Fixture {
  haug: BsmRow[];
  published: BsmRow[];
  haugGreeks: (Omit<BsmRow, 'ql'> & { greek: 'delta' | 'gamma' | 'vega' | 'theta' | 'rho' | 'elasticity'; ql: number })[];
  tail: {
    rows: { right: Right; spot: number; strike: number; rate: number; years: number; vol: number; exact: Exact; ql: number }[];
    published: ({ right: Right; spot: number; price: number; tol?: number } & Partial<Record<'delta' | 'gamma' | 'theta' | 'vega', number>>)[];
  };
  black76: {
    right?: Right;
    forward?: number;
    strike?: number;
    years?: number;
    rate?: number;
    vol?: number;
    normalisedBlack?: boolean;
    published: { price?: number; delta?: number; gamma?: number; thetaPerDay?: number };
    ql?: { price: number; delta: number; gamma: number; vega: number; thetaFD: number };
  }[];
  vannaVolga: { right: Right; spot: number; strike: number; rate: number; years: number; vol: number; vega: number; vanna: number; volga: number; vannaQlFD: number; volgaQlFD: number }[];
}
const fx = JSON.parse(readFileSync(new URL('../../test/fixtures/pricing.json', import.meta.url), 'utf8')) as Fixture;
const rel = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));
const KEYS = ['price', 'delta', 'gamma', 'vega', 'theta', 'vanna', 'volga'] as const;
/** Half a unit in the last digit of a value as printed (its shortest decimal form): 0.87524688 -> 5e-9. */
const halfLastDigit = (v: number): number => {
  const [mantissa = '', exponent = '0'] = String(v).split('e');
  const decimals = mantissa.split('.')[1]?.length ?? 0;
  return 0.5 * 10 ** (Number(exponent) - decimals);
};

/**
 * Black-Scholes-Merton with a carry q through black76 on F = S e^{(r-q)T} (our model has no dividend; Haug's rows do):
 * dF/dS = e^{(r-q)T}; holding S fixed moves F at -(r-q)F per year, so theta_S = theta_F - (r-q) F delta_F.
 */
function bsm(right: Right, S: number, K: number, q: number, r: number, T: number, vol: number): Greeks {
  const carry = Math.exp((r - q) * T);
  const F = S * carry;
  const g = black76(right, F, K, T, vol, r);
  return {
    price: g.price,
    delta: g.delta * carry,
    gamma: g.gamma * carry * carry,
    vega: g.vega,
    theta: g.theta - (r - q) * F * g.delta,
    vanna: g.vanna * carry,
    volga: g.volga,
  };
}

describe('Black-Scholes-Merton vs Haug (QuantLib europeanoption testValues) and QuantLib 1.29', () => {
  it('has the 43 rows of the QuantLib table', () => expect(fx.haug.length).toBe(43));

  it('prices within the published 1e-4 and within 1e-10 relative of QuantLib; Greeks within 1e-10 of QuantLib', () => {
    for (const r of fx.haug) {
      const g = bsm(r.right, r.spot, r.strike, r.q, r.rate, r.years, r.vol);
      const tag = `${r.right} S=${r.spot} K=${r.strike} T=${r.years} vol=${r.vol}`;
      expect(Math.abs(g.price - r.published), tag).toBeLessThanOrEqual(r.tol);
      expect(rel(g.price, r.ql.price), tag).toBeLessThan(1e-10);
      for (const k of ['delta', 'gamma', 'vega', 'theta'] as const) expect(rel(g[k], r.ql[k]), `${k} ${tag}`).toBeLessThan(1e-10);
      // QuantLib has no vanna/volga: central differences of its vega (step 1e-4), accurate to ~1e-6
      expect(rel(g.vanna, r.ql.vannaFD), `vanna ${tag}`).toBeLessThan(1e-5);
      expect(rel(g.volga, r.ql.volgaFD), `volga ${tag}`).toBeLessThan(1e-5);
      if (r.q === 0) {
        const s = blackScholes(r.right, r.spot, r.strike, r.years, r.vol, r.rate);
        for (const k of KEYS) expect(rel(s[k], g[k]), `spot vs forward view ${k} ${tag}`).toBeLessThan(1e-13);
      }
    }
  });

  it('Haug greek values (testGreekValues): published to 1e-4, QuantLib to 1e-10 (rho by finite difference to 1e-7)', () => {
    for (const r of fx.haugGreeks) {
      const g = bsm(r.right, r.spot, r.strike, r.q, r.rate, r.years, r.vol);
      let v: number;
      if (r.greek === 'rho') {
        // dV/dr with S and q fixed (F moves with r); central difference, step 1e-6
        const h = 1e-6;
        v = (bsm(r.right, r.spot, r.strike, r.q, r.rate + h, r.years, r.vol).price - bsm(r.right, r.spot, r.strike, r.q, r.rate - h, r.years, r.vol).price) / (2 * h);
      } else if (r.greek === 'elasticity') v = (g.delta * r.spot) / g.price;
      else v = g[r.greek];
      expect(Math.abs(v - r.published), r.greek).toBeLessThanOrEqual(r.tol);
      expect(rel(v, r.ql), r.greek).toBeLessThan(r.greek === 'rho' ? 1e-7 : 1e-10);
    }
  });

  it('other published rows (Hull, py_vollib, @uqee) to their digits, QuantLib to 1e-10, exact (mpmath) Greeks to 1e-13', () => {
    for (const r of fx.published) {
      const g = blackScholes(r.right, r.spot, r.strike, r.years, r.vol, r.rate);
      expect(Math.abs(g.price - r.published), r.source).toBeLessThanOrEqual(r.tol);
      expect(rel(g.price, r.ql.price), r.source).toBeLessThan(1e-10);
      for (const k of KEYS) expect(rel(g[k], r.exact?.[k] ?? NaN), `${k} ${r.source}`).toBeLessThan(1e-13);
    }
  });
});

describe('deep in/out of the money (py_vollib grid K=1000, S=100..1600) vs mpmath', () => {
  it('price and all Greeks keep relative accuracy down to 1e-129, within 2e-15 + d1^2 * 5e-16 (conditioning)', () => {
    // The only error left is the rounding of the inputs to d1 (ln(S/K) and the division), which moves
    // exp(-d1^2/2) by ~d1^2 * 1e-16 relatively; everything downstream adds a few ulps. The price may in addition
    // carry the cancellation of S N(d1) - K df N(d2), which the kernel accepts only up to a ratio of 40
    // (CANCELLATION_LIMIT in black-kernel.ts): at most 40 * 2 ulps = 2e-14 more.
    for (const r of fx.tail.rows) {
      const g = blackScholes(r.right, r.spot, r.strike, r.years, r.vol, r.rate);
      const s = r.vol * Math.sqrt(r.years);
      const d1 = (Math.log(r.spot / r.strike) + r.rate * r.years) / s + s / 2;
      const tol = 2e-15 + 5e-16 * d1 * d1; // a few ulps of arithmetic + the conditioning of exp(-d1^2/2)
      for (const k of KEYS) {
        if (Math.abs(r.exact[k]) < 1e-300) continue;
        // theta of a put is -S phi sigma/(2 sqrt T) + r K df N(-d2): two terms of opposite sign, so its error is
        // relative to the terms (decay), not to their difference
        // vanna = -phi d2/sigma and volga = vega d1 d2/sigma: d2 = d1 - s cancels near d2 = 0, so their error is
        // relative to phi (|d1| + s)/sigma and vega (|d1| + s)^2/sigma
        const decay = (g.vega * r.vol) / (2 * r.years);
        const spread = Math.abs(d1) + s;
        const scale = {
          theta: Math.max(Math.abs(r.exact.theta), decay + Math.abs(g.theta + decay)),
          vanna: Math.max(Math.abs(r.exact.vanna), ((g.vega / (r.spot * Math.sqrt(r.years))) * spread) / r.vol),
          volga: Math.max(Math.abs(r.exact.volga), (g.vega * spread * spread) / r.vol),
        }[k as 'theta' | 'vanna' | 'volga'] ?? Math.abs(r.exact[k]);
        const err = Math.abs(g[k] - r.exact[k]) / scale;
        expect(err, `${k} ${r.right} S=${r.spot} T=${r.years}`).toBeLessThan(k === 'price' ? tol + 2e-14 : tol);
      }
    }
  });

  it('matches QuantLib where QuantLib is itself accurate; deep out of the money QuantLib loses digits and we do not', () => {
    let qlWorst = 0;
    for (const r of fx.tail.rows) {
      const g = blackScholes(r.right, r.spot, r.strike, r.years, r.vol, r.rate);
      const qlErr = rel(r.ql, r.exact.price);
      qlWorst = Math.max(qlWorst, qlErr);
      if (qlErr < 1e-11) expect(rel(g.price, r.ql)).toBeLessThan(1e-10);
      expect(rel(g.price, r.exact.price)).toBeLessThanOrEqual(Math.max(qlErr, 1e-12));
    }
    expect(qlWorst).toBeGreaterThan(1e-7); // documents why mpmath, not QuantLib, is the tail reference
  });

  it('published py_vollib test_data digits, including S=100 call = 2.06648e-26', () => {
    for (const p of fx.tail.published) {
      const g = blackScholes(p.right, p.spot, 1000, 0.5, 0.3, 0.05);
      expect(Math.abs(g.price - p.price), `price S=${p.spot}`).toBeLessThanOrEqual(p.tol ?? halfLastDigit(p.price));
      for (const k of ['delta', 'gamma', 'theta', 'vega'] as const) {
        const v = p[k];
        if (v !== undefined) expect(Math.abs(g[k] - v), `${k} S=${p.spot}`).toBeLessThanOrEqual(halfLastDigit(v));
      }
    }
  });
});

describe('Black-76', () => {
  it('matches QuantLib blackFormula / BlackCalculator (1e-12) and the py_vollib doctests', () => {
    for (const r of fx.black76) {
      if (r.normalisedBlack || !r.ql || !r.right) continue;
      const g = black76(r.right, r.forward ?? NaN, r.strike ?? NaN, r.years ?? NaN, r.vol ?? NaN, r.rate ?? NaN);
      expect(rel(g.price, r.ql.price)).toBeLessThan(1e-10);
      expect(rel(g.delta, r.ql.delta)).toBeLessThan(1e-12);
      expect(rel(g.gamma, r.ql.gamma)).toBeLessThan(1e-12);
      expect(rel(g.vega, r.ql.vega)).toBeLessThan(1e-12);
      expect(rel(g.theta, r.ql.thetaFD)).toBeLessThan(1e-6); // QuantLib value is a central difference in T
      const pub = r.published;
      if (pub.price !== undefined) expect(g.price).toBeCloseTo(pub.price, 13);
      if (pub.delta !== undefined) expect(g.delta).toBeCloseTo(pub.delta, 13);
      if (pub.gamma !== undefined) expect(g.gamma).toBeCloseTo(pub.gamma, 12);
      if (pub.thetaPerDay !== undefined) expect(g.theta / 365).toBeCloseTo(pub.thetaPerDay, 13);
    }
  });
});

describe('vanna and volga (note section 2f)', () => {
  it('equal the mpmath closed forms (1e-13) and QuantLib finite differences of vega (1e-6)', () => {
    for (const r of fx.vannaVolga) {
      const g = blackScholes(r.right, r.spot, r.strike, r.years, r.vol, r.rate);
      expect(rel(g.vega, r.vega)).toBeLessThan(1e-13);
      expect(rel(g.vanna, r.vanna)).toBeLessThan(1e-13);
      expect(rel(g.volga, r.volga)).toBeLessThan(1e-13);
      expect(rel(g.vanna, r.vannaQlFD)).toBeLessThan(1e-6);
      expect(rel(g.volga, r.volgaQlFD)).toBeLessThan(1e-6);
    }
  });
});

// Property tests over a broad but non-degenerate domain: |d1|, |d2| <= 5, so every Greek is well above rounding
// noise and a finite difference over a bump of 1e-4 in d stays in its quadratic regime.
const right = fc.constantFrom<Right>('call', 'put');
const spot = fc.double({ min: 10, max: 1e5, noNaN: true });
const moneyness = fc.double({ min: 0.6, max: 1.6, noNaN: true }); // K / S
const years = fc.double({ min: 0.02, max: 2, noNaN: true });
const vol = fc.double({ min: 0.1, max: 1.5, noNaN: true });
const rate = fc.double({ min: -0.02, max: 0.1, noNaN: true });

const moderate = (S: number, K: number, T: number, v: number, r: number): boolean => {
  const s = v * Math.sqrt(T);
  const d1 = (Math.log(S / K) + r * T) / s + s / 2;
  return Math.abs(d1) <= 5 && Math.abs(d1 - s) <= 5;
};

describe('Black-Scholes properties', () => {
  it('put-call parity: C - P = S - K e^{-rT}', () => {
    fc.assert(
      fc.property(spot, moneyness, fc.double({ min: 1 / 8760, max: 3, noNaN: true }), fc.double({ min: 0.01, max: 3, noNaN: true }), rate, (S, m, T, v, r) => {
        const K = S * m;
        const c = blackScholes('call', S, K, T, v, r).price;
        const p = blackScholes('put', S, K, T, v, r).price;
        expect(Math.abs(c - p - (S - K * Math.exp(-r * T)))).toBeLessThan(1e-13 * (S + K));
      }),
    );
  });

  it('no-arbitrage bounds and monotonicity in vol', () => {
    fc.assert(
      fc.property(right, spot, fc.double({ min: 0.2, max: 5, noNaN: true }), fc.double({ min: 1 / 8760, max: 3, noNaN: true }), fc.double({ min: 0.01, max: 3, noNaN: true }), rate, (w, S, m, T, v, r) => {
        const K = S * m;
        const df = Math.exp(-r * T);
        const lo = blackScholes(w, S, K, T, v, r).price;
        const hi = blackScholes(w, S, K, T, v * 1.05, r).price;
        const intrinsic = Math.max(w === 'call' ? S - K * df : K * df - S, 0);
        // intrinsic S - K df is itself a difference of terms of size S and K: rounding scales with them
        expect(lo).toBeGreaterThanOrEqual(intrinsic - 1e-15 * (S + K));
        expect(lo).toBeLessThanOrEqual(w === 'call' ? S : K * df);
        expect(hi).toBeGreaterThanOrEqual(lo * (1 - 4e-16)); // monotone up to rounding (vega ~ 0 deep in the money)
        expect(blackScholes(w, S, K, T, v, r).vega).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('Greeks equal central finite differences: delta, gamma, vega, theta, vanna, volga', () => {
    // Central differences with relative steps h: truncation O(h^2), rounding O(eps/h); tolerance 2e-6 of the
    // Greek plus 2e-6 of its natural scale (value / bump size), which covers both for these steps.
    fc.assert(
      fc.property(right, spot, moneyness, years, vol, rate, (w, S, m, T, v, r) => {
        const K = S * m;
        fc.pre(moderate(S, K, T, v, r));
        const at = (s: number, t: number, sig: number): Greeks => blackScholes(w, s, K, t, sig, r, newGreeks());
        const g = at(S, T, v);
        const hS = 1e-4 * S * v * Math.sqrt(T); // moves d1 by 1e-4
        const hV = 1e-4 * v;
        const hT = 1e-5 * T;
        const up = at(S + hS, T, v);
        const dn = at(S - hS, T, v);
        const vUp = at(S, T, v + hV);
        const vDn = at(S, T, v - hV);
        const close = (fd: number, analytic: number, scale: number, what: string): void => {
          expect(Math.abs(fd - analytic), `${what} fd=${fd} analytic=${analytic}`).toBeLessThan(2e-6 * (Math.abs(analytic) + scale));
        };
        close((up.price - dn.price) / (2 * hS), g.delta, g.price / S, 'delta');
        close((up.delta - dn.delta) / (2 * hS), g.gamma, Math.abs(g.delta) / S, 'gamma (from delta)');
        // second difference of prices: each price carries up to ~2e-14 relative rounding, amplified by 4/hS^2
        const rounding = (8e-14 * g.price) / (hS * hS);
        expect(Math.abs((up.price - 2 * g.price + dn.price) / (hS * hS) - g.gamma), 'gamma (from price)').toBeLessThan(2e-6 * g.gamma + rounding);
        close((vUp.price - vDn.price) / (2 * hV), g.vega, g.price, 'vega');
        close(-(at(S, T + hT, v).price - at(S, T - hT, v).price) / (2 * hT), g.theta, g.price / T, 'theta');
        close((vUp.delta - vDn.delta) / (2 * hV), g.vanna, Math.abs(g.delta), 'vanna (from delta)');
        close((up.vega - dn.vega) / (2 * hS), g.vanna, g.vega / S, 'vanna (from vega)');
        close((vUp.vega - vDn.vega) / (2 * hV), g.volga, g.vega, 'volga');
      }),
      { numRuns: 300 },
    );
  });

  it('black76 Greeks are the forward-view derivatives (finite differences in F)', () => {
    fc.assert(
      fc.property(right, spot, moneyness, years, vol, rate, (w, F, m, T, v, r) => {
        const K = F * m;
        fc.pre(moderate(F * Math.exp(-r * T), K, T, v, r));
        const g = black76(w, F, K, T, v, r);
        const h = 1e-4 * F * v * Math.sqrt(T);
        const up = black76(w, F + h, K, T, v, r);
        const dn = black76(w, F - h, K, T, v, r);
        const hT = 1e-5 * T;
        expect(Math.abs((up.price - dn.price) / (2 * h) - g.delta)).toBeLessThan(2e-6 * (Math.abs(g.delta) + g.price / F));
        expect(Math.abs((up.delta - dn.delta) / (2 * h) - g.gamma)).toBeLessThan(2e-6 * (g.gamma + Math.abs(g.delta) / F));
        const thetaFd = -(black76(w, F, K, T + hT, v, r).price - black76(w, F, K, T - hT, v, r).price) / (2 * hT);
        expect(Math.abs(thetaFd - g.theta)).toBeLessThan(2e-6 * (Math.abs(g.theta) + g.price / T));
      }),
      { numRuns: 200 },
    );
  });
});

describe('edge cases', () => {
  it('expired options (T <= 0) are worth their intrinsic value on the spot, undiscounted', () => {
    const g = blackScholes('call', 110, 100, 0, 0.5, 0.05);
    expect(g).toEqual({ price: 10, delta: 1, gamma: 0, vega: 0, theta: 0, vanna: 0, volga: 0 });
    expect(blackScholes('put', 110, 100, -0.1, 0.5, 0.05).price).toBe(0);
    expect(blackScholes('put', 90, 100, -0.1, NaN, 0.05).price).toBe(10); // vol irrelevant once expired
    expect(blackScholes('call', 100, 100, 0, 0.5, 0).delta).toBe(0); // at the money: 0
  });

  it('zero vol before expiry: discounted intrinsic on the forward, theta of the bond-like payoff', () => {
    const r = 0.05;
    const T = 0.5;
    const g = blackScholes('call', 110, 100, T, 0, r);
    expect(g.price).toBeCloseTo(110 - 100 * Math.exp(-r * T), 14);
    expect(g.delta).toBe(1);
    expect(g.theta).toBeCloseTo(-r * 100 * Math.exp(-r * T), 14);
    expect(blackScholes('put', 110, 100, T, 0, r).price).toBe(0);
  });

  it('NaN or negative vol, NaN time: NaN everywhere (never a silent intrinsic)', () => {
    for (const g of [blackScholes('call', 100, 100, 0.5, NaN, 0), blackScholes('call', 100, 100, 0.5, -0.2, 0), blackScholes('put', 100, 100, NaN, 0.2, 0)]) {
      for (const k of KEYS) expect(g[k]).toBeNaN();
    }
  });

  it('hours from expiry: an at-the-money option with 1 minute left matches the small-time expansion', () => {
    const T = 1 / (365 * 24 * 60);
    const S = 60000;
    const v = 0.5;
    const s = v * Math.sqrt(T);
    const g = blackScholes('call', S, S, T, v, 0);
    // ATM, r = 0: C = S (2 Phi(s/2) - 1) = S s / sqrt(2 pi) (1 - s^2/24 + ...)
    expect(rel(g.price, (S * s * (1 - (s * s) / 24)) / Math.sqrt(2 * Math.PI))).toBeLessThan(1e-12);
    // delta = Phi(z), z = s/2: 1/2 + (z - z^3/6 + z^5/40)/sqrt(2 pi)
    const z = s / 2;
    expect(Math.abs(g.delta - (0.5 + (z - z ** 3 / 6 + z ** 5 / 40) / Math.sqrt(2 * Math.PI)))).toBeLessThan(1e-15);
  });

  it('writes into the given object without allocating a new one', () => {
    const out = newGreeks();
    expect(blackScholes('call', 100, 100, 1, 0.2, 0, out)).toBe(out);
    expect(black76('put', 100, 100, 1, 0.2, 0, out)).toBe(out);
  });
});
