#!/usr/bin/env node
/**
 * Keeps every core busy, to check that the test suite passes on a loaded machine:
 *   node scripts/cpu-load.mjs & npm test; kill %1
 * One worker thread per core (or `--threads N`) spins until the process is stopped, or for
 * `--seconds N`.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';

if (isMainThread) {
  const args = process.argv.slice(2);
  const option = (name) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : undefined);
  const seconds = option('--seconds');
  const count = option('--threads') ?? availableParallelism();
  const workers = Array.from({ length: count }, () => new Worker(new URL(import.meta.url)));
  console.error(`cpu-load: ${count} busy threads${seconds ? ` for ${seconds} s` : ' until stopped'}`);
  const timer = seconds ? setTimeout(() => stop(), seconds * 1000) : undefined;
  const stop = () => {
    clearTimeout(timer);
    for (const worker of workers) void worker.terminate();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  for (;;) Math.sqrt(Math.random());
}
