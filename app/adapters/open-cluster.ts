/**
 * What instances of one deployment share beside the store (docs/operations.md, "Many instances"):
 * for a `postgres://…` or `postgresql://…` `DATABASE_URL`, the decision bus, the cluster lock and
 * the shared rate limiter on PostgreSQL; for a SQLite file, nothing (one instance: the server's
 * in-memory defaults). The composition root (app/main.ts) asks here, as it asks open-store.ts for
 * the store.
 */
import type { Logger } from '../logger.js';
import { connectPgCluster, type PgCluster } from './postgres/pg-cluster.js';

export type Cluster = PgCluster;

/** The cluster parts `databaseUrl` calls for (creating their tables if missing), or null for SQLite. */
export async function openCluster(databaseUrl: string, log: Logger): Promise<Cluster | null> {
  return /^postgres(ql)?:\/\//i.test(databaseUrl) ? connectPgCluster(databaseUrl, log) : null;
}
