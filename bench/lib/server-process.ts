/**
 * The benchmarks' server processes and the HTTP calls they make to them (bench:server, bench:cluster):
 * each server runs `serve-entry.ts` in a child process, so load generator and server never share an
 * event loop. `BENCH_CPU_PROF=<dir>` writes a V8 CPU profile of each server there (named after its
 * pid, which the benchmarks print).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('./serve-entry.ts', import.meta.url));
/** The express 5 hello-world `bench:server` measures us against (`express-baseline.ts`). */
export const BASELINE_ENTRY = fileURLToPath(new URL('./express-baseline.ts', import.meta.url));

export interface Child {
  proc: ChildProcess;
  pid: number;
  base: { host: string; port: number };
  exited: Promise<void>;
  output: () => string;
}

/** Starts our server (or `entry`, such as `BASELINE_ENTRY`) in a child process with `env`. */
export function startChild(
  env: Record<string, string>,
  { startTimeoutMs = 30_000, entry = ENTRY } = {},
): Promise<Child> {
  const profDir = process.env.BENCH_CPU_PROF;
  const nodeArgs = [
    '--expose-gc',
    ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
    '--import',
    'tsx',
    entry,
  ];
  const proc = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ...(process.env.NODE_OPTIONS && { NODE_OPTIONS: process.env.NODE_OPTIONS }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-20_000);
  };
  proc.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`a server did not start in ${startTimeoutMs / 1000} s:\n${out}`)),
      startTimeoutMs,
    );
    proc.stdout?.on('data', (chunk: Buffer) => {
      keep(chunk);
      const ready = /\{"benchServerReady":true,"port":(\d+),"pid":(\d+)\}/.exec(out);
      if (ready) {
        clearTimeout(timer);
        resolve({
          proc,
          pid: Number(ready[2]),
          base: { host: '127.0.0.1', port: Number(ready[1]) },
          exited,
          output: () => out,
        });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`a server exited (code ${proc.exitCode}) before listening:\n${out}`));
    });
  });
}

export async function stopChild(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 8000, 'timeout').unref());
  if ((await Promise.race([child.exited, timeout])) === 'timeout') {
    child.proc.kill('SIGKILL');
    await child.exited;
  }
}

export interface Reply {
  status: number;
  body: string;
  /** performance.now() when the response ended. */
  at: number;
}

export const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function call(
  base: Child['base'],
  method: string,
  path: string,
  key: string | null,
  body?: string,
  agent: http.Agent = keepAliveAgent,
): { done: Promise<Reply>; req: http.ClientRequest } {
  let req!: http.ClientRequest;
  const done = new Promise<Reply>((resolve, reject) => {
    req = http.request(
      {
        ...base,
        method,
        path,
        agent,
        headers: {
          ...(key && { authorization: `Bearer ${key}` }),
          ...(body !== undefined && {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            at: performance.now(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  return { done, req };
}

export async function json<T>(reply: Promise<Reply>, expected: number, what: string): Promise<T> {
  const { status, body } = await reply;
  if (status !== expected)
    throw new Error(`${what}: expected ${expected}, got ${status}: ${body.slice(0, 300)}`);
  return JSON.parse(body) as T;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
