/**
 * Where one CLI run reads and writes. `bin/agentgate.js` runs with the process's own streams,
 * environment and directory; tests run the same commands in-process with captured streams, so a
 * test of `agentgate list` costs a function call rather than a Node process.
 */
import { resolve } from 'node:path';
import type { FetchLike } from '../../sdk/index.js';

export interface CliOutput {
  write(text: string): unknown;
  /** A terminal gets the live waiting line; anything else gets plain lines. */
  readonly isTTY?: boolean;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  env: Record<string, string | undefined>;
  /** Relative paths given on the command line are read from here. */
  cwd: string;
  /** The `fetch` the API client uses; the global one by default. */
  fetch?: FetchLike;
}

/** The IO of one run, plus the exit code its command sets. */
export interface CliContext extends CliIo {
  exitCode: number;
  print(text: string): void;
  /** An absolute path for reading `path` as the user gave it. */
  path(path: string): string;
}

export function createCliContext({
  stdout = process.stdout,
  stderr = process.stderr,
  env = process.env,
  cwd = process.cwd(),
  fetch,
}: Partial<CliIo> = {}): CliContext {
  return {
    stdout,
    stderr,
    env,
    cwd,
    fetch,
    exitCode: 0,
    print: (text) => {
      stdout.write(`${text}\n`);
    },
    path: (path) => resolve(cwd, path),
  };
}
