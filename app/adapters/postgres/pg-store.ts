/**
 * The Store on PostgreSQL (node-postgres, pooled), for many AgentGate instances sharing one database.
 * Same records, same semantics as the SQLite store (whose row conversions it reuses, so both read back
 * identical values); every state change is one transaction on one pooled connection, committed before
 * its promise resolves (PostgreSQL's default synchronous commit: durable).
 *
 * Writes go through a group commit (pg-write-queue.ts): one transaction per batch, the batch holding
 * the audit head's row lock, so writes of all instances take turns; a create only appends rows, which
 * its batch writes with the other creates' in one statement (pg-appended-rows.ts).
 *
 * What makes it safe with several instances, inside the database rather than in one process:
 * - a decision or review change locks the request row (`SELECT … FOR UPDATE`) for its transaction, so
 *   of any number of concurrent decisions on any instances exactly one wins, and a review update made
 *   with `expectedReview` applies only to the review it was computed from;
 * - jobs are claimed with `FOR UPDATE SKIP LOCKED` and leased (`run_at` moves to the lease's end), so
 *   concurrent claimers never share a job and a dead claimer's jobs come back when the lease ends;
 * - delivery/comment claims and idempotency keys are primary keys: of two racing inserts one wins;
 * - audit appends lock the audit head row, so the hash chain has one order across instances.
 */
import pg from 'pg';
import type { Review } from '../../../sdk/schemas.js';
import { GENESIS_HASH } from '../../approvals/audit-chain.js';
import {
  type AuditEventInput,
  type AuditHead,
  type GitHubCheckRunLink,
  type InsertRequestResult,
  type JobInput,
  type JobStatus,
  type RequestRecord,
  type Store,
  StoreError,
} from '../../ports/store.js';
import {
  type ApiKeyRow,
  type AuditRow,
  fromApiKeyRow,
  fromAuditRow,
  fromGitHubCheckRunRow,
  fromGitHubIssueRow,
  fromJobRow,
  fromRequestRow,
  type GitHubCheckRunRow,
  type GitHubIssueRow,
  type JobRow,
  type RequestRow,
  toApiKeyRow,
  toRequestRow,
} from '../sqlite/rows.js';
import {
  type ChainedAuditEntry,
  chainAuditEntries,
  checkedCount,
  newStoreId,
  prepareAuditEntries,
  toUtcIso,
} from '../store-values.js';
import type { AppendedRows } from './pg-appended-rows.js';
import { toPgStoreError } from './pg-error.js';
import { applyPgMigrations } from './pg-migrations.js';
import { createPgOutboundMethods } from './pg-outbound.js';
import { prepared } from './pg-prepared.js';
import { batchAuditHead, closedError, createPgWriteQueue } from './pg-write-queue.js';

export interface PostgresStoreOptions {
  /** `postgres://…` or `postgresql://…`. */
  connectionString: string;
  /**
   * Schema for every table (created when missing); default: the connection's `search_path`
   * (normally `public`). Tests give each file its own.
   */
  schema?: string;
  /** Pool size per instance (default 10). */
  maxConnections?: number;
}

/** What `migratePostgres` did. */
export interface PgMigrationReport {
  applied: number[];
  version: number;
}

type Client = pg.PoolClient;

const PING_TIMEOUT_MS = 3000;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Where the data is, for messages: the URL without its password. */
export function describePostgresUrl(connectionString: string, schema?: string): string {
  let shown = connectionString;
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    shown = url.toString();
  } catch {
    shown = 'postgres://(unparsable URL)';
  }
  return schema ? `"${shown}" (schema ${schema})` : `"${shown}"`;
}

