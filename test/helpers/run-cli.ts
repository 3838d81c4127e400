/**
 * Runs `agentgate` in this process with captured streams, so CLI tests see what a user sees
 * (stdout, stderr, the exit code) for the cost of a function call. One test per binary still
 * starts a real process (test/cli/cli-process.test.ts).
 */
import { join } from 'node:path';
import type { CliOutput } from '../../app/cli/cli-io.js';
import { runCli as run } from '../../app/cli/main.js';

const ROOT = join(import.meta.dirname, '../..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Defaults to the repository root. */
  cwd?: string;
  /** The whole environment of the run (nothing is inherited from the test process). */
  env?: Record<string, string | undefined>;
  /** Gives the run a terminal: stdout reports `isTTY`. */
  tty?: boolean;
  /** Sees stdout as it is written, e.g. to wait for the waiting line. */
  onStdout?: (text: string) => void;
}

export async function runCli(
  args: readonly string[],
  { cwd = ROOT, env = {}, tty = false, onStdout }: CliRunOptions = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out: CliOutput = {
    isTTY: tty,
    write: (text: string) => {
      stdout += text;
      onStdout?.(text);
      return true;
    },
  };
  const err: CliOutput = {
    write: (text: string) => {
      stderr += text;
      return true;
    },
  };
  const code = await run(args, { stdout: out, stderr: err, env, cwd });
  return { code, stdout, stderr };
}
