/**
 * The Store on SQLite (better-sqlite3). Every state change runs inside a BEGIN IMMEDIATE transaction
 * (a group commit, see write-batcher.ts), so processes sharing the file (the
 * server, and the CLI creating keys offline) take turns as writers and each reads the latest audit
 * hash under the write lock. The synchronous driver stays inside: callers see promises and
 * StoreErrors only.
 */
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditEntry, Review } from '../../../sdk/schemas.js';
import { GENESIS_HASH } from '../../approvals/audit-chain.js';
import {
  type ApiKeyPatch,
  type ApiKeyRecord,
  type AuditEventInput,
  type AuditFilter,
  type AuditHead,
  type DecisionChange,
  type IdempotencyInput,
  type InsertRequestResult,
  type Job,
  type JobInput,
  type JobStatus,
  type RequestFilter,
  type RequestRecord,
  type Store,
  StoreError,
  type TransitionResult,
} from '../../ports/store.js';
import { type ChainedAuditEntry, chainAuditEntries, newStoreId } from '../store-values.js';
import { checkedCount, createListQueries, toUtcIso } from './list-queries.js';
import { applyMigrations } from './migrations.js';
import { createOutboundMethods } from './outbound-store.js';
import {
  fromApiKeyRow,
  fromGitHubCheckRunRow,
  fromGitHubIssueRow,
  fromJobRow,
  fromRequestRow,
  type JobRow,
  toApiKeyRow,
  toRequestRow,
} from './rows.js';
import { toStoreError } from './sqlite-error.js';
import { prepareStatements } from './statements.js';
import { type BatchState, type CommitSync, createWriteBatcher } from './write-batcher.js';

/**
 * `full`: an acknowledged change survives a power loss or OS crash. Each group commit
 * (write-batcher.ts) fsyncs the WAL file once, on libuv's thread pool, and its promises settle
 * after that: what `PRAGMA synchronous = FULL` does inside COMMIT, without holding the event loop
 * for the disk. SQLite itself runs at NORMAL, which still syncs the WAL before each checkpoint and
 * the database file after it, so nothing the WAL held is lost when it restarts.
 * `normal`: no fsync at commit; a committed transaction is in the WAL file, which the OS keeps when
 * the process dies (kill -9 included), but a power loss or OS crash can drop the last ones.
 */
export type SqliteSynchronous = 'full' | 'normal';

export interface SqliteStoreOptions {
  /** A file path (its directory is created) or `':memory:'`. */
  path: string;
  /** Default `full` (`AGENTGATE_SQLITE_SYNCHRONOUS`, docs/operations.md "Durability"). */
  synchronous?: SqliteSynchronous;
}

/** The per-connection settings of the store's connection (pragmas are not stored in the file). */
export function configureConnection(db: Database.Database): void {
  // Commits are made durable per group commit by `walSync` (see SqliteSynchronous).
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Statement journals (a group commit run change by change uses SAVEPOINTs, write-batcher.ts) stay
  // in memory instead of a temp file: that was 10× more writes than the WAL itself.
  db.pragma('temp_store = MEMORY');
}

export async function openSqliteStore({ path, synchronous = 'full' }: SqliteStoreOptions): Promise<Store> {
  const db = openDatabaseFile(path);
  try {
    configureConnection(db);
    applyMigrations(db);
    return createSqliteStore(db, synchronous === 'full' && path !== ':memory:' ? walSync(db) : undefined);
  } catch (error) {
    db.close();
    throw toStoreError(error, `open the SQLite database "${path}"`);
  }
}

/**
 * Opens the file (creating its directory), in WAL mode, waiting up to 5 s for another process's
 * write transaction instead of failing at once.
 */
