/**
 * The Store on SQLite (better-sqlite3). Every state change runs inside a BEGIN IMMEDIATE transaction
 * (its own SAVEPOINT within a group commit, see write-batcher.ts), so processes sharing the file (the
 * server, and the CLI creating keys offline) take turns as writers and each reads the latest audit
 * hash under the write lock. The synchronous driver stays inside: callers see promises and
 * StoreErrors only.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditEntry, Review } from '../../../sdk/schemas.js';
import { GENESIS_HASH, hashAuditEntry } from '../../approvals/audit-chain.js';
import {
  type ApiKeyRecord,
  type AuditEventInput,
  type AuditFilter,
  type DecisionChange,
  type IdempotencyInput,
  type InsertRequestResult,
  type RequestFilter,
  type RequestRecord,
  type Store,
  StoreError,
  type TransitionResult,
} from '../../ports/store.js';
import { newAuditId } from './audit-id.js';
import { applyMigrations } from './migrations.js';
import {
  type ApiKeyRow,
  type AuditRow,
  fromApiKeyRow,
  fromAuditRow,
  fromRequestRow,
  type RequestRow,
  toApiKeyRow,
  toRequestRow,
} from './rows.js';
import { toStoreError } from './sqlite-error.js';
import { createWriteBatcher } from './write-batcher.js';

export interface SqliteStoreOptions {
  /** A file path (its directory is created) or `':memory:'`. */
  path: string;
}

export async function openSqliteStore({ path }: SqliteStoreOptions): Promise<Store> {
  let db: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (error) {
    throw toStoreError(error, `open the SQLite database "${path}"`);
  }
  try {
    // Wait for another process's write transaction instead of failing at once.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL loses nothing when the process dies (kill -9 included): a committed
    // transaction is in the WAL file, which the OS keeps. Only a power loss or OS crash can drop the
    // last transactions; surviving that would need synchronous = FULL (an fsync per commit).
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    applyMigrations(db);
    return createSqliteStore(db);
  } catch (error) {
    db.close();
    throw toStoreError(error, `open the SQLite database "${path}"`);
  }
}