function createPool({ connectionString, schema, maxConnections }: PostgresStoreOptions): pg.Pool {
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new StoreError('failed', `"${schema}" is not a valid schema name (lowercase letters, digits, _).`);
  }
  const pool = new pg.Pool({
    connectionString,
    max: maxConnections ?? 10,
    connectionTimeoutMillis: 5000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection dropped by the server: the pool discards it, the next query opens another.
  pool.on('error', () => undefined);
  return pool;
}

/** Migrates under the advisory lock, creating the schema first when one is named. */
async function migrate(pool: pg.Pool, options: PostgresStoreOptions): Promise<PgMigrationReport> {
  const where = describePostgresUrl(options.connectionString, options.schema);
  let client: Client;
  try {
    client = await pool.connect();
  } catch (error) {
    throw toPgStoreError(error, `connect to PostgreSQL at ${where}`);
  }
  try {
    if (options.schema) {
      // Instances creating the schema at the same moment take turns (CREATE … IF NOT EXISTS races).
      await client.query('SELECT pg_advisory_lock($1)', [0x61676d67]);
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [0x61676d67]);
      }
    }
    const applied = await applyPgMigrations(client, where);
    const version = await client.query<{ v: number | null }>(
      'SELECT max(version) AS v FROM schema_migrations',
    );
    return { applied, version: Number(version.rows[0]?.v ?? 0) };
  } catch (error) {
    throw toPgStoreError(error, `migrate the PostgreSQL database ${where}`);
  } finally {
    client.release();
  }
}

