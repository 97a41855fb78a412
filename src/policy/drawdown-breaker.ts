/**
 * drawdown-breaker: bands of drawdown on mark-to-market portfolio equity, each cutting gross exposure.
 *
 * - Drawdown = (reference - equity) / reference, floored at 0. Reference: `trailing` high-water mark (seeded by
 *   portfolio.history.highWaterMark, then carried in state) or `fixed` start (startEquity, else the first equity).
 * - Band k (sorted by drawdown, 1-based) trips when drawdown >= bands[k].drawdown ("at" trips). Stepping up is
 *   immediate, to the deepest band reached.
 * - Stepping down from band k needs all of: not latched; drawdown < bands[k].drawdown - hysteresis (strictly: at
 *   the exit level the band holds); now - since >= cooldownMs (at exactly cooldownMs it may step). Each step
 *   restarts the cooldown, so with a cooldown the breaker steps down one band per cooldown; with 0 it goes
 *   straight to the level the hysteresis allows.
 * - resume: `manual` latches on every step up; only reset() clears the latch (and the cooldown), after which the
 *   breaker steps down by the rules above until the next trip. `auto` never latches.
 * - Vote in band k: REDUCING with target-gross = reduceTo_k x the gross exposure when the breaker first tripped
 *   (kept in state: re-applying reduceTo to the already reduced gross would ratchet exposure down forever; on the
 *   evaluation that trips it this equals reduceTo x current gross). HALTED instead when reduceTo is 0 and
 *   haltAtZero is set. Codes DRAWDOWN_BAND_<k>.
 * - Stale data or no usable equity: REDUCING (STALE_MARKET_DATA / MISSING_INPUT) plus the band already held, state
 *   unchanged: a fail-safe never relaxes a tripped breaker.
 */
import { z } from 'zod';
import { strict } from '../model/schema.ts';
import {
  checkBandOrder,
  definePolicy,
  drawdownOf,
  durationMs,
  fmtPct,
  fmtUsd,
  grossExposureUsd,
  missingInput,
  nextReference,
  openFraction,
  positiveNumber,
  pushIssue,
  lazyReason,
  referenceModes,
  staleVote,
  unitInterval,
  vote,
  ACTIVE,
} from './common.ts';
import type { Vote } from './types.ts';

export interface DrawdownBreakerState {
  /** Reference equity (USD): high-water mark (trailing) or start equity (fixed); null until first seen. */
  readonly reference: number | null;
  /** Active band, 1-based in drawdown order; 0 = none. */
  readonly band: number;
  /** When the band last changed (epoch ms); null at band 0 or after a reset. */
  readonly since: number | null;
  /** Manual mode: set by a step up, cleared only by reset(). */
  readonly latched: boolean;
  /** Gross exposure (USD) when the breaker tripped from band 0; reduceTo applies to it. */
  readonly grossAtTrip: number | null;
}

const band = () => strict({ drawdown: openFraction(), reduceTo: unitInterval() });

export const drawdownBreakerShape = {
  /** Any order; sorted by drawdown. reduceTo must not rise as the drawdown deepens. */
  bands: z.array(band()).min(1),
  reference: referenceModes().default('trailing'),
  /** Fixed reference only: the start equity, USD (default: the first equity seen). */
  startEquity: positiveNumber().optional(),
  /** Resume a band only below its drawdown minus this. */
  hysteresis: z.number().min(0).lt(1).default(0),
  /** Minimum time in a band before stepping down from it, ms. */
  cooldownMs: durationMs().default(0),
  resume: z.enum(['manual', 'auto']).default('manual'),
  /** A band with reduceTo 0 votes HALTED instead of REDUCING. */
  haltAtZero: z.boolean().default(false),
  /** reset() also rebases the reference to the current equity (clears the drawdown). */
  rebaseOnReset: z.boolean().default(false),
};

