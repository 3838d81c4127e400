/**
 * The job queue behind the outbox: work to do after a state change (open a GitHub issue, deliver a
 * webhook, update a Slack message). Jobs tied to a change are queued by the port that makes the
 * change, in its transaction (`RequestStore.transition(…, jobs)`, `OutboundStore.insertDelivery`);
 * this port queues free-standing work and lets `app/services/job-runner.ts` claim and finish jobs.
 */

/** A job to queue. */
export interface JobInput {
  kind: string;
  payload: Record<string, unknown>;
  /** Earliest time to run (ISO-8601); when absent, as soon as possible. */
  runAt?: string;
}

export type JobStatus = 'queued' | 'done' | 'failed';

export interface Job {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  status: JobStatus;
  /** Next time it may run; while claimed, the end of the claim's lease. */
  runAt: string;
  /** Runs started so far (a claim counts as one). */
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface JobFilter {
  kind?: string;
  status?: JobStatus;
  limit: number;
}

export interface JobQueue {
  /** Queues jobs on their own (work not tied to a request change). */
  enqueueJobs(jobs: JobInput[], at: string): Promise<void>;
  /**
   * Takes up to `limit` queued jobs due at `now`, oldest due first, counting an attempt for each
   * and leasing them for `leaseSeconds` (their `runAt` moves to the lease's end), so a worker that
   * dies mid-job gives them back instead of losing them. Concurrent claims never share a job.
   */
  claimJobs(now: string, limit: number, leaseSeconds: number): Promise<Job[]>;
  /**
   * Marks a claimed job done. Rejects with a `conflict` StoreError when it is not queued, or, with
   * `attempt` (the claim's `attempts`), when it was claimed again since (its lease ran out and another
   * worker, maybe on another instance, took it): a late worker never finishes someone else's claim.
   */
  completeJob(id: string, at: string, attempt?: number): Promise<void>;
  /** Puts a claimed job back in the queue until `runAt`, remembering why it failed (`attempt`: as above). */
  retryJob(id: string, runAt: string, error: string, at: string, attempt?: number): Promise<void>;
  /**
   * Moves the lease of a job still held by claim `attempt` to `until` (ISO-8601), so a job that runs
   * longer than its lease is not taken over while it runs. Rejects with a `conflict` StoreError when
   * that claim is over (as `completeJob`).
   */
  renewJobLease(id: string, until: string, at: string, attempt: number): Promise<void>;
  /** Gives up on a job: it stays visible with its last error (`attempt`: as above). */
  failJob(id: string, error: string, at: string, attempt?: number): Promise<void>;
  getJob(id: string): Promise<Job | null>;
  /** Newest first. */
  listJobs(filter: JobFilter): Promise<Job[]>;
}
