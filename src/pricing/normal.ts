/**
 * Standard normal distribution and error functions, double precision.
 *
 * - erf / erfc / erfcx: W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23
 *   (1969) 631-638, in the arrangement of his CALERF packet (three intervals: |x| <= 0.46875, <= 4, > 4). The
 *   rational functions are accurate to ~18 digits; what limits double precision is exp(-x^2) for large |x|, which is
 *   evaluated as exp(-xs^2) exp(-(x-xs)(x+xs)) with xs = x rounded down to 1/16 (so xs^2 is exact), as Cody does.
 * - normCdf(x) = Phi(x) = erfc(-x/sqrt2)/2. To keep ~1e-15 RELATIVE accuracy in the lower tail it does not divide
 *   x by sqrt2 before the exponential (that rounding alone costs x^2 * 1e-16 relative, 1.6e-13 at x = -38): it uses
 *   Phi(-z) = exp(-z^2/2) erfcx(z/sqrt2) / 2 with the exponential split exactly in z (see expHalfSq) and only the
 *   slowly varying rational erfcx evaluated at z/sqrt2. Lower tail down to x = -37.5 (Phi = 4.6e-308, the normal
 *   range) keeps full relative accuracy; below that the result is subnormal and rounds once; Phi(x) = 0 below -38.6.
 * - normInv: Wichura, "Algorithm AS 241: the percentage points of the normal distribution", Applied Statistics 37
 *   (1988) 477-484 (PPND16, ~1e-16 relative).
 */
export const INV_SQRT_2PI = 0.3989422804014327; // 1/sqrt(2 pi)
const INV_SQRT_PI = 0.5641895835477563; // 1/sqrt(pi)
const THRESH = 0.46875;

// Cody's coefficients (CALERF, IEEE double).
const A0 = 3.1611237438705656, A1 = 113.864154151050156, A2 = 377.485237685302021, A3 = 3209.37758913846947;
const A4 = 0.185777706184603153;
const B0 = 23.6012909523441209, B1 = 244.024637934444173, B2 = 1282.61652607737228, B3 = 2844.23683343917062;
const C0 = 0.564188496988670089, C1 = 8.88314979438837594, C2 = 66.1191906371416295, C3 = 298.635138197400131;
const C4 = 881.95222124176909, C5 = 1712.04761263407058, C6 = 2051.07837782607147, C7 = 1230.33935479799725;
const C8 = 2.15311535474403846e-8;
const D0 = 15.7449261107098347, D1 = 117.693950891312499, D2 = 537.181101862009858, D3 = 1621.38957456669019;
const D4 = 3290.79923573345963, D5 = 4362.61909014324716, D6 = 3439.36767414372164, D7 = 1230.33935480374942;
const P0 = 0.305326634961232344, P1 = 0.360344899949804439, P2 = 0.125781726111229246, P3 = 0.0160837851487422766;
const P4 = 6.58749161529837803e-4, P5 = 0.0163153871373020978;
const Q0 = 2.56852019228982242, Q1 = 1.87295284992346047, Q2 = 0.527905102951428412, Q3 = 0.0605183413124413191;
const Q4 = 0.00233520497626869185;

/** erf(y)/y for |y| <= 0.46875 as a rational function of y^2 (Cody interval 1). */
function erfOverY(y: number): number {
  const ysq = y * y;
  let num = A4 * ysq;
  let den = ysq;
  num = (num + A0) * ysq;
  den = (den + B0) * ysq;
  num = (num + A1) * ysq;
  den = (den + B1) * ysq;
  num = (num + A2) * ysq;
  den = (den + B2) * ysq;
  return (num + A3) / (den + B3);
}

/** erfcx(y) = exp(y^2) erfc(y) for y > 0.46875, rational only (Cody intervals 2 and 3; no exponential). */
function erfcxPositive(y: number): number {
  return y <= 4 ? erfcxMid(y) : erfcxLarge(y);
}

/** Cody interval 2, 0.46875 <= y <= 4: erfcx(y) = C(y)/D(y). Kept small so the JIT inlines it into hot loops. */
function erfcxMid(y: number): number {
  let num = C8 * y;
  let den = y;
  num = (num + C0) * y;
  den = (den + D0) * y;
  num = (num + C1) * y;
  den = (den + D1) * y;
  num = (num + C2) * y;
  den = (den + D2) * y;
  num = (num + C3) * y;
  den = (den + D3) * y;
  num = (num + C4) * y;
  den = (den + D4) * y;
  num = (num + C5) * y;
  den = (den + D5) * y;
  num = (num + C6) * y;
  den = (den + D6) * y;
  return (num + C7) / (den + D7);
}

