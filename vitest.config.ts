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
    // Hang guards, sized for a 2-core machine shared with other work (a test that spawns tsc or a
    // child process took over 20 s at a load average of 15). No test waits on purpose for anything
    // near this long: time is a ManualClock or an awaited event (test/helpers/until.ts, manual-clock.ts).
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
