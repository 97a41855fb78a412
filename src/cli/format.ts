/** Number formatting for terminal tables (JSON output keeps full precision). */
export const usd = (x: number | null): string =>
  x === null ? '-' : Math.abs(x) >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x.toLocaleString('en-US', { maximumFractionDigits: 0 });

/** Grouped decimals; a magnitude of 1e9 or more (an annualised ratio over a two-week window, say) in exponent form. */
export const num = (x: number | null, digits = 2): string =>
  x === null ? '-' : Math.abs(x) >= 1e9 && Number.isFinite(x) ? x.toExponential(2) : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

export const pct = (x: number | null, digits = 1): string => (x === null ? '-' : `${(x * 100).toFixed(digits)}%`);

export const price = (x: number | null): string => {
  if (x === null) return '-';
  const a = Math.abs(x);
  const digits = a >= 1000 ? 0 : a >= 10 ? 2 : 4;
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
};
