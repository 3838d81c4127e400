/**
 * Runs `agentgate` from source as a real process (node + tsx) and collects its output, so CLI tests
 * see exactly what a user sees: stdout, stderr and the exit code.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '../..');
const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;
const MAIN = pathToFileURL(join(ROOT, 'app/cli/main.ts')).href;
const ENTRY = `import(${JSON.stringify(MAIN)}).then(m => m.runCli(process.argv.slice(1))).then(c => { process.exitCode = c })`;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `cwd` defaults to the repository root; `env` adds to (or overrides) this process's environment. */
export function runCli(
  args: readonly string[],
  { cwd = ROOT, env = {} }: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, '-e', ENTRY, ...args], {
      cwd,
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
