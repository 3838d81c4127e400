/**
 * The server under benchmark, as its own process: the real composition root (`startServer`) plus
 * two things only the benchmark needs. It prints its port on stdout (the listening log line is at
 * `info`, and the benchmark runs at `LOG_LEVEL=warn`), and over the IPC channel it answers
 * `{type: 'usage'}` with its memory, CPU time and event-loop utilization, after collecting garbage
 * when asked (`gc: true`; the process runs with `--expose-gc`) so memory is measured on a settled
 * heap, and after writing a heap snapshot when given `snapshotDir`. SIGTERM shuts down gracefully, like `agentgate serve`.
 */
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { startServer } from '../../app/main.js';

const { server, address } = await startServer(process.env);
process.stdout.write(`${JSON.stringify({ benchServerReady: true, port: address.port, pid: process.pid })}\n`);

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
  if (message.snapshotDir) writeHeapSnapshot(join(message.snapshotDir, `server-${Date.now()}.heapsnapshot`));
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
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The benchmark going away (even by kill -9) closes the IPC channel: do not outlive it.
process.on('disconnect', stop);
