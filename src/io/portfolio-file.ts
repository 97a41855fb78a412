/**
 * Reading a portfolio document from disk: the only place the portfolio path touches the file system.
 * Format from the extension (.json, .yaml / .yml), else detected from the content; parsing is pure (model/parse.ts).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { BallastError } from '../errors/index.ts';
import { parsePortfolio, type DocumentFormat } from '../model/parse.ts';
import type { Portfolio } from '../model/types.ts';

export type FileErrorReason = 'not-found' | 'unreadable';

/** The file could not be read (missing, a directory, no permission, not UTF-8). */
export class PortfolioFileError extends BallastError {
  override readonly name = 'PortfolioFileError';
  constructor(
    readonly path: string,
    readonly reason: FileErrorReason,
    detail: string,
  ) {
    super(`cannot read portfolio file ${path}: ${detail}`);
  }
}

export const formatFromPath = (path: string): DocumentFormat | undefined => {
  const ext = extname(path).toLowerCase();
  return ext === '.json' ? 'json' : ext === '.yaml' || ext === '.yml' ? 'yaml' : undefined;
};

const errno = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

/** Read the raw text of a portfolio file. Throws PortfolioFileError. */
export async function readPortfolioText(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = errno(e);
    if (code === 'ENOENT') throw new PortfolioFileError(path, 'not-found', 'no such file');
    const detail = code === 'EISDIR' ? 'is a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : e instanceof Error ? e.message : String(e);
    throw new PortfolioFileError(path, 'unreadable', detail);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PortfolioFileError(path, 'unreadable', 'not UTF-8 text');
  }
}

/**
 * Read, parse and validate a portfolio file. Throws PortfolioFileError (I/O), DocumentSyntaxError (with line and
 * column) or ValidationError (every bad field); the latter two name the file as their source.
 */
export async function loadPortfolioFile(path: string): Promise<Portfolio> {
  return parsePortfolio(await readPortfolioText(path), path, formatFromPath(path));
}
