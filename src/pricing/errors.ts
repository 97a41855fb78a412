/**
 * Typed errors of the pricing layer. They extend BallastError (src/errors), so the CLI reports them with a message
 * and exit 1; commands that take prices from the user turn them into ValidationError issues on the offending field.
 */
import { BallastError } from '../errors/index.ts';

/** A pricing input is out of its domain (non-positive forward, strike, time, discount factor; non-finite price). */
export class PricingInputError extends BallastError {
  override readonly name = 'PricingInputError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly requirement: string,
  ) {
    super(`${field} must be ${requirement} (got ${String(value)})`);
  }
}

/**
 * An option price outside the no-arbitrage interval (intrinsic, upper bound): no implied vol exists. `bound` is the
 * violated bound in the same units as the price (discounted if the price was): the (discounted) intrinsic value
 * df max(w (F - K), 0) below, df F for a call or df K for a put above.
 */
export class PriceBoundError extends BallastError {
  override readonly name = 'PriceBoundError';
  constructor(
    readonly price: number,
    readonly bound: number,
    readonly side: 'intrinsic' | 'upper',
  ) {
    super(
      side === 'intrinsic'
        ? `price ${price} is at or below the intrinsic value ${bound}: no implied vol (must be strictly above)`
        : `price ${price} is at or above the no-arbitrage upper bound ${bound} (forward for a call, strike for a put, discounted): no implied vol`,
    );
  }
}
