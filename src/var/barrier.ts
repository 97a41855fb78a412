/**
 * First-passage (barrier-hit) probability of a geometric Brownian motion, continuous monitoring: the closed form of
 * /work/shared/reference/pricing-and-risk-methods.md §5 (Shreve, Stochastic Calculus for Finance II, §7.2).
 * dS = mu S dt + sigma S dW, nu = mu - sigma^2 / 2, b = ln(B / S0), s = sigma sqrt(T), T in years (ACT/365):
 * - down barrier (B < S0, a long position's liquidation): P(min S <= B) = N((b - nu T)/s) + (B/S0)^(2 nu/sigma^2) N((b + nu T)/s)
 * - up barrier (B > S0, a short's):                       P(max S >= B) = N((-b + nu T)/s) + (B/S0)^(2 nu/sigma^2) N((-b - nu T)/s)
 * B = S0 is hit at once (1). With mu = 0 it is the reflection principle, about 2 P(S_T beyond B).
 *
 * Discrete monitoring every dt years (a mark checked at steps) hits less often. Broadie, Glasserman and Kou (1997):
 * monitoring at steps of dt is, to first order, continuous monitoring of the barrier moved AWAY from the spot by
 * exp(beta sigma sqrt(dt)), beta = -zeta(1/2)/sqrt(2 pi) = 0.5826: B e^(-beta sigma sqrt dt) below the spot,
 * B e^(+beta sigma sqrt dt) above it. Conversely, checking a barrier moved TOWARDS the spot by that factor at discrete
 * steps estimates the continuous-monitoring probability of the original barrier (see ./liquidation.ts).
 */
import { ValidationError, type FieldIssue } from '../errors/index.ts';
import { normCdf } from '../pricing/normal.ts';

/** -zeta(1/2) / sqrt(2 pi). */
export const BGK_BETA = 0.5825971579390106;

export interface BarrierInputs {
  /** Spot and barrier, same units, > 0. */
  readonly spot: number;
  readonly barrier: number;
  /** Annual drift mu of dS/S (0: no drift) and annualised vol, > 0. */
  readonly mu: number;
  readonly sigma: number;
  /** Years (ACT/365), >= 0. */
  readonly years: number;
}

function check(x: BarrierInputs): void {
  const issues: FieldIssue[] = [];
  const bad = (path: string, value: unknown, message: string): void => void issues.push({ path, value, message });
  if (!(x.spot > 0 && Number.isFinite(x.spot))) bad('spot', x.spot, 'must be a price > 0');
  if (!(x.barrier > 0 && Number.isFinite(x.barrier))) bad('barrier', x.barrier, 'must be a price > 0');
  if (!Number.isFinite(x.mu)) bad('mu', x.mu, 'must be a finite drift');
  if (!(x.sigma > 0 && Number.isFinite(x.sigma))) bad('sigma', x.sigma, 'must be a vol > 0');
  if (!(x.years >= 0 && Number.isFinite(x.years))) bad('years', x.years, 'must be >= 0');
  if (issues.length > 0) throw new ValidationError('barrier', issues);
}

/** P(the barrier is touched within `years`), continuous monitoring (see the module comment). */
export function barrierHitProbability(x: BarrierInputs): number {
  check(x);
  const { spot, barrier, mu, sigma, years } = x;
  if (barrier === spot) return 1;
  if (years === 0) return 0;
  const nu = mu - 0.5 * sigma * sigma;
  const b = Math.log(barrier / spot);
  const s = sigma * Math.sqrt(years);
  const power = nu === 0 ? 1 : Math.pow(barrier / spot, (2 * nu) / (sigma * sigma));
  if (barrier < spot) return normCdf((b - nu * years) / s) + power * normCdf((b + nu * years) / s);
  return normCdf((-b + nu * years) / s) + power * normCdf((-b - nu * years) / s);
}

/** The barrier whose continuous-monitoring hit probability discrete monitoring every `dtYears` reproduces (BGK). */
export function discreteEquivalentBarrier(spot: number, barrier: number, sigma: number, dtYears: number): number {
  const shift = Math.exp(BGK_BETA * sigma * Math.sqrt(dtYears));
  return barrier < spot ? barrier / shift : barrier * shift;
}
