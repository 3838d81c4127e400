/**
 * Versioned schema migrations for the PostgreSQL store: its own SQL, not the SQLite files. A
 * migration, once released, never changes: a schema change is a new migration with the next version.
 * `schema_migrations` records what ran.
 *
 * Values are stored as the SQLite store stores them (ISO-8601 UTC text for times, JSON text for nested
 * values), so both stores read back byte-identical records and compare times as text. Text that is
 * sorted or compared (ids, times) uses the "C" collation: byte order, as in SQLite, whatever the
 * database's locale.
 */
import type pg from 'pg';
import { StoreError } from '../../ports/store.js';

export interface PgMigration {
  /** 1, 2, 3… in order, no gaps. */
  version: number;
  name: string;
  /** SQL run inside the migration transaction. */
  up: string;
}

/**
 * The NOTIFY channel on which every change of an API key (revoked, its rate limit changed, deleted by
 * hand) is announced with the key's id, by a trigger, at commit: instances that cache keys drop it
 * (pg-notify-bus.ts, api-key-service.ts). Part of migration 2; never renamed.
 */
export const API_KEY_CHANGES_CHANNEL = 'agentgate_api_keys';

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'the whole schema of SQLite version 8: requests, audit, api keys, jobs, github, outbound',
    up: `
      CREATE TABLE requests (
        id              text COLLATE "C" PRIMARY KEY,
        owner_id        text COLLATE "C" NOT NULL,
        action          text COLLATE "C" NOT NULL,
        params          text NOT NULL,
        context         text NOT NULL,
        urgency         text NOT NULL CHECK (urgency IN ('low', 'normal', 'high', 'critical')),
        status          text NOT NULL
                        CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'cancelled')),
        created_at      text COLLATE "C" NOT NULL,
        updated_at      text COLLATE "C" NOT NULL,
        decided_at      text COLLATE "C",
        expires_at      text COLLATE "C" NOT NULL,
        decided_by      text,
        decision_reason text,
        repository      text,
        requester       text NOT NULL,
        policy_decision text NOT NULL,
        review          text
      );
      CREATE INDEX requests_created ON requests (created_at, id);
      CREATE INDEX requests_status ON requests (status, created_at, id);
      CREATE INDEX requests_action ON requests (action, created_at, id);
      CREATE INDEX requests_urgency ON requests (urgency, created_at, id);
      CREATE INDEX requests_owner ON requests (owner_id, created_at, id);
      CREATE INDEX requests_repository ON requests (lower(repository), created_at, id);
      -- The sweeper's query: pending rows only, in expiry order.
      CREATE INDEX requests_pending_expiry ON requests (expires_at, id) WHERE status = 'pending';
      -- A decision is final: the database refuses any change to a decided request.
      CREATE FUNCTION agentgate_decided_are_final() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'a decided request never changes'; END $$;
      CREATE TRIGGER requests_decided_are_final BEFORE UPDATE ON requests
        FOR EACH ROW WHEN (OLD.status <> 'pending') EXECUTE FUNCTION agentgate_decided_are_final();

      -- Unique across every instance: of two inserts racing with one key, one wins. The request it
      -- names is inserted after it in the same transaction, so the reference is checked at commit.
      CREATE TABLE idempotency (
        owner_id    text COLLATE "C" NOT NULL,
        key         text COLLATE "C" NOT NULL,
        fingerprint text NOT NULL,
        request_id  text COLLATE "C" NOT NULL REFERENCES requests (id) DEFERRABLE INITIALLY DEFERRED,
        created_at  text NOT NULL,
        PRIMARY KEY (owner_id, key)
      );

      -- seq is the chain order; appends take the audit head's row lock first, so seq order is commit order.
      CREATE TABLE audit (
        seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id         text COLLATE "C" NOT NULL UNIQUE,
        request_id text COLLATE "C",
        event_type text COLLATE "C" NOT NULL,
        actor      text COLLATE "C" NOT NULL,
        details    text NOT NULL,
        created_at text COLLATE "C" NOT NULL,
        prev_hash  text NOT NULL,
        hash       text NOT NULL
      );
      CREATE INDEX audit_request ON audit (request_id, seq);
      CREATE INDEX audit_created ON audit (created_at);
      CREATE FUNCTION agentgate_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$;
      CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION agentgate_append_only();
      CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION agentgate_append_only();

      -- One row, moved in the same transaction as every append (see the SQLite migration 7).
      CREATE TABLE audit_head (
        id        integer PRIMARY KEY CHECK (id = 1),
        count     bigint NOT NULL CHECK (count >= 0),
        last_hash text
      );
      INSERT INTO audit_head (id, count, last_hash) VALUES (1, 0, NULL);
      CREATE FUNCTION agentgate_head_kept() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit head is never deleted'; END $$;
      CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
        FOR EACH ROW EXECUTE FUNCTION agentgate_head_kept();

      CREATE TABLE api_keys (
        seq        bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id         text COLLATE "C" PRIMARY KEY,
        name       text NOT NULL,
        key_hash   text NOT NULL UNIQUE,
        scopes     text NOT NULL,
        rate_limit integer,
        repository text,
        created_at text COLLATE "C" NOT NULL,
        revoked_at text
      );

      -- The outbox. A claimed job stays queued with run_at at the end of its lease.
      CREATE TABLE jobs (
        id         text COLLATE "C" PRIMARY KEY,
        kind       text COLLATE "C" NOT NULL,
        payload    text NOT NULL,
        status     text NOT NULL CHECK (status IN ('queued', 'done', 'failed')),
        run_at     text COLLATE "C" NOT NULL,
        attempts   integer NOT NULL DEFAULT 0,
        last_error text,
        created_at text COLLATE "C" NOT NULL,
        updated_at text NOT NULL
      );
      CREATE INDEX jobs_due ON jobs (run_at, id) WHERE status = 'queued';
      CREATE INDEX jobs_created ON jobs (created_at, id);

      -- Deliveries and comments handled: the primary key makes a claim unique across instances.
      CREATE TABLE github_processed (
        key          text COLLATE "C" PRIMARY KEY,
        processed_at text NOT NULL
      );
      CREATE TABLE github_issues (
        request_id text COLLATE "C" PRIMARY KEY REFERENCES requests (id),
        repository text NOT NULL,
        number     integer NOT NULL,
        url        text NOT NULL,
        created_at text COLLATE "C" NOT NULL
      );
      -- GitHub compares repository names case-insensitively: one request per issue, whatever the case.
      CREATE UNIQUE INDEX github_issues_issue ON github_issues (lower(repository), number);
      CREATE TABLE github_check_runs (
        request_id   text COLLATE "C" PRIMARY KEY REFERENCES requests (id),
        repository   text NOT NULL,
        head_sha     text COLLATE "C" NOT NULL,
        pull_request integer,
        check_run_id bigint NOT NULL,
        url          text NOT NULL,
        created_at   text COLLATE "C" NOT NULL
      );
      CREATE INDEX github_check_runs_commit ON github_check_runs (lower(repository), head_sha);

      CREATE TABLE webhooks (
        seq        bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id         text COLLATE "C" PRIMARY KEY,
        url        text NOT NULL,
        events     text NOT NULL,
        secret     text NOT NULL,
        enabled    boolean NOT NULL DEFAULT true,
        created_at text COLLATE "C" NOT NULL
      );
      CREATE TABLE webhook_deliveries (
        id              text COLLATE "C" PRIMARY KEY,
        webhook_id      text COLLATE "C" NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        event           text NOT NULL,
        request_id      text,
        body            text NOT NULL,
        status          text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts        integer NOT NULL DEFAULT 0,
        response_status integer,
        last_error      text,
        created_at      text COLLATE "C" NOT NULL,
        updated_at      text NOT NULL,
        delivered_at    text
      );
      CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at, id);
      CREATE TABLE slack_messages (
        request_id text COLLATE "C" NOT NULL REFERENCES requests (id),
        channel    text COLLATE "C" NOT NULL,
        channel_id text NOT NULL,
        ts         text NOT NULL,
        created_at text COLLATE "C" NOT NULL,
        PRIMARY KEY (request_id, channel)
      );
    `,
  },
  {
    version: 2,
    name: 'API key changes announced (cache invalidation across instances)',
    up: `
      CREATE FUNCTION agentgate_api_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify('agentgate_api_keys', CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END);
          RETURN NULL;
        END $$;
      CREATE TRIGGER api_keys_changed AFTER UPDATE OR DELETE ON api_keys
        FOR EACH ROW EXECUTE FUNCTION agentgate_api_key_changed();
    `,
  },
  {
    version: 3,
    name: 'appended rows written in one call, audit entries chained in the database',
    // pg-appended-rows.ts: a batch's new requests, jobs and audit entries (JSON arrays of rows) in one
    // statement. The audit head is locked only after the requests and jobs are in, and each entry's
    // hash is computed here, as audit-chain.ts computes it (`chainHash`): SHA-256 (hex) of the
    // previous hash, a newline and the entry's content, in UTF-8. The entries are chained from the
    // head given (a batch that already holds the head's lock and has moved it) or else from the
    // head row, locked here. Returns the head as moved, the hash it moved from, and each entry's
    // hash; null head values when there were no entries.
    up: `
      CREATE FUNCTION agentgate_append(new_requests json, new_jobs json, new_audit json,
        from_count bigint, from_hash text)
      RETURNS TABLE (head_count bigint, first_prev text, hashes text[])
      LANGUAGE plpgsql AS $$
      DECLARE
        n bigint;
        prev text;
        contents text[];
        prevs text[] := ARRAY[]::text[];
        out_hashes text[] := ARRAY[]::text[];
      BEGIN
        IF new_requests IS NOT NULL THEN
          INSERT INTO requests (id, owner_id, action, params, context, urgency, status, created_at,
              updated_at, decided_at, expires_at, decided_by, decision_reason, repository, requester,
              policy_decision, review)
            SELECT id, owner_id, action, params, context, urgency, status, created_at, updated_at,
              decided_at, expires_at, decided_by, decision_reason, repository, requester,
              policy_decision, review
            FROM json_populate_recordset(NULL::requests, new_requests);
        END IF;
        IF new_jobs IS NOT NULL THEN
          INSERT INTO jobs (id, kind, payload, status, run_at, attempts, created_at, updated_at)
            SELECT id, kind, payload, 'queued', run_at, 0, created_at, updated_at
            FROM json_to_recordset(new_jobs)
              AS t(id text, kind text, payload text, run_at text, created_at text, updated_at text);
        END IF;
        IF new_audit IS NULL OR json_array_length(new_audit) = 0 THEN
          RETURN QUERY SELECT NULL::bigint, NULL::text, out_hashes;
          RETURN;
        END IF;
        SELECT array_agg(t.e->>'content' ORDER BY t.i) INTO contents
          FROM json_array_elements(new_audit) WITH ORDINALITY AS t(e, i);
        -- The head: as the caller's batch holds and moved it, or else locked here, last.
        IF from_count IS NOT NULL THEN
          n := from_count;
          prev := from_hash;
        ELSE
          SELECT a.count, a.last_hash INTO n, prev FROM audit_head a WHERE a.id = 1 FOR UPDATE;
        END IF;
        IF n IS NULL THEN
          RAISE EXCEPTION 'The audit head (table audit_head) has no row: it was deleted outside AgentGate, so the audit trail can no longer be checked for truncation. Restore the database from a backup.';
        END IF;
        prev := coalesce(prev, repeat('0', 64));
        first_prev := prev;
        FOR k IN 1 .. array_length(contents, 1) LOOP
          prevs := prevs || prev;
          prev := encode(sha256(convert_to(prev || E'\\n' || contents[k], 'UTF8')), 'hex');
          out_hashes := out_hashes || prev;
        END LOOP;
        -- In the entries' order, so the identity column numbers them in chain order.
        INSERT INTO audit (id, request_id, event_type, actor, details, created_at, prev_hash, hash)
          SELECT t.e->>'id', t.e->>'request_id', t.e->>'event_type', t.e->>'actor', t.e->>'details',
            t.e->>'created_at', prevs[t.i], out_hashes[t.i]
          FROM json_array_elements(new_audit) WITH ORDINALITY AS t(e, i)
          ORDER BY t.i;
        n := n + array_length(out_hashes, 1);
        UPDATE audit_head SET count = n, last_hash = prev WHERE id = 1;
        RETURN QUERY SELECT n, first_prev, out_hashes;
      END $$;
    `,
  },
  {
    version: 4,
    name: 'agentgate_append reads each batch once',
    // The same contract as version 3, a third less of the database's CPU per create: the audit
    // entries are read from their JSON in one pass (json_to_recordset, one parse), where version 3
    // parsed the array once per pass and every entry again for each of its fields. The head is still
    // locked only once the requests and jobs are in, and now also the entries read.
    up: `
      CREATE OR REPLACE FUNCTION agentgate_append(new_requests json, new_jobs json, new_audit json,
        from_count bigint, from_hash text)
      RETURNS TABLE (head_count bigint, first_prev text, hashes text[])
      LANGUAGE plpgsql AS $$
      DECLARE
        n bigint;
        prev text;
        e record;
        ids text[] := '{}';
        request_ids text[] := '{}';
        event_types text[] := '{}';
        actors text[] := '{}';
        details_texts text[] := '{}';
        created text[] := '{}';
        contents text[] := '{}';
        prevs text[] := '{}';
        out_hashes text[] := '{}';
      BEGIN
        IF new_requests IS NOT NULL THEN
          INSERT INTO requests (id, owner_id, action, params, context, urgency, status, created_at,
              updated_at, decided_at, expires_at, decided_by, decision_reason, repository, requester,
              policy_decision, review)
            SELECT id, owner_id, action, params, context, urgency, status, created_at, updated_at,
              decided_at, expires_at, decided_by, decision_reason, repository, requester,
              policy_decision, review
            FROM json_populate_recordset(NULL::requests, new_requests);
        END IF;
        IF new_jobs IS NOT NULL THEN
          INSERT INTO jobs (id, kind, payload, status, run_at, attempts, created_at, updated_at)
            SELECT id, kind, payload, 'queued', run_at, 0, created_at, updated_at
            FROM json_to_recordset(new_jobs)
              AS t(id text, kind text, payload text, run_at text, created_at text, updated_at text);
        END IF;
        IF new_audit IS NOT NULL THEN
          FOR e IN SELECT * FROM json_to_recordset(new_audit) AS t(id text, request_id text,
              event_type text, actor text, details text, created_at text, content text) LOOP
            ids := ids || e.id;
            request_ids := request_ids || e.request_id;
            event_types := event_types || e.event_type;
            actors := actors || e.actor;
            details_texts := details_texts || e.details;
            created := created || e.created_at;
            contents := contents || e.content;
          END LOOP;
        END IF;
        IF cardinality(ids) = 0 THEN
          RETURN QUERY SELECT NULL::bigint, NULL::text, out_hashes;
          RETURN;
        END IF;
        IF from_count IS NOT NULL THEN
          n := from_count;
          prev := from_hash;
        ELSE
          SELECT a.count, a.last_hash INTO n, prev FROM audit_head a WHERE a.id = 1 FOR UPDATE;
        END IF;
        IF n IS NULL THEN
          RAISE EXCEPTION 'The audit head (table audit_head) has no row: it was deleted outside AgentGate, so the audit trail can no longer be checked for truncation. Restore the database from a backup.';
        END IF;
        prev := coalesce(prev, repeat('0', 64));
        first_prev := prev;
        FOR k IN 1 .. cardinality(contents) LOOP
          prevs := prevs || prev;
          prev := encode(sha256(convert_to(prev || E'\\n' || contents[k], 'UTF8')), 'hex');
          out_hashes := out_hashes || prev;
        END LOOP;
        INSERT INTO audit (id, request_id, event_type, actor, details, created_at, prev_hash, hash)
          SELECT u.id, u.request_id, u.event_type, u.actor, u.details, u.created_at, u.prev_hash, u.hash
          FROM unnest(ids, request_ids, event_types, actors, details_texts, created, prevs, out_hashes)
            WITH ORDINALITY AS u(id, request_id, event_type, actor, details, created_at, prev_hash, hash, i)
          ORDER BY u.i;
        n := n + cardinality(out_hashes);
        UPDATE audit_head SET count = n, last_hash = prev WHERE id = 1;
        RETURN QUERY SELECT n, first_prev, out_hashes;
      END $$;
    `,
  },
];

