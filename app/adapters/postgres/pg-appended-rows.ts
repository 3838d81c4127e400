/**
 * Rows a write batch only appends — new requests, queued jobs, audit entries — gathered over its
 * changes and written by ONE statement (pg-write-queue.ts, `append`): each table's rows go as column
 * arrays through `unnest()`, so the statement's text is the same whatever the number of rows, and
 * PostgreSQL parses and plans it once per connection (a named statement, pg-prepared.ts). A batch of
 * fifty creates costs one round trip for their rows instead of fifty.
 */
import type pg from 'pg';
import type { RequestRow } from '../sqlite/rows.js';
import type { AuditRowValues } from '../store-values.js';
import { prepared } from './pg-prepared.js';

/** A queued job's columns: id, kind, payload, run_at, created_at, updated_at (it starts `queued`). */
export type JobRowValues = [string, string, string, string, string, string];

export interface AppendedRows {
  requests: RequestRow[];
  jobs: JobRowValues[];
  /** In chain order: the identity column numbers them in this order. */
  audit: AuditRowValues[];
}

export const noRows = (): AppendedRows => ({ requests: [], jobs: [], audit: [] });

/** Adds `more` after what `into` holds (keeping the audit entries' chain order). */
export function addRows(into: AppendedRows, more: AppendedRows): void {
  into.requests.push(...more.requests);
  into.jobs.push(...more.jobs);
  into.audit.push(...more.audit);
}

const REQUEST_COLUMNS = [
  'id',
  'owner_id',
  'action',
  'params',
  'context',
  'urgency',
  'status',
  'created_at',
  'updated_at',
  'decided_at',
  'expires_at',
  'decided_by',
  'decision_reason',
  'repository',
  'requester',
  'policy_decision',
  'review',
] as const satisfies readonly (keyof RequestRow)[];

const JOB_COLUMNS = ['id', 'kind', 'payload', 'run_at', 'created_at', 'updated_at'];
const AUDIT_COLUMNS = [
  'id',
  'request_id',
  'event_type',
  'actor',
  'details',
  'created_at',
  'prev_hash',
  'hash',
];

/** Column `i` of `rows`, as one text[] parameter. */
const column = (rows: readonly (readonly unknown[])[], i: number) => rows.map((row) => row[i]);

/** Writes `rows` in one statement (nothing when empty). */
export async function writeAppendedRows(client: pg.PoolClient, rows: AppendedRows): Promise<void> {
  const values: unknown[][] = [];
  const unnest = (count: number) => {
    const params = Array.from({ length: count }, (_, i) => `$${values.length + i + 1}::text[]`);
    return `unnest(${params.join(', ')})`;
  };
  const parts: string[] = [];
  if (rows.requests.length > 0) {
    const from = unnest(REQUEST_COLUMNS.length);
    for (const name of REQUEST_COLUMNS) values.push(rows.requests.map((row) => row[name]));
    parts.push(`INSERT INTO requests (${REQUEST_COLUMNS.join(', ')}) SELECT * FROM ${from}`);
  }
  if (rows.jobs.length > 0) {
    const from = unnest(JOB_COLUMNS.length);
    JOB_COLUMNS.forEach((_, i) => {
      values.push(column(rows.jobs, i));
    });
    parts.push(
      `INSERT INTO jobs (id, kind, payload, status, run_at, attempts, created_at, updated_at)
       SELECT id, kind, payload, 'queued', run_at, 0, created_at, updated_at
       FROM ${from} AS t(${JOB_COLUMNS.join(', ')})`,
    );
  }
  if (rows.audit.length > 0) {
    const from = unnest(AUDIT_COLUMNS.length);
    AUDIT_COLUMNS.forEach((_, i) => {
      values.push(column(rows.audit, i));
    });
    // Fed to the insert in array order, so the identity column numbers them in chain order.
    parts.push(
      `INSERT INTO audit (${AUDIT_COLUMNS.join(', ')})
       SELECT ${AUDIT_COLUMNS.join(', ')} FROM ${from} WITH ORDINALITY AS t(${AUDIT_COLUMNS.join(', ')}, n)
       ORDER BY n`,
    );
  }
  if (parts.length === 0) return;
  const last = parts.length - 1;
  const text =
    last === 0
      ? (parts[0] as string)
      : `WITH ${parts
          .slice(0, last)
          .map((part, i) => `w${i} AS (${part})`)
          .join(', ')} ${parts[last]}`;
  await client.query(prepared(text, values));
}
