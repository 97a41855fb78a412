/** Intervals (milliseconds) and UTC times as people write them: `1h`, `8h`, `1d`, `2024-06-16T12:00Z`. */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;
const LARGEST_FIRST: readonly Unit[] = ['w', 'd', 'h', 'm', 's', 'ms'];

/** `15m`, `1h`, `8h`, `1d`, `1w`, `500ms`, or a bare integer of milliseconds -> ms; undefined if not a positive interval. */
export const parseInterval = (s: string): number | undefined => {
  const m = /^(\d+)(ms|s|m|h|d|w)?$/.exec(s.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[(m[2] ?? 'ms') as Unit];
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
};

/** ms -> the shortest exact label in the largest unit that divides it: 3600000 -> `1h`, 86400000 -> `1d`. */
export const formatInterval = (ms: number): string => {
  if (!Number.isSafeInteger(ms) || ms <= 0) return `${ms}ms`;
  for (const u of LARGEST_FIRST) if (ms % UNIT_MS[u] === 0) return `${ms / UNIT_MS[u]}${u}`;
  return `${ms}ms`;
};

/** Full ISO 8601 UTC with milliseconds (what JSON output uses). */
export const isoUtc = (ms: number): string => new Date(ms).toISOString();

/** Minute-resolution UTC for tables: `2024-06-16T12:00Z` (ms jitter of funding times is not shown). */
export const isoMinute = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16)}Z`;
