/**
 * The cross-instance parts of a cluster on PostgreSQL (docs/operations.md, "Many instances"): the
 * decision bus (LISTEN/NOTIFY), the cluster lock (advisory locks) and the shared rate limiter, on a
 * small pool of their own, independent of the store's.
 */
import pg from 'pg';
import type { Logger } from '../../logger.js';
import { PgClusterLock, setUpClusterLock } from './pg-cluster-lock.js';
import { PgDecisionBus } from './pg-notify-bus.js';
import { PgRateLimiter, setUpRateLimits } from './pg-rate-limit.js';

export interface PgCluster {
  decisionBus: PgDecisionBus;
  clusterLock: PgClusterLock;
  rateLimiter: PgRateLimiter;
  /** Ends the pool (after the server has closed the bus). */
  close(): Promise<void>;
}

/** Connects, creates the small tables these parts use (idempotent), and builds them. */
export async function connectPgCluster(connectionString: string, log: Logger): Promise<PgCluster> {
  const pool = new pg.Pool({ connectionString, max: 10, application_name: 'agentgate-cluster' });
  // An idle pooled connection that fails is dropped by the pool; without a listener it would crash.
  pool.on('error', (error) => log.warn({ err: error }, 'an idle PostgreSQL connection failed'));
  try {
    await setUpClusterLock(pool);
    await setUpRateLimits(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    decisionBus: new PgDecisionBus({
      pool,
      // TCP keepalive notices a peer gone without a word (a dropped network path), not only a reset.
      connection: {
        connectionString,
        application_name: 'agentgate-listen',
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      },
      log,
    }),
    clusterLock: new PgClusterLock(pool),
    rateLimiter: new PgRateLimiter(pool),
    close: () => pool.end(),
  };
}
