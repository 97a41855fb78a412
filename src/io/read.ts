/**
 * Reading a file's bytes and decoding strict UTF-8, with the failures every file adapter reports the same way:
 * 'no such file' (reason not-found), 'is a directory', 'permission denied', the system's message, 'not UTF-8 text'
 * (reason unreadable). Each adapter throws its own error class through `fail`.
 */
import { readFile } from 'node:fs/promises';

export type ReadFailureReason = 'not-found' | 'unreadable';
export type Fail = (reason: ReadFailureReason, detail: string) => never;

const errno = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

export async function readBytes(path: string, fail: Fail): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = errno(e);
    if (code === 'ENOENT') return fail('not-found', 'no such file');
    return fail('unreadable', code === 'EISDIR' ? 'is a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : e instanceof Error ? e.message : String(e));
  }
}

export function decodeUtf8(bytes: Uint8Array, fail: Fail): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('unreadable', 'not UTF-8 text');
  }
}
