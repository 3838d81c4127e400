/** The in-memory job queue: jobs queued with a change (`prepareJobs`) and the JobQueue port. */
import { type Job, type JobInput, type JobQueue, type JobStatus, StoreError } from '../../ports/store.js';
import { checkedCount, newStoreId, toUtcIso } from '../store-values.js';
import { ascending, copy, descending } from './json-copy.js';

export function createMemoryJobs(run: <T>(doing: string, call: () => T) => Promise<T>) {
  const jobs = new Map<string, Job>();

  /** The jobs to queue at `at`, ready to `commit`. */
  function prepareJobs(inputs: readonly JobInput[] | undefined, at: string): { commit(): void } {
    const ready = (inputs ?? []).map(
      (job): Job => ({
        id: newStoreId('job'),
        kind: job.kind,
        payload: copy(job.payload),
        status: 'queued',
        runAt: toUtcIso(job.runAt ?? at, 'runAt'),
        attempts: 0,
        lastError: null,
        createdAt: at,
        updatedAt: at,
      }),
    );
    return {
      commit() {
        for (const job of ready) jobs.set(job.id, job);
      },
    };
  }

  function finishJob(
    id: string,
    status: JobStatus,
    error: string | null,
    runAt: string | null,
    at: string,
    attempt: number | undefined,
  ) {
    const job = jobs.get(id);
    if (job?.status !== 'queued') {
      throw new StoreError('conflict', `Job ${id} is not queued (unknown, done or failed).`);
    }
    if (attempt !== undefined && job.attempts !== attempt) {
      throw new StoreError(
        'conflict',
        `Job ${id} was claimed again after attempt ${attempt}: that claim is over.`,
      );
    }
    jobs.set(id, {
      ...job,
      status,
      lastError: error ?? job.lastError,
      runAt: runAt ?? job.runAt,
      updatedAt: at,
    });
  }

  const methods: JobQueue = {
    enqueueJobs: (queued, at) => run('queue jobs', () => prepareJobs(queued, toUtcIso(at, 'at')).commit()),

    claimJobs: (now, limit, leaseSeconds) =>
      run('claim jobs', () => {
        const nowIso = toUtcIso(now, 'now');
        const leaseUntil = new Date(Date.parse(nowIso) + leaseSeconds * 1000).toISOString();
        const due = [...jobs.values()]
          .filter((job) => job.status === 'queued' && job.runAt <= nowIso)
          .sort((a, b) => ascending(a.runAt, b.runAt) || ascending(a.id, b.id))
          .slice(0, checkedCount(limit, 'limit'));
        return due.map((job) => {
          const leased = { ...job, runAt: leaseUntil, attempts: job.attempts + 1, updatedAt: nowIso };
          jobs.set(job.id, leased);
          return copy(leased);
        });
      }),

    completeJob: (id, at, attempt) =>
      run(`complete job ${id}`, () => finishJob(id, 'done', null, null, at, attempt)),

    retryJob: (id, runAt, error, at, attempt) =>
      run(`reschedule job ${id}`, () =>
        finishJob(id, 'queued', error, toUtcIso(runAt, 'runAt'), at, attempt),
      ),

    renewJobLease: (id, until, at, attempt) =>
      run(`renew the lease of job ${id}`, () =>
        finishJob(id, 'queued', null, toUtcIso(until, 'until'), at, attempt),
      ),

    failJob: (id, error, at, attempt) =>
      run(`fail job ${id}`, () => finishJob(id, 'failed', error, null, at, attempt)),

    getJob: (id) =>
      run(`read job ${id}`, () => {
        const job = jobs.get(id);
        return job ? copy(job) : null;
      }),

    listJobs: (filter) =>
      run('list jobs', () =>
        [...jobs.values()]
          .filter(
            (job) =>
              (filter.kind === undefined || job.kind === filter.kind) &&
              (filter.status === undefined || job.status === filter.status),
          )
          .sort((a, b) => descending(a.createdAt, b.createdAt) || descending(a.id, b.id))
          .slice(0, checkedCount(filter.limit, 'limit'))
          .map(copy),
      ),
  };

  return { prepareJobs, methods };
}