/** Brings the schema up to date (what `agentgate migrate` runs) and says which versions it applied. */
export async function migratePostgres(options: PostgresStoreOptions): Promise<PgMigrationReport> {
  const pool = createPool(options);
  try {
    return await migrate(pool, options);
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** Opens a pool, migrates (once across instances starting together) and returns the Store. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = createPool(options);
  try {
    await migrate(pool, options);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return createPostgresStore(pool);
}

function createPostgresStore(pool: pg.Pool): Store {
  let closed = false;

  const queue = createPgWriteQueue(pool);
  /** Runs `change` in the next group commit (its own savepoint); resolves after COMMIT. */
  function write<T>(doing: string, change: (c: Client) => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(closedError(doing));
    return queue.write(doing, change);
  }

  /**
   * Queues a change that only appends rows (pg-write-queue.ts, `append`): `requests`, `jobs`, and the
   * audit entries `events` become, chained when they are written. Resolves with `answer` of its
   * entries once committed. Throws at once on details that are not JSON, before anything is queued.
   */
  function append<T>(
    doing: string,
    rows: {
      requests?: RequestRow[];
      jobs?: readonly JobInput[] | undefined;
      at: string;
      events?: readonly AuditEventInput[];
    },
    answer: (chained: ChainedAuditEntry[]) => T,
  ): Promise<T> {
    if (closed) return Promise.reject(closedError(doing));
    let appended: AppendedRows;
    try {
      appended = {
        requests: rows.requests ?? [],
        jobs: (rows.jobs ?? []).map((job) => ({
          id: newStoreId('job'),
          kind: job.kind,
          payload: JSON.stringify(job.payload),
          run_at: toUtcIso(job.runAt ?? rows.at, 'runAt'),
          created_at: rows.at,
          updated_at: rows.at,
        })),
        audit: prepareAuditEntries(rows.events ?? []),
      };
    } catch (error) {
      return Promise.reject(toPgStoreError(error, doing));
    }
    return queue.append(doing, { rows: appended, answer });
  }

  /** One read statement on any pooled connection. */
  async function read<R extends pg.QueryResultRow>(doing: string, text: string, values: unknown[] = []) {
    if (closed) throw closedError(doing);
    try {
      return (await pool.query<R>(text, values)).rows;
    } catch (error) {
      throw closed ? closedError(doing) : toPgStoreError(error, doing);
    }
  }

  /**
   * Writes a change's rows in ONE statement (data-modifying CTEs): `lead` (the request's INSERT, say),
   * then its jobs, then its audit entries, chained from the audit head the batch locked (appenders on
   * every instance take turns, each from the hash the previous one committed). One round trip where
   * there were three; the head moves only once the statement succeeded.
   */
  async function writeRows(
    c: Client,
    lead: { text: string; values: unknown[] } | null,
    jobs: readonly JobInput[] | undefined,
    at: string,
    events: readonly AuditEventInput[],
  ): Promise<ChainedAuditEntry[]> {
    const values: unknown[] = lead ? [...lead.values] : [];
    const parts: string[] = lead ? [lead.text] : [];
    const tuple = (row: unknown[]) => {
      const n = values.length;
      values.push(...row);
      return `(${row.map((_, i) => `$${n + i + 1}`).join(', ')})`;
    };
    if (jobs && jobs.length > 0) {
      const tuples = jobs.map((job) =>
        tuple([
          newStoreId('job'),
          job.kind,
          JSON.stringify(job.payload),
          'queued',
          toUtcIso(job.runAt ?? at, 'runAt'),
          0,
          at,
          at,
        ]),
      );
      parts.push(
        `INSERT INTO jobs (id, kind, payload, status, run_at, attempts, created_at, updated_at) VALUES ${tuples.join(', ')}`,
      );
    }
    const head = events.length > 0 ? batchAuditHead(c) : null;
    const entries = head ? chainAuditEntries(events, head.lastHash ?? GENESIS_HASH) : [];
    if (entries.length > 0) {
      const tuples = entries.map(({ row }) => tuple(row));
      // The identity column numbers the rows in VALUES order: the chain's order.
      parts.push(
        `INSERT INTO audit (id, request_id, event_type, actor, details, created_at, prev_hash, hash) VALUES ${tuples.join(', ')}`,
      );
    }
    if (parts.length === 0) return [];
    const last = parts.length - 1;
    const text =
      last === 0
        ? (parts[0] as string)
        : `WITH ${parts
            .slice(0, last)
            .map((part, i) => `w${i} AS (${part})`)
            .join(', ')} ${parts[last]}`;
    await c.query(prepared(text, values));
    if (head && entries.length > 0) {
      // The batch writes the moved head before it commits (pg-write-queue.ts).
      head.count += entries.length;
      head.lastHash = entries.at(-1)?.hash ?? head.lastHash;
    }
    return entries;
  }

  /** Appends under the caller's batch (see `writeRows`). */
  const appendEvents = (c: Client, events: readonly AuditEventInput[]): Promise<ChainedAuditEntry[]> =>
    writeRows(c, null, undefined, '', events);

  /** Queues jobs under the caller's transaction. */
  async function insertJobs(c: Client, jobs: readonly JobInput[] | undefined, at: string): Promise<void> {
    await writeRows(c, null, jobs, at, []);
  }

  async function requestIn(c: Client, id: string, lock = false): Promise<RequestRecord | null> {
    const row = (
      await c.query<RequestRow>(`SELECT * FROM requests WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id])
    ).rows[0];
    return row ? fromRequestRow(row) : null;
  }

  const checkRun = (row: GitHubCheckRunRow): GitHubCheckRunLink =>
    // bigint arrives as text: check run ids pass 2³¹ but stay far below 2⁵³.
    fromGitHubCheckRunRow({ ...row, check_run_id: Number(row.check_run_id) });

  const outbound = createPgOutboundMethods({ write, read, appendEvents, insertJobs });

  return {
    kind: 'postgres',
    ...outbound,

    async ping() {
      // Bounded, so /health answers 503 promptly when the server hangs rather than refuses.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StoreError('busy', 'Could not reach the database: no answer within 3 s.')),
          PING_TIMEOUT_MS,
        );
      });
      try {
        await Promise.race([read('reach the database', 'SELECT 1'), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        await queue.drain();
        await pool.end();
      } catch (error) {
        throw toPgStoreError(error, 'close the database');
      }
    },

    async insertRequest(request, events, idempotency, jobs) {
      if (!idempotency) {
        // Only appends: written with the other creates of its batch in one call.
        const row = toRequestRow(request);
        // What a read will return (a copy, JSON-normalized), without reading it back.
        const created: InsertRequestResult = { kind: 'created', request: fromRequestRow(row) };
        return append(
          `store request ${request.id}`,
          { requests: [row], jobs, at: request.createdAt, events },
          () => created,
        );
      }
      return write(`store request ${request.id}`, async (c): Promise<InsertRequestResult> => {
        if (idempotency) {
          // The key first: of two instances racing with one key, the second waits for the first to
          // commit, then inserts nothing and answers with the first's request.
          const claimed = await c.query(
            `INSERT INTO idempotency (owner_id, key, fingerprint, request_id, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (owner_id, key) DO NOTHING`,
            [idempotency.ownerId, idempotency.key, idempotency.fingerprint, request.id, request.createdAt],
          );
          if (claimed.rowCount !== 1) {
            const seen = (
              await c.query<{ fingerprint: string; request_id: string }>(
                'SELECT fingerprint, request_id FROM idempotency WHERE owner_id = $1 AND key = $2',
                [idempotency.ownerId, idempotency.key],
              )
            ).rows[0];
            if (!seen) throw new Error(`idempotency key ${idempotency.key} vanished`);
            const original = await requestIn(c, seen.request_id);
            if (!original) throw new Error(`idempotency key points to missing request ${seen.request_id}`);
            const kind = seen.fingerprint === idempotency.fingerprint ? 'existing' : 'idempotency_conflict';
            return { kind, request: original };
          }
        }
        const row = toRequestRow(request);
        const insert = {
          text: `INSERT INTO requests (id, owner_id, action, params, context, urgency, status, created_at,
             updated_at, decided_at, expires_at, decided_by, decision_reason, repository, requester,
             policy_decision, review)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
          values: [
            row.id,
            row.owner_id,
            row.action,
            row.params,
            row.context,
            row.urgency,
            row.status,
            row.created_at,
            row.updated_at,
            row.decided_at,
            row.expires_at,
            row.decided_by,
            row.decision_reason,
            row.repository,
            row.requester,
            row.policy_decision,
            row.review,
          ],
        };
        // The request, its jobs and its first audit entries: one statement.
        await writeRows(c, insert, jobs, request.createdAt, events);
        return { kind: 'created', request: fromRequestRow(row) };
      });
    },

    async getRequest(id) {
      const rows = await read<RequestRow>(`read request ${id}`, 'SELECT * FROM requests WHERE id = $1', [id]);
      return rows[0] ? fromRequestRow(rows[0]) : null;
    },

    async listRequests(filter) {
      const where = whereClause([
        ['status = ?', filter.status],
        ['action = ?', filter.action],
        ['urgency = ?', filter.urgency],
        ['owner_id = ?', filter.ownerId],
        ['lower(repository) = lower(?)', filter.repository],
        [
          "lower(repository) LIKE lower(?) ESCAPE '\\'",
          filter.repositoryOwner === undefined ? undefined : `${escapeLike(filter.repositoryOwner)}/%`,
        ],
      ]);
      const limit = checkedCount(filter.limit, 'limit');
      const offset = checkedCount(filter.offset, 'offset');
      const n = where.values.length;
      const rows = await read<RequestRow>(
        'list requests',
        `SELECT * FROM requests ${where.sql} ORDER BY created_at DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...where.values, limit, offset],
      );
      const total = await read<{ total: number }>(
        'count requests',
        `SELECT count(*)::integer AS total FROM requests ${where.sql}`,
        where.values,
      );
      return { requests: rows.map(fromRequestRow), total: total[0]?.total ?? 0 };
    },

    async transition(id, change, events, jobs) {
      return write(`decide request ${id}`, async (c) => {
        const { status, decidedBy, decisionReason, at, review, reviewBefore } = change;
        // The row lock serializes every decision and review change of this request, on every instance.
        const current = await requestIn(c, id, true);
        if (current?.status !== 'pending') return { ok: false, request: current };
        if (reviewBefore !== undefined && !sameReview(current.review, reviewBefore)) {
          return { ok: false, request: current };
        }
        const row = (
          await c.query<RequestRow>(
            `UPDATE requests SET status = $1, decided_by = $2, decision_reason = $3, decided_at = $4,
               updated_at = $4, review = coalesce($5, review)
             WHERE id = $6 RETURNING *`,
            [status, decidedBy, decisionReason, at, review === undefined ? null : JSON.stringify(review), id],
          )
        ).rows[0];
        if (!row) return { ok: false, request: null };
        await writeRows(c, null, jobs, at, events);
        return { ok: true, request: fromRequestRow(row) };
      });
    },

    async updateReview(id, review, at, events, jobs, expectedReview) {
      return write(`update the review of request ${id}`, async (c) => {
        const current = await requestIn(c, id, true);
        if (current?.status !== 'pending') return null;
        if (expectedReview !== undefined && !sameReview(current.review, expectedReview)) return null;
        const row = (
          await c.query<RequestRow>(
            'UPDATE requests SET review = $1, updated_at = $2 WHERE id = $3 RETURNING *',
            [JSON.stringify(review), at, id],
          )
        ).rows[0];
        if (!row) return null;
        await writeRows(c, null, jobs, at, events);
        return fromRequestRow(row);
      });
    },

    async findExpired(now, limit) {
      const rows = await read<{ id: string }>(
        'find expired requests',
        `SELECT id FROM requests WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2`,
        [toUtcIso(now, 'now'), checkedCount(limit, 'limit')],
      );
      return rows.map((row) => row.id);
    },

    async enqueueJobs(jobs, at) {
      const atIso = toUtcIso(at, 'at');
      await append('queue jobs', { jobs, at: atIso }, () => undefined);
    },

    async claimJobs(now, limit, leaseSeconds) {
      const nowIso = toUtcIso(now, 'now');
      const leaseUntil = new Date(Date.parse(nowIso) + leaseSeconds * 1000).toISOString();
      const count = checkedCount(limit, 'limit');
      // SKIP LOCKED: a job another instance is claiming right now is left to it, never handed out twice.
      return write('claim jobs', async (c) => {
        const rows = await c.query<JobRow & { due_at: string }>(
          `WITH due AS (
             SELECT id, run_at FROM jobs WHERE status = 'queued' AND run_at <= $1
             ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
           ), leased AS (
             UPDATE jobs j SET run_at = $3, attempts = j.attempts + 1, updated_at = $1
             FROM due WHERE j.id = due.id RETURNING j.*, due.run_at AS due_at
           )
           SELECT * FROM leased ORDER BY due_at, id`,
          [nowIso, count, leaseUntil],
        );
        return rows.rows.map(fromJobRow);
      });
    },

    async completeJob(id, at, attempt) {
      await finishJob(id, 'done', null, null, at, attempt, `complete job ${id}`);
    },

    async retryJob(id, runAt, error, at, attempt) {
      await finishJob(id, 'queued', error, toUtcIso(runAt, 'runAt'), at, attempt, `reschedule job ${id}`);
    },

    async renewJobLease(id, until, at, attempt) {
      await finishJob(
        id,
        'queued',
        null,
        toUtcIso(until, 'until'),
        at,
        attempt,
        `renew the lease of job ${id}`,
      );
    },

    async failJob(id, error, at, attempt) {
      await finishJob(id, 'failed', error, null, at, attempt, `fail job ${id}`);
    },

    async getJob(id) {
      const rows = await read<JobRow>(`read job ${id}`, 'SELECT * FROM jobs WHERE id = $1', [id]);
      return rows[0] ? fromJobRow(rows[0]) : null;
    },

    async listJobs(filter) {
      const where = whereClause([
        ['kind = ?', filter.kind],
        ['status = ?', filter.status],
      ]);
      const rows = await read<JobRow>(
        'list jobs',
        `SELECT * FROM jobs ${where.sql} ORDER BY created_at DESC, id DESC LIMIT $${where.values.length + 1}`,
        [...where.values, checkedCount(filter.limit, 'limit')],
      );
      return rows.map(fromJobRow);
    },

    async appendAudit(events) {
      return append('append to the audit trail', { at: '', events }, (chained) =>
        chained.map((entry) => entry.entry()),
      );
    },

    async listAudit(filter) {
      const where = whereClause([
        ['request_id = ?', filter.requestId],
        ['event_type = ?', filter.eventType],
        ['actor = ?', filter.actor],
        ['created_at >= ?', filter.since === undefined ? undefined : toUtcIso(filter.since, 'since')],
        ['created_at < ?', filter.until === undefined ? undefined : toUtcIso(filter.until, 'until')],
      ]);
      const n = where.values.length;
      const rows = await read<AuditRow>(
        'read the audit trail',
        `SELECT * FROM audit ${where.sql} ORDER BY seq LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...where.values, checkedCount(filter.limit, 'limit'), checkedCount(filter.offset, 'offset')],
      );
      return rows.map(fromAuditRow);
    },

    async getAuditHead(): Promise<AuditHead> {
      const rows = await read<{ count: string; last_hash: string | null }>(
        'read the audit head',
        'SELECT count, last_hash FROM audit_head WHERE id = 1',
      );
      const row = rows[0];
      if (!row) {
        throw new StoreError(
          'failed',
          'The audit head (table audit_head) has no row: it was deleted outside AgentGate, so the audit ' +
            'trail can no longer be checked for truncation. Restore the database from a backup.',
        );
      }
      return { count: Number(row.count), lastHash: row.last_hash };
    },

    async insertApiKey(key, events) {
      await write(`store API key ${key.id}`, async (c) => {
        const row = toApiKeyRow(key);
        await c.query(
          `INSERT INTO api_keys (id, name, key_hash, scopes, rate_limit, repository, created_at, revoked_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            row.id,
            row.name,
            row.key_hash,
            row.scopes,
            row.rate_limit,
            row.repository,
            row.created_at,
            row.revoked_at,
          ],
        );
        await appendEvents(c, events);
      });
    },

    async findApiKeyByHash(keyHash) {
      const rows = await read<ApiKeyRow>('look up an API key', 'SELECT * FROM api_keys WHERE key_hash = $1', [
        keyHash,
      ]);
      return rows[0] ? fromApiKeyRow(rows[0]) : null;
    },

    async getApiKey(id) {
      const rows = await read<ApiKeyRow>(`read API key ${id}`, 'SELECT * FROM api_keys WHERE id = $1', [id]);
      return rows[0] ? fromApiKeyRow(rows[0]) : null;
    },

    async listApiKeys() {
      const rows = await read<ApiKeyRow>('list API keys', 'SELECT * FROM api_keys ORDER BY created_at, seq');
      return rows.map(fromApiKeyRow);
    },

    async updateApiKey(id, patch, _at, events) {
      return write(`update API key ${id}`, async (c) => {
        const row = (
          await c.query<ApiKeyRow>('UPDATE api_keys SET rate_limit = $1 WHERE id = $2 RETURNING *', [
            patch.rateLimit,
            id,
          ])
        ).rows[0];
        if (!row) return null;
        await appendEvents(c, events);
        return fromApiKeyRow(row);
      });
    },

    async revokeApiKey(id, at, events) {
      return write(`revoke API key ${id}`, async (c) => {
        const row = (
          await c.query<ApiKeyRow>(
            'UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING *',
            [at, id],
          )
        ).rows[0];
        if (row) {
          await appendEvents(c, events);
          return fromApiKeyRow(row);
        }
        // Unknown (null), or already revoked: keep the first revocation and log nothing new.
        const existing = (await c.query<ApiKeyRow>('SELECT * FROM api_keys WHERE id = $1', [id])).rows[0];
        return existing ? fromApiKeyRow(existing) : null;
      });
    },

    async countActiveApiKeys() {
      const rows = await read<{ n: number }>(
        'count API keys',
        'SELECT count(*)::integer AS n FROM api_keys WHERE revoked_at IS NULL',
      );
      return rows[0]?.n ?? 0;
    },

    // --- GitHub App ------------------------------------------------------------------------------

    async claimGitHubKey(key, at) {
      // The primary key decides: whichever instance inserts first handles the delivery.
      return write(`record ${key} as processed`, async (c) => {
        const result = await c.query(
          'INSERT INTO github_processed (key, processed_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
          [key, at],
        );
        return result.rowCount === 1;
      });
    },

    async releaseGitHubKey(key) {
      await write(`forget ${key}`, (c) => c.query('DELETE FROM github_processed WHERE key = $1', [key]));
    },

    async linkGitHubIssue(link) {
      return write(`link request ${link.requestId} to its issue`, async (c) => {
        const result = await c.query(
          `INSERT INTO github_issues (request_id, repository, number, url, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (request_id) DO NOTHING`,
          [link.requestId, link.repository, link.number, link.url, link.createdAt],
        );
        return result.rowCount === 1;
      });
    },

    async getGitHubIssue(requestId) {
      const rows = await read<GitHubIssueRow>(
        `read the issue of request ${requestId}`,
        'SELECT * FROM github_issues WHERE request_id = $1',
        [requestId],
      );
      return rows[0] ? fromGitHubIssueRow(rows[0]) : null;
    },

    async findGitHubIssue(repository, number) {
      const rows = await read<GitHubIssueRow>(
        `find issue ${repository}#${number}`,
        'SELECT * FROM github_issues WHERE lower(repository) = lower($1) AND number = $2',
        [repository, number],
      );
      return rows[0] ? fromGitHubIssueRow(rows[0]) : null;
    },

    async listPendingGitHubIssues(limit, afterRequestId = '') {
      const rows = await read<GitHubIssueRow>(
        'list the issues of pending requests',
        `SELECT g.* FROM github_issues g JOIN requests r ON r.id = g.request_id
         WHERE r.status = 'pending' AND g.request_id > $1 ORDER BY g.request_id LIMIT $2`,
        [afterRequestId, checkedCount(limit, 'limit')],
      );
      return rows.map(fromGitHubIssueRow);
    },

    async linkGitHubCheckRun(link) {
      await write(`link request ${link.requestId} to its check run`, (c) =>
        c.query(
          `INSERT INTO github_check_runs (request_id, repository, head_sha, pull_request, check_run_id, url, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (request_id) DO UPDATE SET check_run_id = excluded.check_run_id, url = excluded.url`,
          [
            link.requestId,
            link.repository,
            link.headSha.toLowerCase(),
            link.pullRequest,
            link.checkRunId,
            link.url,
            link.createdAt,
          ],
        ),
      );
    },

    async getGitHubCheckRun(requestId) {
      const rows = await read<GitHubCheckRunRow>(
        `read the check run of request ${requestId}`,
        'SELECT * FROM github_check_runs WHERE request_id = $1',
        [requestId],
      );
      return rows[0] ? checkRun(rows[0]) : null;
    },

    async findPendingGitHubCheckRuns(repository, headSha) {
      const rows = await read<GitHubCheckRunRow>(
        `find the check runs on ${repository}@${headSha}`,
        `SELECT c.* FROM github_check_runs c JOIN requests r ON r.id = c.request_id
         WHERE lower(c.repository) = lower($1) AND c.head_sha = $2 AND r.status = 'pending'
         ORDER BY c.created_at, c.request_id`,
        [repository, headSha.toLowerCase()],
      );
      return rows.map(checkRun);
    },

    async findGitHubCheckRuns(repository, headSha) {
      const rows = await read<GitHubCheckRunRow>(
        `find the check runs on ${repository}@${headSha}`,
        `SELECT * FROM github_check_runs WHERE lower(repository) = lower($1) AND head_sha = $2
         ORDER BY created_at, request_id`,
        [repository, headSha.toLowerCase()],
      );
      return rows.map(checkRun);
    },

    async listPendingGitHubCheckRuns(limit, afterRequestId = '') {
      const rows = await read<GitHubCheckRunRow>(
        'list the check runs of pending requests',
        `SELECT c.* FROM github_check_runs c JOIN requests r ON r.id = c.request_id
         WHERE r.status = 'pending' AND c.request_id > $1 ORDER BY c.request_id LIMIT $2`,
        [afterRequestId, checkedCount(limit, 'limit')],
      );
      return rows.map(checkRun);
    },
  };

  async function finishJob(
    id: string,
    status: JobStatus,
    error: string | null,
    runAt: string | null,
    at: string,
    attempt: number | undefined,
    doing: string,
  ): Promise<void> {
    await write(doing, async (c) => {
      // With `attempt`, only the latest claim may finish the job (a late worker whose lease ran out
      // and whose job another instance took finishes nothing).
      const result = await c.query(
        `UPDATE jobs SET status = $1, last_error = coalesce($2, last_error), run_at = coalesce($3, run_at),
           updated_at = $4 WHERE id = $5 AND status = 'queued' AND attempts = coalesce($6::integer, attempts)`,
        [status, error, runAt, at, id, attempt ?? null],
      );
      if (result.rowCount !== 1) {
        throw new StoreError(
          'conflict',
          attempt === undefined
            ? `Job ${id} is not queued (unknown, done or failed).`
            : `Job ${id} is not queued, or was claimed again after attempt ${attempt}: that claim is over.`,
        );
      }
    });
  }
}

/** `WHERE a = $1 AND b = $2` over the conditions whose value is set (`?` marks the parameter). */
function whereClause(conditions: [string, string | undefined][]): { sql: string; values: string[] } {
  const set = conditions.filter((c): c is [string, string] => c[1] !== undefined);
  const clauses = set.map(([clause], i) => clause.replace('?', `$${i + 1}`));
  return {
    sql: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '',
    values: set.map(([, value]) => value),
  };
}

/** `LIKE` treats `%` and `_` as wildcards: match them literally. */
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Reviews compare by their JSON text, as stored (the SQLite store compares the same text in SQL). */
function sameReview(stored: Review | null, expected: Review | null): boolean {
  return JSON.stringify(stored) === JSON.stringify(expected);
}
