#!/usr/bin/env node
/**
 * Keeps every core busy, to check that the test suite passes on a loaded machine:
 *   node scripts/cpu-load.mjs & npm test; kill %1
 * One worker thread per core (or `node scripts/cpu-load.mjs 4`) spins until the process is
 * stopped, or for `--seconds N`.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';

if (isMainThread) {
  const args = process.argv.slice(2);
  const seconds = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : undefined;
  const count = Number(args.find((a) => /^\d+$/.test(a) && a !== String(seconds))) || availableParallelism();
  const workers = Array.from({ length: count }, () => new Worker(new URL(import.meta.url)));
  console.error(`cpu-load: ${count} busy threads${seconds ? ` for ${seconds} s` : ' until stopped'}`);
  const stop = () => {
    for (const worker of workers) void worker.terminate();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (seconds) setTimeout(stop, seconds * 1000);
} else {
  for (;;) Math.sqrt(Math.random());
}