/** Cody interval 3, y > 4: erfcx(y) = (1/sqrt(pi) - z P(z)/Q(z))/y with z = 1/y^2. */
function erfcxLarge(y: number): number {
  if (y >= 6.71e7) return INV_SQRT_PI / y; // 1 - 1/(2y^2) == 1 in double
  const z = 1 / (y * y);
  let num = P5 * z;
  let den = z;
  num = (num + P0) * z;
  den = (den + Q0) * z;
  num = (num + P1) * z;
  den = (den + Q1) * z;
  num = (num + P2) * z;
  den = (den + Q2) * z;
  num = (num + P3) * z;
  den = (den + Q3) * z;
  return (INV_SQRT_PI - (z * (num + P4)) / (den + Q4)) / y;
}

/**
 * exp(-y^2) for y >= 0 without the rounding of y*y: y = ys + r with ys on the 1/16 grid (ys^2 exact), so
 * exp(-y^2) = exp(-ys^2) exp(-(y-ys)(y+ys)). Relative error ~2 ulp for every y where the result is normal.
 */
function expMinusSq(y: number): number {
  const ys = Math.trunc(y * 16) / 16;
  const del = (y - ys) * (y + ys);
  if (ys < 26) return Math.exp(-ys * ys) * Math.exp(-del);
  // Split the large exponential in two halves so that only the last product rounds into the subnormal range.
  const e = Math.exp(-0.5 * ys * ys);
  return e * Math.exp(-del) * e;
}

// exp(-j^2/512) = exp(-(j/16)^2 / 2) for j = 0..599: the grid part of exp(-z^2/2) in expHalfSq, one Math.exp each.
const HALF_SQ_GRID = 600;
/** exp(-(j/16)^2/2), j = 0..599; shared with the Black kernel, which inlines expHalfSq. */
export const EXP_HALF_SQ_TABLE = new Float64Array(HALF_SQ_GRID);
for (let j = 0; j < HALF_SQ_GRID; j++) EXP_HALF_SQ_TABLE[j] = Math.exp(-(j * j) / 512);

/**
 * exp(-x^2/2) with ~1e-16 relative accuracy (the naive Math.exp(-0.5*x*x) loses x^2/2 ulps to the rounding of x*x):
 * z = |x| = zs + r with zs = floor(16 z)/16, so exp(-z^2/2) = exp(-zs^2/2) exp(-(z-zs)(z+zs)/2), the first factor
 * from a table. Subnormal results (|x| > 37.5) round once; 0 beyond |x| = 38.6.
 */
export function expHalfSq(x: number): number {
  const z = Math.abs(x);
  const j = Math.trunc(z * 16);
  const zs = j / 16;
  const del = (z - zs) * (z + zs);
  if (j < HALF_SQ_GRID) return (EXP_HALF_SQ_TABLE[j] as number) * Math.exp(-0.5 * del);
  if (!(z < 40)) return z === z ? 0 : NaN;
  const e = Math.exp(-0.25 * zs * zs);
  return e * Math.exp(-0.5 * del) * e;
}

/** Standard normal density phi(x) = exp(-x^2/2)/sqrt(2 pi), relative accuracy ~1e-16 in the tails too. */
export const normPdf = (x: number): number => INV_SQRT_2PI * expHalfSq(x);

/** erf(x), Cody CALERF. */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= THRESH) return x * erfOverY(x);
  const c = y >= 27 ? 0 : expMinusSq(y) * erfcxPositive(y);
  return x < 0 ? c - 1 : 1 - c;
}

/** erfc(x) = 1 - erf(x), Cody CALERF; relative accuracy ~1e-15 for x > 0 until it underflows (x > 27.2). */
export function erfc(x: number): number {
  const y = Math.abs(x);
  if (y <= THRESH) return 1 - x * erfOverY(x);
  const c = y >= 27.3 ? 0 : expMinusSq(y) * erfcxPositive(y);
  return x < 0 ? 2 - c : c;
}

/** Scaled complementary error function erfcx(x) = exp(x^2) erfc(x), Cody CALERF (jint = 2). Infinity below -26.628. */
export function erfcx(x: number): number {
  const y = Math.abs(x);
  if (y <= THRESH) return (1 - x * erfOverY(x)) * Math.exp(x * x);
  if (x > 0) return erfcxPositive(y);
  if (x < -26.628) return Infinity;
  // erfcx(-y) = 2 exp(y^2) - erfcx(y), with exp(y^2) split like expMinusSq.
  const ys = Math.trunc(y * 16) / 16;
  const e = Math.exp(ys * ys) * Math.exp((y - ys) * (y + ys));
  return 2 * e - erfcxPositive(y);
}

