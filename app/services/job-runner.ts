import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Job } from '../ports/store.js';

/** Thrown by a handler when retrying cannot help (the job is marked failed at once). */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export interface JobKind {
  /** Does the work; throwing retries later with backoff, `PermanentJobError` gives up. */
  handle(job: Job): Promise<void>;
  /** Attempts before giving up (default 8). */
  maxAttempts?: number;
  /** First retry delay (default 5 s); doubles per attempt, with jitter, up to `maxDelayMs` (default 1 h). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface JobRunnerOptions {
  store: JobQueue;
  clock: Clock;
  log: Logger;
  /** How often due jobs are looked for when nobody calls `wake()` (default 1 s). */
  intervalMs?: number;
  /** How long a claimed job is leased before another worker may take it (default 60 s). */
  leaseSeconds?: number;
  /** How often a running job's lease is renewed (default: a third of the lease). */
  renewEveryMs?: number;
  /** Jobs run at once (default 8). */
  concurrency?: number;
  random?: () => number;
}

/** `min(max, base × 2^(attempt-1))`, scaled by a random factor in [0.5, 1) so retries spread out. */
export function backoffDelayMs(attempt: number, base: number, max: number, random: () => number): number {
  return Math.round(Math.min(max, base * 2 ** (attempt - 1)) * (0.5 + random() / 2));
}

/**
 * Runs queued jobs (the outbox) outside every API request: claims due jobs, runs their kind's
 * handler, and completes, retries with exponential backoff and jitter, or fails them after a bounded
 * number of attempts. A crash mid-job leaves it leased; it runs again when the lease ends.
 */
export class JobRunner {
  readonly #kinds = new Map<string, JobKind>();
  readonly #options: Required<Omit<JobRunnerOptions, 'store' | 'clock' | 'log'>>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | null = null;
  #again = false;

  constructor(private readonly deps: JobRunnerOptions) {
    this.#options = {
      intervalMs: deps.intervalMs ?? 1000,
      leaseSeconds: deps.leaseSeconds ?? 60,
      renewEveryMs: deps.renewEveryMs ?? ((deps.leaseSeconds ?? 60) * 1000) / 3,
      concurrency: deps.concurrency ?? 8,
      random: deps.random ?? Math.random,
    };
  }

  register(kind: string, config: JobKind): void {
    if (this.#kinds.has(kind)) throw new Error(`job kind "${kind}" is registered twice`);
    this.#kinds.set(kind, config);
  }

  start(): void {
    this.#timer ??= setInterval(() => this.wake(), this.#options.intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Runs due jobs soon (after a change queued some); calls during a run schedule one more. */
  wake(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    void this.runOnce();
  }

  /** Runs every job due now; resolves with how many ran. */
  runOnce(): Promise<number> {
    if (this.#running) return this.#running;
    this.#running = this.#drain().finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
    return this.#running;
  }

  /** Resolves when no run is in progress. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<number> {
    let ran = 0;
    for (;;) {
      let jobs: Job[];
      try {
        jobs = await this.deps.store.claimJobs(
          this.deps.clock.now().toISOString(),
          this.#options.concurrency,
          this.#options.leaseSeconds,
        );
      } catch (error) {
        this.deps.log.error({ err: error }, 'could not claim jobs; will retry');
        return ran;
      }
      await Promise.all(jobs.map((job) => this.#run(job)));
      ran += jobs.length;
      if (jobs.length < this.#options.concurrency) return ran;
    }
  }

  async #run(job: Job): Promise<void> {
    const { store, clock, log } = this.deps;
    const kind = this.#kinds.get(job.kind);
    const at = () => clock.now().toISOString();
    const renewal = this.#keepLeased(job);
    try {
      if (!kind) throw new PermanentJobError(`no handler for job kind "${job.kind}"`);
      await kind.handle(job).finally(renewal.stop);
      // Fenced by the claim: if the lease ran out and another worker took the job, this finishes nothing.
      await store.completeJob(job.id, at(), job.attempts);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const maxAttempts = kind?.maxAttempts ?? 8;
      try {
        if (error instanceof PermanentJobError || job.attempts >= maxAttempts) {
          log.warn(
            { jobId: job.id, kind: job.kind, attempts: job.attempts, error: message },
            'job failed for good',
          );
          await store.failJob(job.id, message, at(), job.attempts);
        } else {
          const delay = backoffDelayMs(
            job.attempts,
            kind?.baseDelayMs ?? 5000,
            kind?.maxDelayMs ?? 3_600_000,
            this.#options.random,
          );
          log.info(
            { jobId: job.id, kind: job.kind, attempts: job.attempts, error: message, delay },
            'job will retry',
          );
          await store.retryJob(
            job.id,
            new Date(clock.now().getTime() + delay).toISOString(),
            message,
            at(),
            job.attempts,
          );
        }
      } catch (storeError) {
        // The lease runs out and the job comes back: nothing is lost.
        log.error({ err: storeError, jobId: job.id }, 'could not record the job outcome');
      }
    } finally {
      renewal.stop();
    }
  }

  /**
   * Renews a running job's lease every `renewEveryMs`, so a slow job (GitHub answering slowly, say) is
   * not taken over by another worker while it still runs: a job runs twice only when its worker died.
   * A claim found over (taken over after all) stops the renewals; the job's end is then refused too.
   */
  #keepLeased(job: Job): { stop: () => void } {
    const { store, clock, log } = this.deps;
    let stopped = false;
    const stop = () => {
      stopped = true;
      clearInterval(timer);
    };
    const timer = setInterval(() => {
      const now = clock.now();
      const until = new Date(now.getTime() + this.#options.leaseSeconds * 1000).toISOString();
      store.renewJobLease(job.id, until, now.toISOString(), job.attempts).catch((error: unknown) => {
        // After the job ended, a renewal that lost the race to its completion is expected.
        if (stopped) return;
        stop();
        log.warn({ err: error, jobId: job.id, kind: job.kind }, 'could not renew a running job’s lease');
      });
    }, this.#options.renewEveryMs);
    timer.unref();
    return { stop };
  }
}
