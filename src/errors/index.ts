/**
 * Typed errors. Each carries enough context for an actionable message: the field path and the offending value.
 */
export class BallastError extends Error {
  override readonly name: string = 'BallastError';
}

export interface FieldIssue {
  /** Dotted path into the input document, e.g. accounts[0].positions[1].qty */
  readonly path: string;
  /** The offending value as found (undefined when missing). */
  readonly value: unknown;
  readonly message: string;
}

/** A document (portfolio, policies, config, market data) failed validation; lists every bad field. */
export class ValidationError extends BallastError {
  override readonly name = 'ValidationError';
  constructor(
    readonly source: string,
    readonly issues: readonly FieldIssue[],
  ) {
    super(`${source}: ${issues.length} invalid field${issues.length === 1 ? '' : 's'}\n` + issues.map(formatIssue).join('\n'));
  }
}

export const formatValue = (v: unknown): string => {
  if (v === undefined) return 'missing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return typeof v === 'bigint' ? `${v}n` : '(unserializable value)';
  }
};

export const formatIssue = (i: FieldIssue): string => `  - ${i.path || '(document)'}: ${i.message} (got ${formatValue(i.value)})`;

/** Market data a computation needs is absent (price, vol): the caller must fail safe, never guess. */
export class MissingMarketDataError extends BallastError {
  override readonly name = 'MissingMarketDataError';
  constructor(
    readonly kind: 'price' | 'vol',
    readonly asset: string,
    readonly where: string,
  ) {
    super(`no ${kind} for ${asset} (needed by ${where}); add it to market.${kind === 'price' ? 'prices' : 'vols'}`);
  }
}

/** A numerical routine could not produce a trustworthy number (no bracket, no convergence). */
export class NumericalError extends BallastError {
  override readonly name = 'NumericalError';
}
