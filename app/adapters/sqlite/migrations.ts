/**
 * Versioned schema migrations for the SQLite store. A migration, once released, never changes: a
 * schema change is a new migration with the next version. `schema_migrations` records what ran.
 */
import type Database from 'better-sqlite3';
import { StoreError } from '../../ports/store.js';

export interface Migration {
  /** 1, 2, 3… in order, no gaps. */
  version: number;
  name: string;
  /** SQL run inside the migration transaction (no BEGIN/COMMIT). */
  up: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'requests, idempotency, audit, api keys',
    up: `
      CREATE TABLE requests (
        id              TEXT PRIMARY KEY,
        owner_id        TEXT NOT NULL,
        action          TEXT NOT NULL,
        params          TEXT NOT NULL,
        context         TEXT NOT NULL,
        urgency         TEXT NOT NULL CHECK (urgency IN ('low', 'normal', 'high', 'critical')),
        status          TEXT NOT NULL
                        CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'cancelled')),
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        decided_at      TEXT,
        expires_at      TEXT NOT NULL,
        decided_by      TEXT,
        decision_reason TEXT,
        repository      TEXT,
        requester       TEXT NOT NULL,
        policy_decision TEXT NOT NULL,
        review          TEXT
      ) STRICT;
      -- Lists are newest first, optionally filtered by one of these columns.
      CREATE INDEX requests_created ON requests (created_at, id);
      CREATE INDEX requests_status ON requests (status, created_at, id);
      CREATE INDEX requests_action ON requests (action, created_at, id);
      CREATE INDEX requests_urgency ON requests (urgency, created_at, id);
      CREATE INDEX requests_owner ON requests (owner_id, created_at, id);
      -- The sweeper's query, the only one by expiry: an index of pending rows only, so it stays small
      -- however many requests exist and decided requests never touch it.
      CREATE INDEX requests_pending_expiry ON requests (expires_at, id) WHERE status = 'pending';
      -- A decision is final: the database refuses any change to a decided request.
      CREATE TRIGGER requests_decided_are_final BEFORE UPDATE ON requests
        WHEN OLD.status <> 'pending'
        BEGIN SELECT RAISE(ABORT, 'a decided request never changes'); END;

      CREATE TABLE idempotency (
        owner_id    TEXT NOT NULL,
        key         TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        request_id  TEXT NOT NULL REFERENCES requests (id),
        created_at  TEXT NOT NULL,
        PRIMARY KEY (owner_id, key)
      ) STRICT, WITHOUT ROWID;

      -- seq is the chain order; entries are only ever appended.
      CREATE TABLE audit (
        seq        INTEGER PRIMARY KEY,
        id         TEXT NOT NULL UNIQUE,
        request_id TEXT,
        event_type TEXT NOT NULL,
        actor      TEXT NOT NULL,
        details    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        prev_hash  TEXT NOT NULL,
        hash       TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_request ON audit (request_id, seq);
      CREATE INDEX audit_created ON audit (created_at);
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;

      CREATE TABLE api_keys (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        key_hash   TEXT NOT NULL UNIQUE,
        scopes     TEXT NOT NULL,
        rate_limit INTEGER,
        repository TEXT,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'jobs (outbox)',
    up: `
      CREATE TABLE jobs (
        id         TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        payload    TEXT NOT NULL,
        status     TEXT NOT NULL CHECK (status IN ('queued', 'done', 'failed')),
        run_at     TEXT NOT NULL,
        attempts   INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      -- The runner's query: queued jobs by due time.
      CREATE INDEX jobs_due ON jobs (run_at, id) WHERE status = 'queued';
      CREATE INDEX jobs_created ON jobs (created_at);
    `,
  },
  {
    version: 3,
    name: 'github: processed deliveries and comments, request issue links',
    up: `
      -- Webhook deliveries (delivery:<guid>) and issue comments (comment:<repo>#<id>) already handled,
      -- so a redelivery or a reconciliation pass never handles them twice.
      CREATE TABLE github_processed (
        key          TEXT PRIMARY KEY,
        processed_at TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      -- The issue where a request is reviewed. One per request, and one request per issue.
      CREATE TABLE github_issues (
        request_id TEXT PRIMARY KEY REFERENCES requests (id),
        repository TEXT NOT NULL COLLATE NOCASE,
        number     INTEGER NOT NULL,
        url        TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (repository, number)
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'outgoing webhooks, their delivery log, slack messages',
    up: `
      CREATE TABLE webhooks (
        id         TEXT PRIMARY KEY,
        url        TEXT NOT NULL,
        events     TEXT NOT NULL,
        secret     TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      -- One row per event per subscription; attempts update it. Deleting a subscription deletes its log.
      CREATE TABLE webhook_deliveries (
        id              TEXT PRIMARY KEY,
        webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        event           TEXT NOT NULL,
        request_id      TEXT,
        body            TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        response_status INTEGER,
        last_error      TEXT,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        delivered_at    TEXT
      ) STRICT;
      CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at, id);
      -- The Slack message of a request in each channel it was posted to.
      CREATE TABLE slack_messages (
        request_id TEXT NOT NULL REFERENCES requests (id),
        channel    TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        ts         TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (request_id, channel)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    name: 'requests by repository (policy pull requests replay them)',
    up: `
      -- GitHub compares repository names case-insensitively; so do the filters.
      CREATE INDEX requests_repository ON requests (repository COLLATE NOCASE, created_at, id);
    `,
  },
  {
    version: 6,
    name: 'github: request check run links',
    up: `
      -- The check run "AgentGate: <action>" where a request is reviewed on a commit. One per request
      -- (a newer run of the same request replaces the id: the latest run carries the state).
      CREATE TABLE github_check_runs (
        request_id   TEXT PRIMARY KEY REFERENCES requests (id),
        repository   TEXT NOT NULL COLLATE NOCASE,
        head_sha     TEXT NOT NULL,
        pull_request INTEGER,
        check_run_id INTEGER NOT NULL,
        url          TEXT NOT NULL,
        created_at   TEXT NOT NULL
      ) STRICT;
      -- PR reviews and comments find the pending requests gated on the PR's head commit.
      CREATE INDEX github_check_runs_commit ON github_check_runs (repository, head_sha);
    `,
  },
  {
    version: 7,
    name: 'audit head: entry count and last hash, so audit verify detects truncation',
    up: `
      -- One row, updated in the same transaction as every audit append: how many entries the trail
      -- has and the hash of the last. Deleting entries from the end (or all of them) leaves a valid
      -- chain behind; it no longer matches this head. Backfilled from the trail as it stands.
      CREATE TABLE audit_head (
        id        INTEGER PRIMARY KEY CHECK (id = 1),
        count     INTEGER NOT NULL CHECK (count >= 0),
        last_hash TEXT
      ) STRICT;
      INSERT INTO audit_head (id, count, last_hash)
        SELECT 1, count(*), (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1) FROM audit;
      CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
        BEGIN SELECT RAISE(ABORT, 'the audit head is never deleted'); END;
    `,
  },
  {
    version: 8,
    name: 'webhooks: enabled flag',
    up: `
      -- A disabled subscription keeps its settings and log but gets no new deliveries.
      ALTER TABLE webhooks ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1));
    `,
  },
];

/**
 * Brings the database up to the last of `migrations`, in one IMMEDIATE transaction (so two
 * processes opening a new file at once do not both migrate it). Returns the versions it applied:
 * none when the database was already up to date. Refuses a database that records a version this
 * build does not know: it was written by a newer AgentGate, and an older one must not touch it.
 */
export function applyMigrations(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => string = () => new Date().toISOString(),
): number[] {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration "${migration.name}" has version ${migration.version}, expected ${index + 1}`,
      );
    }
  });
  const migrate = db.transaction((): number[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TEXT NOT NULL
    ) STRICT`);
    const applied = new Set(
      db
        .prepare('SELECT version FROM schema_migrations')
        .pluck()
        .all()
        .map((version) => Number(version)),
    );
    const newest = Math.max(0, ...applied);
    if (newest > migrations.length) {
      throw new StoreError(
        'schema_too_new',
        `The database "${db.name}" has schema version ${newest}, but this AgentGate knows versions up to ` +
          `${migrations.length}. It was written by a newer AgentGate: upgrade AgentGate, or point it at ` +
          'another database file.',
      );
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.up);
      record.run(migration.version, migration.name, now());
      done.push(migration.version);
    }
    return done;
  });
  return migrate.immediate();
}
