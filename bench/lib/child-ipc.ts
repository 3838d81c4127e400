/**
 * What every benchmarked server process does besides serving (ours in `serve-entry.ts`, the express
 * baseline in `express-baseline.ts`), so both are measured the same way: it prints its port on
 * stdout, and over the IPC channel it answers `{type: 'usage'}` with its memory, CPU time and
 * event-loop utilization, after collecting garbage when asked (`gc: true`; the process runs with
 * `--expose-gc`) and after writing a heap snapshot when given `snapshotDir`. SIGTERM, SIGINT or the
 * benchmark going away (the IPC channel closing, even on kill -9) calls `close` and exits.
 */
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

export function serveBenchmark(port: number, close: () => Promise<void>): void {
  process.stdout.write(`${JSON.stringify({ benchServerReady: true, port, pid: process.pid })}\n`);

  const gc = (globalThis as { gc?: () => void }).gc;
  const report = () =>
    process.send?.({
      type: 'usage',
      memory: process.memoryUsage(),
      cpu: process.cpuUsage(),
      elu: performance.eventLoopUtilization(),
    });
  process.on('message', (message: { type?: string; gc?: boolean; snapshotDir?: string }) => {
    if (message?.type !== 'usage') return;
    if (message.snapshotDir)
      writeHeapSnapshot(join(message.snapshotDir, `server-${Date.now()}.heapsnapshot`));
    if (!message.gc || !gc) return report();
    gc();
    // A second pass after a turn of the loop collects what the first one's finalizers released.
    setImmediate(() => {
      gc();
      report();
    });
  });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}
