/**
 * The filtered lists (requests, audit trail, jobs). Their SQL depends on which filters are set, so each
 * shape of query is prepared on first use and then reused: at most 2⁶ and 2⁵ statements.
 */
import type Database from 'better-sqlite3';
import type { AuditFilter, JobFilter, RequestFilter } from '../../ports/store.js';
import { checkedCount, toUtcIso } from '../store-values.js';
import {
  type AuditRow,
  fromAuditRow,
  fromJobRow,
  fromRequestRow,
  type JobRow,
  type RequestRow,
} from './rows.js';

/** Shared with the in-memory store (`../store-values.ts`); re-exported so imports stay stable. */
export { checkedCount, toUtcIso } from '../store-values.js';

export function createListQueries(db: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  const prepared = (text: string): Database.Statement => {
    let statement = cache.get(text);
    if (!statement) {
      statement = db.prepare(text);
      cache.set(text, statement);
    }
    return statement;
  };

  return {
    requests(filter: RequestFilter) {
      const where = whereClause([
        ['status = ?', filter.status],
        ['action = ?', filter.action],
        ['urgency = ?', filter.urgency],
        ['owner_id = ?', filter.ownerId],
        ['repository = ? COLLATE NOCASE', filter.repository],
        [
          "repository LIKE ? ESCAPE '\\'",
          filter.repositoryOwner === undefined ? undefined : `${escapeLike(filter.repositoryOwner)}/%`,
        ],
      ]);
      const rows = prepared(
        `SELECT * FROM requests ${where.sql} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
      ).all(...where.values, checkedCount(filter.limit, 'limit'), checkedCount(filter.offset, 'offset'));
      const total = prepared(`SELECT count(*) FROM requests ${where.sql}`)
        .pluck()
        .get(...where.values) as number;
      return { requests: (rows as RequestRow[]).map(fromRequestRow), total };
    },

    audit(filter: AuditFilter) {
      const where = whereClause([
        ['request_id = ?', filter.requestId],
        ['event_type = ?', filter.eventType],
        ['actor = ?', filter.actor],
        ['created_at >= ?', filter.since === undefined ? undefined : toUtcIso(filter.since, 'since')],
        ['created_at < ?', filter.until === undefined ? undefined : toUtcIso(filter.until, 'until')],
      ]);
      const rows = prepared(`SELECT * FROM audit ${where.sql} ORDER BY seq LIMIT ? OFFSET ?`).all(
        ...where.values,
        checkedCount(filter.limit, 'limit'),
        checkedCount(filter.offset, 'offset'),
      );
      return (rows as AuditRow[]).map(fromAuditRow);
    },

    jobs(filter: JobFilter) {
      const where = whereClause([
        ['kind = ?', filter.kind],
        ['status = ?', filter.status],
      ]);
      const rows = prepared(`SELECT * FROM jobs ${where.sql} ORDER BY created_at DESC, id DESC LIMIT ?`).all(
        ...where.values,
        checkedCount(filter.limit, 'limit'),
      );
      return (rows as JobRow[]).map(fromJobRow);
    },
  };
}

/** `WHERE a = ? AND b = ?` over the conditions whose value is set. */
function whereClause(conditions: [string, string | undefined][]): { sql: string; values: string[] } {
  const set = conditions.filter((c): c is [string, string] => c[1] !== undefined);
  return {
    sql: set.length > 0 ? `WHERE ${set.map(([clause]) => clause).join(' AND ')}` : '',
    values: set.map(([, value]) => value),
  };
}

/** `LIKE` treats `%` and `_` as wildcards: match them literally. */
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
