/**
 * Test-only: the Files table of data/market/README.md as data, the oracle the catalog and the loaders are checked
 * against. Pure (the tests read the file). Each table row is followed by its `source:` row.
 * Range cells read `YYYY-MM-DD HH:MM → YYYY-MM-DD HH:MM` (UTC, bar opens); the gaps cell `N gaps / M missing bars`
 * or empty (not stated for funding, DVOL and Deribit files: their gaps are described in prose).
 */
export interface ReadmeSource {
  readonly repo: string;
  readonly path: string;
  readonly commit: string;
  readonly covers?: string;
}

export interface ReadmeFile {
  readonly file: string;
  readonly rows: number;
  /** Epoch ms of the first and last rows, at minute resolution. */
  readonly first: number;
  readonly last: number;
  readonly bytes: number;
  readonly gaps?: { readonly gaps: number; readonly missingBars: number };
  readonly sha256: string;
  readonly sources: readonly ReadmeSource[];
}

const ROW = /^\| `([^`]+)` \| (\d+) \| (\d{4}-\d\d-\d\d \d\d:\d\d) → (\d{4}-\d\d-\d\d \d\d:\d\d) \| (\d+) \| ([^|]*) \| `([0-9a-f]{64})` \|$/;
const SOURCE = /(https:\/\/github\.com\/\S+) `([^`]+)` @ ([0-9a-f]+)(?: \(([^)]+)\))?/g;
const utc = (s: string): number => Date.parse(`${s.replace(' ', 'T')}:00Z`);

export function parseReadmeFiles(readme: string): ReadmeFile[] {
  const lines = readme.split('\n');
  const out: ReadmeFile[] = [];
  lines.forEach((line, i) => {
    const m = ROW.exec(line);
    if (!m) return;
    const [, file, rows, first, last, bytes, gapCell, sha256] = m as unknown as [string, string, string, string, string, string, string, string];
    const g = /^\s*(\d+) gaps \/ (\d+) missing bars\s*$/.exec(gapCell);
    const sources = [...(lines[i + 1] ?? '').matchAll(SOURCE)].map(([, repo, path, commit, covers]) => ({
      repo: repo as string,
      path: path as string,
      commit: commit as string,
      ...(covers === undefined ? {} : { covers: covers.replace('→', ' to ') }),
    }));
    out.push({
      file,
      rows: Number(rows),
      first: utc(first),
      last: utc(last),
      bytes: Number(bytes),
      ...(g ? { gaps: { gaps: Number(g[1]), missingBars: Number(g[2]) } } : {}),
      sha256,
      sources,
    });
  });
  return out;
}
