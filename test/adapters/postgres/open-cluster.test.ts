import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster } from '../../../app/adapters/open-cluster.js';
import { createLogger } from '../../../app/logger.js';
import { createTestSchema, type TestSchema } from '../../helpers/pg-cluster-db.js';

const log = createLogger('silent');
let db: TestSchema;

beforeAll(async () => {
  db = await createTestSchema('open');
});
afterAll(async () => {
  await db?.drop();
});

describe('openCluster', () => {
  it('a SQLite DATABASE_URL needs no cluster parts (one instance: the in-memory defaults)', async () => {
    expect(await openCluster('./data/agentgate.db', log)).toBeNull();
    expect(await openCluster(':memory:', log)).toBeNull();
  });

  it('three instances starting at once on one PostgreSQL database each get working parts', async () => {
    const clusters = await Promise.all([1, 2, 3].map(() => openCluster(db.url, log)));
    try {
      const pool = db.pool();
      const { rows } = await pool.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
        [db.schema],
      );
      expect(rows.map((r) => r.table_name)).toEqual(['agentgate_cluster_runs', 'agentgate_rate_windows']);
      const [a, b, c] = clusters;
      // The limiter, shared: 2 a minute between the three.
      const now = Date.now();
      const taken = [
        await a?.rateLimiter.take('k', 2, now),
        await b?.rateLimiter.take('k', 2, now),
        await c?.rateLimiter.take('k', 2, now),
      ];
      expect(taken.map((t) => t?.allowed)).toEqual([true, true, false]);
      // The lock, shared.
      let inner: boolean | undefined;
      expect(
        await a?.clusterLock.tryRun('x', async () => {
          inner = await b?.clusterLock.tryRun('x', async () => undefined);
        }),
      ).toBe(true);
      expect(inner).toBe(false);
    } finally {
      for (const cluster of clusters) await cluster?.close();
    }
  });

  it('postgresql:// selects PostgreSQL too', async () => {
    const cluster = await openCluster(db.url.replace(/^postgres:/, 'postgresql:'), log);
    expect(cluster).not.toBeNull();
    await cluster?.close();
  });
});