/**
 * Standard normal CDF Phi(x). |x| <= 0.6629: Phi = 1/2 + erf(x/sqrt2)/2 (Cody interval 1, no cancellation there);
 * otherwise the tail Phi(-|x|) = exp(-x^2/2) erfcx(|x|/sqrt2) / 2 (see the file header), and Phi(x) = 1 - tail for x > 0.
 */
export function normCdf(x: number): number {
  const z = Math.abs(x);
  const y = z * Math.SQRT1_2;
  if (y <= THRESH) return 0.5 + 0.5 * (x * Math.SQRT1_2) * erfOverY(y);
  const tail = 0.5 * expHalfSq(z) * erfcxPositive(y);
  return x > 0 ? 1 - tail : tail;
}

/**
 * Lower tail Phi(-|x|) when e = exp(-x^2/2) is already known (the Black kernel gets exp(-d2^2/2) from
 * exp(-d1^2/2) F/K, one exponential for both tails). Same formulas and accuracy as normCdf.
 */
export function normTailFromExp(x: number, e: number): number {
  const y = Math.abs(x) * Math.SQRT1_2;
  if (y <= THRESH) return 0.5 - 0.5 * y * erfOverY(y);
  return 0.5 * e * (y <= 4 ? erfcxMid(y) : erfcxLarge(y));
}

// AS 241 (PPND16) coefficients.
const SPLIT1 = 0.425, SPLIT2 = 5, CONST1 = 0.180625, CONST2 = 1.6;
const a0 = 3.387132872796366608, a1 = 133.14166789178437745, a2 = 1971.5909503065514427, a3 = 13731.693765509461125;
const a4 = 45921.953931549871457, a5 = 67265.770927008700853, a6 = 33430.575583588128105, a7 = 2509.0809287301226727;
const b1 = 42.313330701600911252, b2 = 687.1870074920579083, b3 = 5394.1960214247511077, b4 = 21213.794301586595867;
const b5 = 39307.89580009271061, b6 = 28729.085735721942674, b7 = 5226.495278852854561;
const c0 = 1.42343711074968357734, c1 = 4.6303378461565452959, c2 = 5.7694972214606914055, c3 = 3.64784832476320460504;
const c4 = 1.27045825245236838258, c5 = 0.24178072517745061177, c6 = 0.0227238449892691845833;
const c7 = 7.7454501427834140764e-4;
const d1 = 2.05319162663775882187, d2 = 1.6763848301838038494, d3 = 0.68976733498510000455;
const d4 = 0.14810397642748007459, d5 = 0.0151986665636164571966, d6 = 5.475938084995344946e-4;
const d7 = 1.05075007164441684324e-9;
const e0 = 6.6579046435011037772, e1 = 5.4637849111641143699, e2 = 1.7848265399172913358, e3 = 0.29656057182850489123;
const e4 = 0.026532189526576123093, e5 = 0.0012426609473880784386, e6 = 2.71155556874348757815e-5;
const e7 = 2.01033439929228813265e-7;
const f1 = 0.599832206555887937690, f2 = 0.13692988092273580531, f3 = 0.0148753612908506148525;
const f4 = 7.868691311456132591e-4, f5 = 1.8463183175100546818e-5, f6 = 1.4215117583164458887e-7;
const f7 = 2.04426310338993978564e-15;

/**
 * Inverse standard normal CDF: normInv(p) = x with Phi(x) = p, p in (0, 1); -Infinity at 0, +Infinity at 1, NaN
 * outside [0, 1]. Wichura AS 241: ~1e-16 relative; e.g. normInv(0.99) = 2.3263478740408408.
 */
export function normInv(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  const q = p - 0.5;
  if (Math.abs(q) <= SPLIT1) {
    const r = CONST1 - q * q;
    return (
      (q * (((((((a7 * r + a6) * r + a5) * r + a4) * r + a3) * r + a2) * r + a1) * r + a0)) /
      (((((((b7 * r + b6) * r + b5) * r + b4) * r + b3) * r + b2) * r + b1) * r + 1)
    );
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let x: number;
  if (r <= SPLIT2) {
    r -= CONST2;
    x =
      (((((((c7 * r + c6) * r + c5) * r + c4) * r + c3) * r + c2) * r + c1) * r + c0) /
      (((((((d7 * r + d6) * r + d5) * r + d4) * r + d3) * r + d2) * r + d1) * r + 1);
  } else {
    r -= SPLIT2;
    x =
      (((((((e7 * r + e6) * r + e5) * r + e4) * r + e3) * r + e2) * r + e1) * r + e0) /
      (((((((f7 * r + f6) * r + f5) * r + f4) * r + f3) * r + f2) * r + f1) * r + 1);
  }
  return q < 0 ? -x : x;
}
