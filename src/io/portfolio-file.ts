/**
 * Reading a portfolio document from disk: the only place the portfolio path touches the file system.
 * Format from the extension (.json, .yaml / .yml), else detected from the content; parsing is pure (model/parse.ts).
 */
import { extname } from 'node:path';
import { BallastError } from '../errors/index.ts';
import { parsePortfolio, type DocumentFormat } from '../model/parse.ts';
import type { Portfolio } from '../model/types.ts';
import { decodeUtf8, readBytes, type Fail, type ReadFailureReason } from './read.ts';

export type FileErrorReason = ReadFailureReason;

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

/** Read the raw text of a portfolio file. Throws PortfolioFileError. */
export async function readPortfolioText(path: string): Promise<string> {
  const fail: Fail = (reason, detail) => {
    throw new PortfolioFileError(path, reason, detail);
  };
  return decodeUtf8(await readBytes(path, fail), fail);
}

/**
 * Read, parse and validate a portfolio file. Throws PortfolioFileError (I/O), DocumentSyntaxError (with line and
 * column) or ValidationError (every bad field); the latter two name the file as their source.
 */
export async function loadPortfolioFile(path: string): Promise<Portfolio> {
  return parsePortfolio(await readPortfolioText(path), path, formatFromPath(path));
}
