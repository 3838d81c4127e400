import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Separate processes: native modules (better-sqlite3) and signal handlers stay per file.
    pool: 'forks',
    // Most files wait on sockets, child processes and timers more than they compute, so run more
    // files than cores; vitest's default (cores - 1) runs one file at a time on a 2-core machine.
    maxWorkers: Math.max(4, availableParallelism()),
    // Bounds for a busy 2-core machine. No test waits on purpose for anything near this long:
    // time is a ManualClock or an awaited event (see test/helpers/until.ts and manual-clock.ts).
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
