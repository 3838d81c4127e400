/**
 * Periodic work once across the cluster (issue #17, item 3): two instances' locks, each on its own
 * pool, on one database. No sleeps: the work of one instance is held open by the test.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgClusterLock, setUpClusterLock } from '../../../app/adapters/postgres/pg-cluster-lock.js';
import { localClusterLock } from '../../../app/ports/cluster-lock.js';
import { createTestSchema, type TestSchema } from '../../helpers/pg-cluster-db.js';
import { until } from '../../helpers/until.js';

let db: TestSchema;
let poolA: pg.Pool;
let poolB: pg.Pool;
let a: PgClusterLock;
let b: PgClusterLock;

beforeAll(async () => {
  db = await createTestSchema('lock');
  poolA = db.pool();
  poolB = db.pool();
  await Promise.all([setUpClusterLock(poolA), setUpClusterLock(poolB)]); // idempotent, even at once
  a = new PgClusterLock(poolA);
  b = new PgClusterLock(poolB);
});
afterAll(async () => {
  await db?.drop();
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('PgClusterLock', () => {
  it('runs the work on one instance at a time; the other skips it, then may run it once it is done', async () => {
    const release = deferred();
    const started = deferred();
    const runs: string[] = [];
    const onA = a.tryRun('sweep', async () => {
      runs.push('a');
      started.resolve();
      await release.promise;
    });
    await started.promise;
    expect(await b.tryRun('sweep', async () => void runs.push('b'))).toBe(false);
    // Another name is another lock.
    expect(await b.tryRun('reconcile', async () => void runs.push('b:reconcile'))).toBe(true);
    release.resolve();
    expect(await onA).toBe(true);
    expect(await b.tryRun('sweep', async () => void runs.push('b'))).toBe(true);
    expect(runs).toEqual(['a', 'b:reconcile', 'b']);
  });

  it('of many instances trying at once, exactly one runs', async () => {
    const locks = [a, b, new PgClusterLock(db.pool()), new PgClusterLock(db.pool())];
    const release = deferred();
    let running = 0;
    const attempts = locks.map((lock) =>
      lock.tryRun('race', async () => {
        running += 1;
        await release.promise;
      }),
    );
    // Every loser answers false without waiting; the winner is held until released.
    const settled: boolean[] = [];
    for (const attempt of attempts) void attempt.then((ran) => settled.push(ran));
    await until(() => settled.length === locks.length - 1);
    expect(settled.every((ran) => ran === false)).toBe(true);
    expect(running).toBe(1);
    release.resolve();
    await Promise.all(attempts);
    expect(settled.filter(Boolean)).toHaveLength(1);
  });

  it('with minIntervalMs, work started by any instance less than that long ago is skipped', async () => {
    const runs: string[] = [];
    expect(await a.tryRun('hourly', async () => void runs.push('a'), { minIntervalMs: 3_600_000 })).toBe(
      true,
    );
    expect(await b.tryRun('hourly', async () => void runs.push('b'), { minIntervalMs: 3_600_000 })).toBe(
      false,
    );
    expect(await a.tryRun('hourly', async () => void runs.push('a'), { minIntervalMs: 3_600_000 })).toBe(
      false,
    );
    // Zero: due again at once (the database's clock has moved on, however little).
    expect(await b.tryRun('hourly', async () => void runs.push('b'), { minIntervalMs: 0 })).toBe(true);
    expect(runs).toEqual(['a', 'b']);
  });

  it('an instance that dies holding the lock frees it (PostgreSQL ends its session)', async () => {
    const release = deferred();
    const started = deferred();
    const onA = a.tryRun('dying', async () => {
      started.resolve();
      await release.promise;
    });
    await started.promise;
    expect(await b.tryRun('dying', async () => undefined)).toBe(false);
    const killed = await poolB.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks
        WHERE locktype = 'advisory' AND classid = $1 AND pid <> pg_backend_pid()`,
      [0x4147],
    );
    expect(killed.rowCount).toBe(1);
    let ranOnB = false;
    await until(
      async () =>
        (await b.tryRun('dying', async () => {
          ranOnB = true;
        })) || null,
    );
    expect(ranOnB).toBe(true);
    release.resolve();
    // A's work finished; its unlock failed with the connection, which is not returned to the pool.
    expect(await onA).toBe(true);
    expect(await a.tryRun('dying', async () => undefined)).toBe(true);
  });

  it('propagates the work’s failure and releases the lock', async () => {
    await expect(
      a.tryRun('failing', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await b.tryRun('failing', async () => undefined)).toBe(true);
  });

  it('the in-memory lock (one instance) always runs the work', async () => {
    let runs = 0;
    expect(
      await localClusterLock.tryRun(
        'x',
        async () => {
          runs += 1;
        },
        { minIntervalMs: 3_600_000 },
      ),
    ).toBe(true);
    expect(
      await localClusterLock.tryRun(
        'x',
        async () => {
          runs += 1;
        },
        { minIntervalMs: 3_600_000 },
      ),
    ).toBe(true);
    expect(runs).toBe(2);
  });
});