function openDatabaseFile(path: string): Database.Database {
  let db: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (error) {
    throw toStoreError(error, `open the SQLite database "${path}"`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    return db;
  } catch (error) {
    db.close();
    throw toStoreError(error, `open the SQLite database "${path}"`);
  }
}

/**
 * Brings the SQLite file up to date without opening a store (`agentgate migrate`): the versions
 * applied now and the version it is at.
 */
export async function migrateSqliteDatabase(path: string): Promise<{ applied: number[]; version: number }> {
  const db = openDatabaseFile(path);
  try {
    const applied = applyMigrations(db);
    const version = Number(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() ?? 0);
    return { applied, version };
  } catch (error) {
    throw toStoreError(error, `migrate the SQLite database "${path}"`);
  } finally {
    db.close();
  }
}

/**
 * An fsync of the database's WAL file (`<file>-wal`), which SQLite keeps while a connection is open:
 * it flushes the file whatever descriptor wrote it. `fdatasync`, as SQLite's own syncs on Linux: the
 * data and the size needed to read it back, not the modification time (no journal commit when a
 * restarted WAL is overwritten in place). The directory is synced once, so the WAL file's own entry
 * survives too. `close` closes the descriptor once no sync is in flight.
 */
export function walSync(db: Database.Database): CommitSync & { close(): void } {
  db.prepare('SELECT count(*) FROM sqlite_master').get(); // the WAL exists once the file was read
  const walPath = `${db.name}-wal`;
  const dir = openSync(dirname(walPath), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  const fd = openSync(walPath, 'r');
  let inFlight = 0;
  let closing = false;
  return {
    async(done) {
      inFlight += 1;
      fdatasync(fd, (error) => {
        inFlight -= 1;
        if (closing && inFlight === 0) closeSync(fd);
        done(error);
      });
    },
    now() {
      fdatasyncSync(fd);
    },
    close() {
      if (closing) return;
      closing = true;
      if (inFlight === 0) closeSync(fd);
    },
  };
}

function createSqliteStore(db: Database.Database, sync?: ReturnType<typeof walSync>): Store {
  const sql = prepareStatements(db);
  const lists = createListQueries(db);

  /** The audit head row; its absence means someone deleted it behind the triggers' back. */
  function readAuditHead(): AuditHead {
    const row = sql.auditHead.get();
    if (!row) {
      throw new StoreError(
        'failed',
        'The audit head (table audit_head) has no row: it was deleted outside AgentGate, so the audit ' +
          'trail can no longer be checked for truncation. Restore the database from a backup.',
      );
    }
    return { count: row.count, lastHash: row.last_hash };
  }

  /**
   * The audit head while a write batch runs (write-batcher.ts): read once after its BEGIN, moved by
   * each append, written back once before its COMMIT. Null outside a batch.
   */
  let batchHead: AuditHead | null = null;
  let batchHeadRead: AuditHead | null = null;
  const auditHeadState: BatchState<AuditHead | null> = {
    begin() {
      batchHeadRead = readAuditHead();
      batchHead = batchHeadRead;
    },
    save: () => batchHead,
    restore(saved) {
      batchHead = saved;
    },
    end() {
      const head = batchHead as AuditHead;
      if (head !== batchHeadRead) sql.setAuditHead.run(head.count, head.lastHash as string);
      batchHead = null;
      batchHeadRead = null;
    },
  };

  /**
   * Appends under the batch's write transaction, chaining from the audit head (not from the last row
   * of the table: after a truncation, new entries still point at the deleted ones, so verify tells);
   * the head moves with it and is written at the batch's end, in the same transaction.
   */
  function appendEvents(events: readonly AuditEventInput[]): ChainedAuditEntry[] {
    if (events.length === 0) return [];
    const head = batchHead;
    if (!head) throw new Error('audit entries are appended inside a write batch only');
    const chained = chainAuditEntries(events, head.lastHash ?? GENESIS_HASH);
    for (const { row } of chained) sql.insertAudit.run(...row);
    batchHead = { count: head.count + chained.length, lastHash: (chained.at(-1) as ChainedAuditEntry).hash };
    return chained;
  }

  /** Queues jobs under the caller's write transaction. */
  function insertJobs(jobs: readonly JobInput[] | undefined, at: string): void {
    for (const job of jobs ?? []) {
      sql.insertJob.run(
        newStoreId('job'),
        job.kind,
        JSON.stringify(job.payload),
        toUtcIso(job.runAt ?? at, 'runAt'),
        at,
        at,
      );
    }
  }

  const getRequestRecord = (id: string): RequestRecord | null => {
    const row = sql.getRequest.get(id);
    return row ? fromRequestRow(row) : null;
  };

  const tx = {
    insertRequest: (
      request: RequestRecord,
      events: AuditEventInput[],
      idempotency?: IdempotencyInput,
      jobs?: JobInput[],
    ) => {
      if (idempotency) {
        const seen = sql.findIdempotency.get(idempotency.ownerId, idempotency.key);
        if (seen) {
          const original = getRequestRecord(seen.request_id);
          if (!original) throw new Error(`idempotency key points to missing request ${seen.request_id}`);
          const kind = seen.fingerprint === idempotency.fingerprint ? 'existing' : 'idempotency_conflict';
          return { kind, request: original } satisfies InsertRequestResult;
        }
      }
      const row = toRequestRow(request);
      sql.insertRequest.run(row);
      if (idempotency) {
        sql.insertIdempotency.run(
          idempotency.ownerId,
          idempotency.key,
          idempotency.fingerprint,
          request.id,
          request.createdAt,
        );
      }
      appendEvents(events);
      insertJobs(jobs, request.createdAt);
      // What a read will return (a copy, JSON-normalized), without reading it back.
      return { kind: 'created', request: fromRequestRow(row) } satisfies InsertRequestResult;
    },
    transition: (
      id: string,
      change: DecisionChange,
      events: AuditEventInput[],
      jobs?: JobInput[],
    ): TransitionResult => {
      const { status, decidedBy, decisionReason, at, review, reviewBefore } = change;
      const reviewJson = review === undefined ? null : JSON.stringify(review);
      const row = sql.transition.get(
        status,
        decidedBy,
        decisionReason,
        at,
        at,
        reviewJson,
        id,
        ...expectedReviewArgs(reviewBefore),
      );
      if (!row) return { ok: false, request: getRequestRecord(id) };
      appendEvents(events);
      insertJobs(jobs, at);
      return { ok: true, request: fromRequestRow(row) };
    },
    updateReview: (
      id: string,
      review: Review,
      at: string,
      events: AuditEventInput[],
      jobs?: JobInput[],
      expectedReview?: Review | null,
    ) => {
      const row = sql.updateReview.get(JSON.stringify(review), at, id, ...expectedReviewArgs(expectedReview));
      if (!row) return null;
      appendEvents(events);
      insertJobs(jobs, at);
      return fromRequestRow(row);
    },
    enqueueJobs: (jobs: JobInput[], at: string) => insertJobs(jobs, at),
    claimJobs: (now: string, limit: number, leaseUntil: string): Job[] =>
      sql.dueJobs
        .all(now, limit)
        .map((due) => sql.leaseJob.get(leaseUntil, now, due.id))
        .filter((row): row is JobRow => row !== undefined)
        .map(fromJobRow),
    finishJob: (
      id: string,
      status: JobStatus,
      error: string | null,
      runAt: string | null,
      at: string,
      attempt: number | undefined,
    ) => {
      if (!sql.finishJob.get(status, error, runAt, at, id, attempt ?? null)) {
        throw new StoreError(
          'conflict',
          attempt === undefined
            ? `Job ${id} is not queued (unknown, done or failed).`
            : `Job ${id} is not queued, or was claimed again after attempt ${attempt}: that claim is over.`,
        );
      }
    },
    appendAudit: (events: AuditEventInput[]): AuditEntry[] =>
      appendEvents(events).map((chained) => chained.entry()),
    insertApiKey: (key: ApiKeyRecord, events: AuditEventInput[]) => {
      sql.insertApiKey.run(toApiKeyRow(key));
      appendEvents(events);
    },
    updateApiKey: (id: string, patch: ApiKeyPatch, events: AuditEventInput[]) => {
      const row = sql.updateApiKeyRateLimit.get(patch.rateLimit, id);
      if (!row) return null;
      appendEvents(events);
      return fromApiKeyRow(row);
    },
    revokeApiKey: (id: string, at: string, events: AuditEventInput[]) => {
      const row = sql.revokeApiKey.get(at, id);
      if (row) {
        appendEvents(events);
        return fromApiKeyRow(row);
      }
      // Unknown (null), or already revoked: keep the first revocation and log nothing new.
      const existing = sql.getApiKey.get(id);
      return existing ? fromApiKeyRow(existing) : null;
    },
  };

  let closed = false;
  const batcher = createWriteBatcher(db, sync, auditHeadState);
  /** Queues a state change (a better-sqlite3 transaction function) for the next group commit. */
  function write<T>(doing: string, change: () => T): Promise<T> {
    if (closed) return Promise.reject(new StoreError('closed', `Could not ${doing}: the store is closed.`));
    return batcher.write(doing, change);
  }
  /** Runs one read, with the error callers should see. */
  function run<T>(doing: string, call: () => T): T {
    if (closed) throw new StoreError('closed', `Could not ${doing}: the store is closed.`);
    try {
      return call();
    } catch (error) {
      throw toStoreError(error, doing);
    }
  }

  const outbound = createOutboundMethods({ db, appendEvents, insertJobs, write, run });

  return {
    kind: 'sqlite',
    // Outgoing webhooks and Slack messages (outbound-store.ts).
    ...outbound,

    async ping() {
      run('reach the database', () => sql.ping.get());
      // Health answers 503 (degraded) once writes are refused after a failed fsync.
      if (batcher.failure) {
        throw new StoreError(
          'failed',
          `An fsync of the database failed (${batcher.failure.message}); restart the server.`,
        );
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        try {
          batcher.flush();
        } finally {
          sync?.close();
        }
        try {
          // Refreshes the query planner's statistics, as SQLite advises at close; never waits for a lock.
          db.pragma('busy_timeout = 0');
          db.pragma('optimize');
        } catch {
          // Optional upkeep: another process holding the write lock must not make close fail.
        }
        db.close();
      } catch (error) {
        throw toStoreError(error, 'close the database');
      }
    },

    async insertRequest(request, events, idempotency, jobs) {
      return write(`store request ${request.id}`, () => tx.insertRequest(request, events, idempotency, jobs));
    },

    async getRequest(id) {
      return run(`read request ${id}`, () => getRequestRecord(id));
    },

    async listRequests(filter: RequestFilter) {
      return run('list requests', () => lists.requests(filter));
    },

    async transition(id, change, events, jobs) {
      return write(`decide request ${id}`, () => tx.transition(id, change, events, jobs));
    },

    async updateReview(id, review, at, events, jobs, expectedReview) {
      return write(`update the review of request ${id}`, () =>
        tx.updateReview(id, review, at, events, jobs, expectedReview),
      );
    },

    async enqueueJobs(jobs, at) {
      await write('queue jobs', () => tx.enqueueJobs(jobs, toUtcIso(at, 'at')));
    },

    async claimJobs(now, limit, leaseSeconds) {
      const nowIso = toUtcIso(now, 'now');
      const leaseUntil = new Date(Date.parse(nowIso) + leaseSeconds * 1000).toISOString();
      return write('claim jobs', () => tx.claimJobs(nowIso, checkedCount(limit, 'limit'), leaseUntil));
    },

    async completeJob(id, at, attempt) {
      await write(`complete job ${id}`, () => tx.finishJob(id, 'done', null, null, at, attempt));
    },

    async retryJob(id, runAt, error, at, attempt) {
      await write(`reschedule job ${id}`, () =>
        tx.finishJob(id, 'queued', error, toUtcIso(runAt, 'runAt'), at, attempt),
      );
    },

    async renewJobLease(id, until, at, attempt) {
      await write(`renew the lease of job ${id}`, () =>
        tx.finishJob(id, 'queued', null, toUtcIso(until, 'until'), at, attempt),
      );
    },

    async failJob(id, error, at, attempt) {
      await write(`fail job ${id}`, () => tx.finishJob(id, 'failed', error, null, at, attempt));
    },

    async getJob(id) {
      return run(`read job ${id}`, () => {
        const row = sql.getJob.get(id);
        return row ? fromJobRow(row) : null;
      });
    },

    async listJobs(filter) {
      return run('list jobs', () => lists.jobs(filter));
    },

    async findExpired(now, limit) {
      return run('find expired requests', () =>
        sql.findExpired.all(toUtcIso(now, 'now'), checkedCount(limit, 'limit')),
      );
    },

    async appendAudit(events) {
      return write('append to the audit trail', () => tx.appendAudit(events));
    },

    async listAudit(filter: AuditFilter) {
      return run('read the audit trail', () => lists.audit(filter));
    },

    async getAuditHead() {
      return run('read the audit head', readAuditHead);
    },

    async insertApiKey(key, events) {
      await write(`store API key ${key.id}`, () => tx.insertApiKey(key, events));
    },

    async findApiKeyByHash(keyHash) {
      return run('look up an API key', () => {
        const row = sql.findApiKeyByHash.get(keyHash);
        return row ? fromApiKeyRow(row) : null;
      });
    },

    async getApiKey(id) {
      return run(`read API key ${id}`, () => {
        const row = sql.getApiKey.get(id);
        return row ? fromApiKeyRow(row) : null;
      });
    },

    async listApiKeys() {
      return run('list API keys', () => sql.listApiKeys.all().map(fromApiKeyRow));
    },

    async updateApiKey(id, patch, _at, events) {
      return write(`update API key ${id}`, () => tx.updateApiKey(id, patch, events));
    },

    async revokeApiKey(id, at, events) {
      return write(`revoke API key ${id}`, () => tx.revokeApiKey(id, at, events));
    },

    async countActiveApiKeys() {
      return run('count API keys', () => sql.countActiveApiKeys.get() ?? 0);
    },

    // --- GitHub App ------------------------------------------------------------------------------

    async claimGitHubKey(key, at) {
      return write(`record ${key} as processed`, () => sql.claimGitHubKey.run(key, at).changes === 1);
    },

    async releaseGitHubKey(key) {
      await write(`forget ${key}`, () => sql.releaseGitHubKey.run(key));
    },

    async linkGitHubIssue(link) {
      return write(
        `link request ${link.requestId} to its issue`,
        () =>
          sql.linkGitHubIssue.run(link.requestId, link.repository, link.number, link.url, link.createdAt)
            .changes === 1,
      );
    },

    async getGitHubIssue(requestId) {
      return run(`read the issue of request ${requestId}`, () => {
        const row = sql.getGitHubIssue.get(requestId);
        return row ? fromGitHubIssueRow(row) : null;
      });
    },

    async findGitHubIssue(repository, number) {
      return run(`find issue ${repository}#${number}`, () => {
        const row = sql.findGitHubIssue.get(repository, number);
        return row ? fromGitHubIssueRow(row) : null;
      });
    },

    async listPendingGitHubIssues(limit, afterRequestId = '') {
      return run('list the issues of pending requests', () =>
        sql.listPendingGitHubIssues.all(afterRequestId, checkedCount(limit, 'limit')).map(fromGitHubIssueRow),
      );
    },

    async linkGitHubCheckRun(link) {
      await write(`link request ${link.requestId} to its check run`, () =>
        sql.linkGitHubCheckRun.run(
          link.requestId,
          link.repository,
          link.headSha.toLowerCase(),
          link.pullRequest,
          link.checkRunId,
          link.url,
          link.createdAt,
        ),
      );
    },

    async getGitHubCheckRun(requestId) {
      return run(`read the check run of request ${requestId}`, () => {
        const row = sql.getGitHubCheckRun.get(requestId);
        return row ? fromGitHubCheckRunRow(row) : null;
      });
    },

    async findPendingGitHubCheckRuns(repository, headSha) {
      return run(`find the check runs on ${repository}@${headSha}`, () =>
        sql.findPendingGitHubCheckRuns.all(repository, headSha.toLowerCase()).map(fromGitHubCheckRunRow),
      );
    },

    async findGitHubCheckRuns(repository, headSha) {
      return run(`find the check runs on ${repository}@${headSha}`, () =>
        sql.findGitHubCheckRuns.all(repository, headSha.toLowerCase()).map(fromGitHubCheckRunRow),
      );
    },

    async listPendingGitHubCheckRuns(limit, afterRequestId = '') {
      return run('list the check runs of pending requests', () =>
        sql.listPendingGitHubCheckRuns
          .all(afterRequestId, checkedCount(limit, 'limit'))
          .map(fromGitHubCheckRunRow),
      );
    },
  };
}

/** The compare-and-set parameters of the review statements: off, or the review's stored text. */
function expectedReviewArgs(expected: Review | null | undefined): [number, string | null] {
  return expected === undefined ? [0, null] : [1, expected === null ? null : JSON.stringify(expected)];
}