/** Any number: the advisory lock every AgentGate instance takes while it migrates. */
const MIGRATION_LOCK = 0x61676d67; // "agmg"

/**
 * Brings the schema up to the last of `migrations`, in one transaction holding a transaction-level
 * advisory lock, so instances starting at the same moment migrate once: the first applies, the others
 * wait for its commit and then find nothing to do. Returns the versions applied. Refuses a schema that
 * records a version this build does not know (written by a newer AgentGate).
 */
export async function applyPgMigrations(
  client: pg.ClientBase,
  where: string,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
  now: () => string = () => new Date().toISOString(),
): Promise<number[]> {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration "${migration.name}" has version ${migration.version}, expected ${index + 1}`,
      );
    }
  });
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const schema = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
    if (!schema.rows[0]?.schema) {
      throw new StoreError(
        'failed',
        `Could not migrate ${where}: no schema of the search_path exists. Create it, or fix the search_path.`,
      );
    }
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at text NOT NULL
    )`);
    const applied = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((row) =>
        Number(row.version),
      ),
    );
    const newest = Math.max(0, ...applied);
    if (newest > migrations.length) {
      throw new StoreError(
        'schema_too_new',
        `The database ${where} has schema version ${newest}, but this AgentGate knows versions up to ` +
          `${migrations.length}. It was written by a newer AgentGate: upgrade AgentGate, or point it at ` +
          'another database.',
      );
    }
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.up);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        now(),
      ]);
      done.push(migration.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
