import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../app/adapters/memory/memory-store.js';
import { createLogger } from '../../app/logger.js';
import type { Job, JobQueue } from '../../app/ports/job-queue.js';
import { backoffDelayMs, JobRunner, PermanentJobError } from '../../app/services/job-runner.js';
import { ManualClock } from '../helpers/manual-clock.js';

let store: JobQueue & { close(): Promise<void> };
let clock: ManualClock;
let runner: JobRunner;

beforeEach(async () => {
  store = createMemoryStore();
  clock = new ManualClock();
  runner = new JobRunner({ store, clock, log: createLogger('silent'), random: () => 0.5, concurrency: 4 });
});
afterEach(() => store.close());

const enqueue = (kind: string, payload: Record<string, unknown> = {}) =>
  store.enqueueJobs([{ kind, payload }], clock.now().toISOString());
const only = async (kind: string): Promise<Job> => {
  const [job] = await store.listJobs({ kind, limit: 1 });
  if (!job) throw new Error(`no ${kind} job`);
  return job;
};

describe('JobRunner', () => {
  it('runs due jobs and marks them done', async () => {
    const seen: unknown[] = [];
    runner.register('note', { handle: async (job) => void seen.push(job.payload) });
    await enqueue('note', { n: 1 });
    await enqueue('note', { n: 2 });
    expect(await runner.runOnce()).toBe(2);
    expect(seen).toHaveLength(2);
    expect(seen).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }]));
    expect((await store.listJobs({ status: 'done', limit: 10 })).length).toBe(2);
  });

  it('retries a failing job with exponential backoff, then gives up after maxAttempts', async () => {
    let calls = 0;
    runner.register('flaky', {
      maxAttempts: 3,
      baseDelayMs: 1000,
      handle: async () => {
        calls += 1;
        throw new Error(`receiver answered 503 (call ${calls})`);
      },
    });
    await enqueue('flaky');
    await runner.runOnce();
    let job = await only('flaky');
    // attempt 1 failed: next run after 1000 ms × 0.75 (jitter factor with random = 0.5)
    expect(job).toMatchObject({ status: 'queued', attempts: 1, lastError: 'receiver answered 503 (call 1)' });
    expect(Date.parse(job.runAt) - clock.now().getTime()).toBe(750);

    expect(await runner.runOnce()).toBe(0); // not due yet
    clock.advance(750);
    await runner.runOnce();
    job = await only('flaky');
    expect(Date.parse(job.runAt) - clock.now().getTime()).toBe(1500); // doubled

    clock.advance(1500);
    await runner.runOnce();
    job = await only('flaky');
    expect(job).toMatchObject({ status: 'failed', attempts: 3, lastError: 'receiver answered 503 (call 3)' });
    clock.advance(3_600_000);
    expect(await runner.runOnce()).toBe(0);
    expect(calls).toBe(3);
  });

  it('fails at once on a PermanentJobError, and on an unknown kind', async () => {
    runner.register('doomed', {
      handle: async () => {
        throw new PermanentJobError('the repository does not exist');
      },
    });
    await enqueue('doomed');
    await enqueue('mystery');
    await runner.runOnce();
    expect(await only('doomed')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await only('mystery')).toMatchObject({
      status: 'failed',
      lastError: 'no handler for job kind "mystery"',
    });
  });

  it('runs a job again when its worker died mid-run (the lease ran out)', async () => {
    await enqueue('crashy');
    // A worker claimed it and died: nothing completed it.
    expect(await store.claimJobs(clock.now().toISOString(), 10, 60)).toHaveLength(1);
    const seen: number[] = [];
    runner.register('crashy', { handle: async (job) => void seen.push(job.attempts) });
    expect(await runner.runOnce()).toBe(0);
    clock.advance(60_000);
    expect(await runner.runOnce()).toBe(1);
    expect(seen).toEqual([2]);
  });

  it('spreads retries with jitter and caps the delay', () => {
    expect(backoffDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffDelayMs(1, 1000, 60_000, () => 0.999)).toBe(1000);
    expect(backoffDelayMs(4, 1000, 60_000, () => 0.5)).toBe(6000);
    expect(backoffDelayMs(20, 1000, 60_000, () => 0.5)).toBe(45_000);
  });
});

describe('a job that runs longer than its lease', () => {
  it('keeps its lease while it runs, so no other worker takes it over', async () => {
    const slow = new JobRunner({
      store,
      clock,
      log: createLogger('silent'),
      leaseSeconds: 30,
      renewEveryMs: 5,
    });
    const other = new JobRunner({ store, clock, log: createLogger('silent'), leaseSeconds: 30 });
    let finish: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      slow.register('long', {
        handle: () =>
          new Promise<void>((done) => {
            finish = done;
            resolve();
          }),
      });
    });
    let ranElsewhere = 0;
    other.register('long', {
      handle: async () => {
        ranElsewhere += 1;
      },
    });
    await enqueue('long');
    const running = slow.runOnce();
    await started;
    const claimed = await only('long');
    // Past the first lease's end, once a renewal has moved it: the other worker finds nothing due.
    clock.advance(40_000);
    for (;;) {
      const job = await only('long');
      if (Date.parse(job.runAt) > clock.now().getTime()) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await other.runOnce()).toBe(0);
    finish();
    await running;
    expect(await only('long')).toMatchObject({ status: 'done', attempts: claimed.attempts });
    expect(ranElsewhere).toBe(0);
  });
});
