/**
 * Runs the committed bundle the way the runner does: `node action/dist/index.js` with `INPUT_*`
 * variables, file commands in temp files (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, `GITHUB_STATE`)
 * and the run's `GITHUB_*` facts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useTempDir } from '../helpers/temp-dir.js';

const BUNDLE = fileURLToPath(new URL('../../action/dist/index.js', import.meta.url));

export interface ActionProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stdout(): string;
  /** Resolves once stdout matches. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** `GITHUB_OUTPUT` parsed: output name → value. */
  outputs(): Record<string, string>;
  /** `GITHUB_STATE` parsed: what a `post` step would receive as `STATE_<name>`. */
  state(): Record<string, string>;
  summary(): string;
}

/** A workflow run's environment: push to main in acme/app, run 9001 attempt 1, job "deploy". */
export function runEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_WORKFLOW: 'Deploy',
    GITHUB_RUN_ID: '9001',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'deploy',
    GITHUB_ACTION: '__acme_agentgate',
    GITHUB_SHA: 'b'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_ACTOR: 'octocat',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_SERVER_URL: 'https://github.com',
    ...overrides,
  };
}

/** Inputs as the runner passes them: `INPUT_<NAME>` upper-cased, hyphens kept. */
export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
  );
}

/** `name<<delimiter\nvalue\ndelimiter` blocks, as `@actions/core` writes file commands. */
function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const match of text.matchAll(/^(.+?)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm)) {
    result[match[1] as string] = match[3] as string;
  }
  return result;
}

/** Every run's files, removed after the test file that started it. */
const tempDir = useTempDir('agentgate-action-');

export function startAction(env: Record<string, string>): ActionProcess {
  const dir = tempDir('run-');
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    GITHUB_STATE: join(dir, 'state'),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const child = spawn(process.execPath, [BUNDLE], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, RUNNER_TEMP: dir, ...files, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    exited,
    stdout: () => out,
    waitForOutput: (pattern, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(out)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${pattern} in the action's output:\n${out}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          cleanup();
          if (pattern.test(out)) resolve();
          else reject(new Error(`the action exited (${code}) without printing ${pattern}:\n${out}`));
        });
        check();
      }),
    outputs: () => parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    state: () => parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8')),
    summary: () => readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
  };
}

/** Runs the action to completion. */
export async function runAction(env: Record<string, string>) {
  const action = startAction(env);
  const code = await action.exited;
  return {
    code,
    stdout: action.stdout(),
    outputs: action.outputs(),
    summary: action.summary(),
    state: action.state(),
  };
}
