/**
 * Test-only: run the CLI in-process with a fake Io, capturing stdout and stderr (stdin given as a string).
 */
import { main, type Io } from '../cli/main.ts';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(argv: string[], stdin = ''): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: Io = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), readStdin: () => Promise.resolve(stdin) };
  const code = await main(argv, io);
  return { code, out, err };
}
