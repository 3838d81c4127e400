/**
 * Periodic work once across the cluster (docs/operations.md, "Many instances"): `tryRun` takes a
 * session advisory lock on one pooled connection, held while the work runs (released by
 * `pg_advisory_unlock`, or by PostgreSQL itself if the instance dies), and with `minIntervalMs`
 * skips the work when any instance started it less than that long ago by the database's clock
 * (table `agentgate_cluster_runs`). So three instances each ticking every interval sweep about
 * once per interval between them, never two at a time.
 */
import type pg from 'pg';
import type { ClusterLock } from '../../ports/cluster-lock.js';
import { LOCK_CLASS, runSetup } from './pg-setup.js';

/** Creates the table the lock records its runs in (idempotent; run at start). */
export async function setUpClusterLock(pool: pg.Pool): Promise<void> {
  await runSetup(
    pool,
    `CREATE TABLE IF NOT EXISTS agentgate_cluster_runs (
    name text PRIMARY KEY,
    last_started_at timestamptz NOT NULL
  )`,
  );
}

export class PgClusterLock implements ClusterLock {
  constructor(private readonly pool: pg.Pool) {}

  async tryRun(
    name: string,
    fn: () => Promise<unknown>,
    options: { minIntervalMs?: number } = {},
  ): Promise<boolean> {
    const client = await this.pool.connect();
    let healthy = true;
    // The work may take minutes; a connection lost meanwhile must not crash the process (an
    // unheard 'error' would). The lock went with the session; the unlock below then fails too.
    const lost = () => {
      healthy = false;
    };
    client.on('error', lost);
    try {
      const locked = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
        [LOCK_CLASS, name],
      );
      if (!locked.rows[0]?.locked) return false;
      try {
        if (options.minIntervalMs !== undefined) {
          // Holding the lock, nobody else can start the work between this check and the write.
          const due = await client.query(
            `INSERT INTO agentgate_cluster_runs (name, last_started_at) VALUES ($1, now())
             ON CONFLICT (name) DO UPDATE SET last_started_at = now()
             WHERE agentgate_cluster_runs.last_started_at <= now() - make_interval(secs => $2::float8 / 1000)
             RETURNING name`,
            [name, options.minIntervalMs],
          );
          if (due.rowCount === 0) return false;
        }
        await fn();
        return true;
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, name]).catch(() => {
          healthy = false; // the connection is broken, and with it the lock: do not pool it
        });
      }
    } catch (error) {
      healthy = false;
      throw error;
    } finally {
      client.off('error', lost);
      client.release(!healthy);
    }
  }
}
