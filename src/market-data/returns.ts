/**
 * Joint returns of several price series on their common timestamps, for VaR and correlation work.
 * - Inner join: only timestamps present (exactly equal) in every series are kept; nothing is filled or carried.
 * - A return runs from the close of one common bar to the close of the next, and is kept only when the two are
 *   exactly one interval apart; steps across a gap in any series are skipped (counted), never stretched.
 * - `timestamps[i]` is the open (epoch ms) of the later bar: returns[j][i] covers close(t - interval) -> close(t).
 * - log: ln(c1 / c0); simple: c1 / c0 - 1.
 */
import { ValidationError, type FieldIssue } from '../errors/index.ts';

export type ReturnMethod = 'log' | 'simple';

export interface PriceInput {
  readonly id: string;
  /** Strictly increasing epoch ms (bar opens). */
  readonly timestamp: ArrayLike<number>;
  /** Close of each bar, > 0. */
  readonly close: ArrayLike<number>;
}

export interface JointReturnsOptions {
  readonly method: ReturnMethod;
  /** Bar interval, ms: a return needs two common bars exactly this far apart. */
  readonly intervalMs: number;
}

export interface JointReturns {
  readonly ids: readonly string[];
  readonly method: ReturnMethod;
  readonly intervalMs: number;
  readonly timestamps: Float64Array;
  /** One column per input, in input order, each as long as `timestamps`. */
  readonly returns: readonly Float64Array[];
  /** Timestamps present in every input. */
  readonly commonBars: number;
  /** Consecutive common bars more than one interval apart: no return for them. */
  readonly skippedAcrossGaps: number;
}

const MAX_ISSUES = 20;

function validate(inputs: readonly PriceInput[], intervalMs: number): void {
  const issues: FieldIssue[] = [];
  const add = (path: string, value: unknown, message: string): boolean => issues.push({ path, value, message }) >= MAX_ISSUES;
  if (inputs.length === 0) add('inputs', inputs.length, 'need at least one price series');
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) add('intervalMs', intervalMs, 'must be a positive number of ms');
  const ids = new Set<string>();
  outer: for (const [j, s] of inputs.entries()) {
    if (s.id === '' || ids.has(s.id)) add(`[${j}].id`, s.id, s.id === '' ? 'must not be empty' : 'duplicate id');
    ids.add(s.id);
    if (s.timestamp.length !== s.close.length) {
      add(`[${j}]`, s.close.length, `close has ${s.close.length} values for ${s.timestamp.length} timestamps`);
      continue;
    }
    for (let i = 0; i < s.close.length; i++) {
      const c = s.close[i] as number;
      if (!(Number.isFinite(c) && c > 0) && add(`[${j}].close[${i}]`, c, 'must be a finite price > 0')) break outer;
      if (i > 0 && !((s.timestamp[i] as number) > (s.timestamp[i - 1] as number)) && add(`[${j}].timestamp[${i}]`, s.timestamp[i], 'timestamps must strictly increase')) break outer;
    }
  }
  if (issues.length > 0) throw new ValidationError('joint returns', issues);
}

/** Row indices, per input, of the timestamps every input has (a k-way merge of sorted columns). */
function commonRows(inputs: readonly PriceInput[]): { ts: number[]; rows: number[][] } {
  const pos = inputs.map(() => 0);
  const out = { ts: [] as number[], rows: inputs.map(() => [] as number[]) };
  for (;;) {
    let target = -Infinity;
    for (const [j, s] of inputs.entries()) {
      if ((pos[j] as number) >= s.timestamp.length) return out;
      target = Math.max(target, s.timestamp[pos[j] as number] as number);
    }
    let all = true;
    for (const [j, s] of inputs.entries()) {
      let p = pos[j] as number;
      while (p < s.timestamp.length && (s.timestamp[p] as number) < target) p++;
      pos[j] = p;
      if (p >= s.timestamp.length) return out;
      if (s.timestamp[p] !== target) all = false;
    }
    if (!all) continue;
    out.ts.push(target);
    inputs.forEach((_, j) => {
      (out.rows[j] as number[]).push(pos[j] as number);
      pos[j] = (pos[j] as number) + 1;
    });
  }
}

/** Joint returns of `inputs` (see the module comment). Throws ValidationError for bad inputs. */
export function jointReturns(inputs: readonly PriceInput[], options: JointReturnsOptions): JointReturns {
  const { method, intervalMs } = options;
  validate(inputs, intervalMs);
  const { ts, rows } = commonRows(inputs);
  const keep: number[] = [];
  for (let k = 1; k < ts.length; k++) if ((ts[k] as number) - (ts[k - 1] as number) === intervalMs) keep.push(k);
  const returns = inputs.map((s, j) => {
    const r = rows[j] as number[];
    const col = new Float64Array(keep.length);
    keep.forEach((k, i) => {
      const ratio = (s.close[r[k] as number] as number) / (s.close[r[k - 1] as number] as number);
      col[i] = method === 'log' ? Math.log(ratio) : ratio - 1;
    });
    return col;
  });
  return {
    ids: inputs.map((s) => s.id),
    method,
    intervalMs,
    timestamps: Float64Array.from(keep, (k) => ts[k] as number),
    returns,
    commonBars: ts.length,
    skippedAcrossGaps: Math.max(0, ts.length - 1 - keep.length),
  };
}