function createSqliteStore(db: Database.Database): Store {
  const sql = {
    ping: db.prepare('SELECT 1'),
    insertRequest: db.prepare(`INSERT INTO requests (id, owner_id, action, params, context, urgency, status,
        created_at, updated_at, decided_at, expires_at, decided_by, decision_reason, repository, requester,
        policy_decision, review)
      VALUES (@id, @owner_id, @action, @params, @context, @urgency, @status, @created_at, @updated_at,
        @decided_at, @expires_at, @decided_by, @decision_reason, @repository, @requester, @policy_decision,
        @review)`),
    getRequest: db.prepare<[string], RequestRow>('SELECT * FROM requests WHERE id = ?'),
    findIdempotency: db.prepare<[string, string], { fingerprint: string; request_id: string }>(
      'SELECT fingerprint, request_id FROM idempotency WHERE owner_id = ? AND key = ?',
    ),
    insertIdempotency: db.prepare(
      'INSERT INTO idempotency (owner_id, key, fingerprint, request_id, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    transition: db.prepare<[string, string, string | null, string, string, string], RequestRow>(
      `UPDATE requests SET status = ?, decided_by = ?, decision_reason = ?, decided_at = ?, updated_at = ?
       WHERE id = ? AND status = 'pending' RETURNING *`,
    ),
    updateReview: db.prepare<[string, string, string], RequestRow>(
      `UPDATE requests SET review = ?, updated_at = ? WHERE id = ? AND status = 'pending' RETURNING *`,
    ),
    findExpired: db
      .prepare<[string, number], string>(
        `SELECT id FROM requests WHERE status = 'pending' AND expires_at <= ?
         ORDER BY expires_at, id LIMIT ?`,
      )
      .pluck(),
    lastHash: db.prepare<[], string>('SELECT hash FROM audit ORDER BY seq DESC LIMIT 1').pluck(),
    insertAudit: db.prepare(`INSERT INTO audit (id, request_id, event_type, actor, details, created_at,
        prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    insertApiKey: db.prepare(`INSERT INTO api_keys (id, name, key_hash, scopes, rate_limit, repository,
        created_at, revoked_at)
      VALUES (@id, @name, @key_hash, @scopes, @rate_limit, @repository, @created_at, @revoked_at)`),
    findApiKeyByHash: db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE key_hash = ?'),
    getApiKey: db.prepare<[string], ApiKeyRow>('SELECT * FROM api_keys WHERE id = ?'),
    listApiKeys: db.prepare<[], ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, rowid'),
    revokeApiKey: db.prepare<[string, string], ApiKeyRow>(
      'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING *',
    ),
    countActiveApiKeys: db
      .prepare<[], number>('SELECT count(*) FROM api_keys WHERE revoked_at IS NULL')
      .pluck(),
  };

  // List queries depend on which filters are set: one statement per shape, prepared on first use.
  const filtered = new Map<string, Database.Statement>();
  const prepared = (text: string): Database.Statement => {
    let statement = filtered.get(text);
    if (!statement) {
      statement = db.prepare(text);
      filtered.set(text, statement);
    }
    return statement;
  };

  /** Appends under the caller's write transaction, chaining from the last entry in the table. */
  function appendEvents(events: readonly AuditEventInput[]): AuditEntry[] {
    let prevHash = sql.lastHash.get() ?? GENESIS_HASH;
    return events.map((event) => {
      const detailsJson = JSON.stringify(event.details);
      // Hash what a reader will get back, so `toJSON` values or `undefined` fields cannot make the
      // stored entry disagree with its hash.
      const content = {
        id: newAuditId(),
        requestId: event.requestId,
        eventType: event.eventType,
        actor: event.actor,
        details: JSON.parse(detailsJson) as Record<string, unknown>,
        createdAt: event.createdAt,
        prevHash,
      };
      const entry: AuditEntry = { ...content, hash: hashAuditEntry(content) };
      sql.insertAudit.run(
        entry.id,
        entry.requestId,
        entry.eventType,
        entry.actor,
        detailsJson,
        entry.createdAt,
        entry.prevHash,
        entry.hash,
      );
      prevHash = entry.hash;
      return entry;
    });
  }

  const getRequestRecord = (id: string): RequestRecord | null => {
    const row = sql.getRequest.get(id);
    return row ? fromRequestRow(row) : null;
  };

  const tx = {
    insertRequest: db.transaction(
      (request: RequestRecord, events: AuditEventInput[], idempotency?: IdempotencyInput) => {
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
        // What a read will return (a copy, JSON-normalized), without reading it back.
        return { kind: 'created', request: fromRequestRow(row) } satisfies InsertRequestResult;
      },
    ),
    transition: db.transaction(
      (id: string, change: DecisionChange, events: AuditEventInput[]): TransitionResult => {
        const { status, decidedBy, decisionReason, at } = change;
        const row = sql.transition.get(status, decidedBy, decisionReason, at, at, id);
        if (!row) return { ok: false, request: getRequestRecord(id) };
        appendEvents(events);
        return { ok: true, request: fromRequestRow(row) };
      },
    ),
    updateReview: db.transaction((id: string, review: Review, at: string, events: AuditEventInput[]) => {
      const row = sql.updateReview.get(JSON.stringify(review), at, id);
      if (!row) return null;
      appendEvents(events);
      return fromRequestRow(row);
    }),
    appendAudit: db.transaction((events: AuditEventInput[]) => appendEvents(events)),
    insertApiKey: db.transaction((key: ApiKeyRecord, events: AuditEventInput[]) => {
      sql.insertApiKey.run(toApiKeyRow(key));
      appendEvents(events);
    }),
    revokeApiKey: db.transaction((id: string, at: string, events: AuditEventInput[]) => {
      const row = sql.revokeApiKey.get(at, id);
      if (row) {
        appendEvents(events);
        return fromApiKeyRow(row);
      }
      // Unknown (null), or already revoked: keep the first revocation and log nothing new.
      const existing = sql.getApiKey.get(id);
      return existing ? fromApiKeyRow(existing) : null;
    }),
  };

  let closed = false;
  const batcher = createWriteBatcher(db);
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

  return {
    kind: 'sqlite',

    async ping() {
      run('reach the database', () => sql.ping.get());
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        batcher.flush();
        db.close();
      } catch (error) {
        throw toStoreError(error, 'close the database');
      }
    },

    async insertRequest(request, events, idempotency) {
      return write(`store request ${request.id}`, () => tx.insertRequest(request, events, idempotency));
    },

    async getRequest(id) {
      return run(`read request ${id}`, () => getRequestRecord(id));
    },

    async listRequests(filter: RequestFilter) {
      return run('list requests', () => {
        const clauses: string[] = [];
        const values: unknown[] = [];
        const where = (clause: string, value: unknown) => {
          if (value === undefined) return;
          clauses.push(clause);
          values.push(value);
        };
        where('status = ?', filter.status);
        where('action = ?', filter.action);
        where('urgency = ?', filter.urgency);
        where('owner_id = ?', filter.ownerId);
        const whereSql = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
        const rows = prepared(
          `SELECT * FROM requests ${whereSql} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
        ).all(...values, checkedCount(filter.limit, 'limit'), checkedCount(filter.offset, 'offset'));
        const total = prepared(`SELECT count(*) FROM requests ${whereSql}`)
          .pluck()
          .get(...values) as number;
        return { requests: (rows as RequestRow[]).map(fromRequestRow), total };
      });
    },

    async transition(id, change, events) {
      return write(`decide request ${id}`, () => tx.transition(id, change, events));
    },

    async updateReview(id, review, at, events) {
      return write(`update the review of request ${id}`, () => tx.updateReview(id, review, at, events));
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
      return run('read the audit trail', () => {
        const clauses: string[] = [];
        const values: unknown[] = [];
        const where = (clause: string, value: unknown) => {
          if (value === undefined) return;
          clauses.push(clause);
          values.push(value);
        };
        where('request_id = ?', filter.requestId);
        where('event_type = ?', filter.eventType);
        where('actor = ?', filter.actor);
        where('created_at >= ?', filter.since === undefined ? undefined : toUtcIso(filter.since, 'since'));
        where('created_at < ?', filter.until === undefined ? undefined : toUtcIso(filter.until, 'until'));
        const whereSql = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
        const rows = prepared(`SELECT * FROM audit ${whereSql} ORDER BY seq LIMIT ? OFFSET ?`).all(
          ...values,
          checkedCount(filter.limit, 'limit'),
          checkedCount(filter.offset, 'offset'),
        );
        return (rows as AuditRow[]).map(fromAuditRow);
      });
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

    async revokeApiKey(id, at, events) {
      return write(`revoke API key ${id}`, () => tx.revokeApiKey(id, at, events));
    },

    async countActiveApiKeys() {
      return run('count API keys', () => sql.countActiveApiKeys.get() ?? 0);
    },
  };
}

/** Stored times are UTC `…sssZ` strings compared as text, so bounds must be in the same form. */
function toUtcIso(value: string, name: string): string {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new RangeError(`${name} is not an ISO-8601 time: "${value}"`);
  return time.toISOString();
}

/** SQLite reads a negative LIMIT as "no limit": refuse it rather than return everything. */
function checkedCount(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number ≥ 0, got ${value}`);
  }
  return value;
}
