/**
 * Rows a write batch only appends — new requests, queued jobs, audit entries — gathered over its
 * changes and written by ONE call (pg-write-queue.ts, `append`): `agentgate_append` (migration 3)
 * takes each table's rows as a JSON array, inserts the requests and jobs, then locks the audit head,
 * chains the audit entries from it and moves it. The statement's text never changes, so PostgreSQL
 * plans it once per connection (a named statement, pg-prepared.ts). Because the entries are
 * chained in the database, a batch of creates needs no transaction of its own around the call: one
 * round trip, and the audit head is locked only for the entries' inserts and the commit.
 */
import type pg from 'pg';
import type { RequestRow } from '../sqlite/rows.js';
import { type ChainedAuditEntry, chainedEntry, type PreparedAuditEntry } from '../store-values.js';
import { prepared } from './pg-prepared.js';

/** A queued job's columns (it starts `queued`, never attempted). */
export interface JobRowValues {
  id: string;
  kind: string;
  payload: string;
  run_at: string;
  created_at: string;
  updated_at: string;
}

export interface AppendedRows {
  requests: RequestRow[];
  jobs: JobRowValues[];
  /** In chain order. */
  audit: PreparedAuditEntry[];
}

export const noRows = (): AppendedRows => ({ requests: [], jobs: [], audit: [] });

/** Adds `more` after what `into` holds (keeping the audit entries' chain order). */
export function addRows(into: AppendedRows, more: AppendedRows): void {
  into.requests.push(...more.requests);
  into.jobs.push(...more.jobs);
  into.audit.push(...more.audit);
}

export interface AppendResult {
  /** The audit entries as chained, in the order given. */
  chained: ChainedAuditEntry[];
  /** The audit head once moved; null when there were no entries. */
  head: { count: number; lastHash: string } | null;
}

const APPEND_SQL =
  'SELECT head_count, first_prev, hashes FROM agentgate_append($1::json, $2::json, $3::json, $4::bigint, $5::text)';

const jsonOrNull = (rows: readonly unknown[]) => (rows.length > 0 ? JSON.stringify(rows) : null);

/**
 * Writes `rows` in one call: as a transaction of its own, or inside the caller's, which holds the
 * audit head's lock and passes the head as it has moved it (`from`).
 */
export async function appendRows(
  client: pg.ClientBase,
  rows: AppendedRows,
  from?: { count: number; lastHash: string | null },
): Promise<AppendResult> {
  const audit = rows.audit.map((entry) => ({
    id: entry.id,
    request_id: entry.requestId,
    event_type: entry.eventType,
    actor: entry.actor,
    details: entry.detailsJson,
    created_at: entry.createdAt,
    content: entry.content,
  }));
  const result = await client.query<{
    head_count: string | null;
    first_prev: string | null;
    hashes: string[];
  }>(
    prepared(APPEND_SQL, [
      jsonOrNull(rows.requests),
      jsonOrNull(rows.jobs),
      jsonOrNull(audit),
      from?.count ?? null,
      from?.lastHash ?? null,
    ]),
  );
  const answer = result.rows[0];
  if (!answer || answer.head_count === null || answer.first_prev === null) return { chained: [], head: null };
  const { hashes } = answer;
  if (hashes.length !== rows.audit.length) {
    throw new Error(`agentgate_append chained ${hashes.length} audit entries of ${rows.audit.length}`);
  }
  let previous = answer.first_prev;
  const chained = rows.audit.map((entry, i) => {
    const hash = hashes[i] as string;
    const link = chainedEntry(entry, previous, hash);
    previous = hash;
    return link;
  });
  return { chained, head: { count: Number(answer.head_count), lastHash: previous } };
}