export const drawdownBreakerDefinition = definePolicy<typeof drawdownBreakerShape, DrawdownBreakerState>(
  'drawdown-breaker',
  drawdownBreakerShape,
  (f, raw, path, issues) => {
    if (f.bands) {
      const order = checkBandOrder(f.bands, path, 'bands', issues);
      for (let k = 1; k < order.length; k++) {
        const i = order[k]!;
        const prev = order[k - 1]!;
        const b = f.bands[i]!;
        const p = f.bands[prev]!;
        if (b.reduceTo > p.reduceTo)
          pushIssue(issues, path, ['bands', i, 'reduceTo'], b.reduceTo, `must be <= ${p.reduceTo}, the reduceTo of the milder band bands[${prev}] (drawdown ${p.drawdown}): a deeper drawdown cannot allow more exposure`);
      }
      const first = f.bands[order[0]!]!;
      if (f.hysteresis !== undefined && f.hysteresis >= first.drawdown)
        pushIssue(issues, path, ['hysteresis'], f.hysteresis, `must be below the smallest band drawdown (${first.drawdown}), else the breaker can never resume`);
    }
    if (f.startEquity !== undefined && raw.reference !== 'fixed')
      pushIssue(issues, path, ['startEquity'], f.startEquity, 'only used with reference: fixed (a trailing reference starts at the high-water mark)');
  },
  (c, { name, maxDataAgeMs }) => {
    const bands = [...c.bands].sort((a, b) => a.drawdown - b.drawdown);
    const manual = c.resume === 'manual';

    const noDetail = (): string => '';
    const bandVote = (s: DrawdownBreakerState, detail: () => string): Vote => {
      if (s.band === 0) return ACTIVE;
      const b = bands[s.band - 1]!;
      const base = s.grossAtTrip ?? 0;
      const target = b.reduceTo * base;
      const halted = b.reduceTo === 0 && c.haltAtZero;
      // (closures passed inline, unnamed: this runs every bar of a backtest)
      const why = lazyReason(
        name,
        `DRAWDOWN_BAND_${s.band}`,
        () =>
          `drawdown band ${s.band} (${fmtPct(b.drawdown)}) active${detail()}: gross exposure to at most ${fmtPct(b.reduceTo)} of ` +
          `${fmtUsd(base)} (gross when tripped) = ${fmtUsd(target)}${halted ? '; trading halted' : ''}` +
          (s.latched ? '; latched until reset' : ''),
      );
      return vote(halted ? 'HALTED' : 'REDUCING', [why], [{ kind: 'target-gross', policy: name, maxGrossUsd: target }]);
    };

    return {
      type: 'drawdown-breaker',
      name,
      initialState: () => ({ reference: c.reference === 'fixed' ? (c.startEquity ?? null) : null, band: 0, since: null, latched: false, grossAtTrip: null }),
      evaluate(ctx, s) {
        const stale = staleVote(name, ctx, maxDataAgeMs, () => bandVote(s, noDetail));
        if (stale) return { vote: stale, state: s };
        const equity = ctx.report.portfolio.equity;
        if (!Number.isFinite(equity)) return { vote: missingInput(name, `portfolio equity is ${String(equity)}`, bandVote(s, noDetail)), state: s };
        const reference = nextReference(c.reference, s.reference, ctx, c.startEquity);
        if (reference === null) return { vote: missingInput(name, 'no positive equity reference (high-water mark or start equity) to measure drawdown from', bandVote(s, noDetail)), state: s };

        const dd = drawdownOf(reference, equity);
        let reached = 0;
        for (const b of bands) if (dd >= b.drawdown) reached++;
        let { band: k, since, latched, grossAtTrip } = s;
        let hold = '';
        if (reached > k) {
          if (k === 0 || grossAtTrip === null) grossAtTrip = grossExposureUsd(ctx.report);
          k = reached;
          since = ctx.now;
          latched = manual;
        } else {
          while (k > reached) {
            const exit = bands[k - 1]!.drawdown - c.hysteresis;
            if (latched) {
              hold = '; held: latched, resumes only after an explicit reset';
              break;
            }
            if (!(dd < exit)) {
              hold = `; held by hysteresis until drawdown < ${fmtPct(exit)}`;
              break;
            }
            if (since !== null && ctx.now - since < c.cooldownMs) {
              hold = `; held by cooldown until ${new Date(since + c.cooldownMs).toISOString()}`;
              break;
            }
            k--;
            since = ctx.now;
          }
          if (k === 0) {
            since = null;
            grossAtTrip = null;
          }
        }
        const state: DrawdownBreakerState = { reference, band: k, since, latched, grossAtTrip };
        // formatted only if the message is read
        return { vote: bandVote(state, () => ` (drawdown ${fmtPct(dd)} from ${fmtUsd(reference)} to ${fmtUsd(equity)})${hold}`), state };
      },
      quiet(ctx, s) {
        // After an evaluation that returned s: the state and vote stay while equity neither trips the next band,
        // nor (not latched) reaches the exit level of the band held, nor (trailing) makes a new high. The cooldown
        // is ignored (it only delays a step down: ignoring it narrows the band). Bounds are pulled in by 1e-9 of
        // the reference so that rounding in the drawdown (reference - equity) / reference cannot cross a threshold.
        if (ctx.market.dataAgeMs > maxDataAgeMs) return null;
        const R = s.reference;
        if (R === null || !(R > 0) || !Number.isFinite(R)) return null;
        const eps = 1e-9 * R;
        let minEquity = -Infinity;
        let maxEquity = c.reference === 'trailing' ? R : Infinity;
        const next = bands[s.band];
        if (next) minEquity = R * (1 - next.drawdown) + eps;
        if (s.band > 0 && !s.latched) maxEquity = Math.min(maxEquity, R * (1 - (bands[s.band - 1]!.drawdown - c.hysteresis)) - eps);
        return minEquity <= maxEquity ? { minEquity, maxEquity, until: Infinity } : null;
      },
      reset(s, ctx) {
        const equity = ctx.report.portfolio.equity;
        const rebase = c.rebaseOnReset && Number.isFinite(equity) && equity > 0;
        return { ...s, latched: false, since: null, reference: rebase ? equity : s.reference };
      },
    };
  },
);

export const drawdownBreaker = drawdownBreakerDefinition.create;
export type DrawdownBreakerConfig = Parameters<typeof drawdownBreaker>[0];
