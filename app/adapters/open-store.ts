/**
 * Which Store `DATABASE_URL` names, opened (and migrated): `postgres://…` or `postgresql://…` is
 * PostgreSQL, anything else a SQLite file path. The composition root (app/main.ts) and the CLI's
 * offline commands open their store here and nowhere else, so the choice is made in one place.
 */
import type { Store } from '../ports/store.js';
import { describePostgresUrl, migratePostgres, openPostgresStore } from './postgres/pg-store.js';
import { migrateSqliteDatabase, openSqliteStore, type SqliteSynchronous } from './sqlite/sqlite-store.js';

export type DatabaseKind = 'sqlite' | 'postgres';

function databaseKindOf(databaseUrl: string): DatabaseKind {
  return /^postgres(ql)?:\/\//i.test(databaseUrl) ? 'postgres' : 'sqlite';
}

/** The database for logs and messages: a PostgreSQL URL without its password. */
export function describeDatabase(databaseUrl: string): string {
  return databaseKindOf(databaseUrl) === 'postgres'
    ? `PostgreSQL ${describePostgresUrl(databaseUrl)}`
    : `SQLite "${databaseUrl}"`;
}

/**
 * Opens the store `databaseUrl` names, applying pending migrations first (once across instances).
 * `sqliteSynchronous` applies to SQLite only (default `full`: durable against power loss).
 */
export function openStore(
  databaseUrl: string,
  { sqliteSynchronous }: { sqliteSynchronous?: SqliteSynchronous } = {},
): Promise<Store> {
  return databaseKindOf(databaseUrl) === 'postgres'
    ? openPostgresStore({ connectionString: databaseUrl })
    : openSqliteStore({ path: databaseUrl, ...(sqliteSynchronous && { synchronous: sqliteSynchronous }) });
}

export interface MigrationReport {
  kind: DatabaseKind;
  /** Versions applied now, in order; empty when the schema was up to date. */
  applied: number[];
  /** The schema version the database is at now. */
  version: number;
}

/** Brings the database up to date without starting anything (`agentgate migrate`). */
export async function migrateDatabase(databaseUrl: string): Promise<MigrationReport> {
  if (databaseKindOf(databaseUrl) === 'postgres') {
    return { kind: 'postgres', ...(await migratePostgres({ connectionString: databaseUrl })) };
  }
  return { kind: 'sqlite', ...(await migrateSqliteDatabase(databaseUrl)) };
}
