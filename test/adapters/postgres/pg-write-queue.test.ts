/**
 * The PostgreSQL group commit waits for the writes it expects (pg-write-queue.ts, `expectWrites`):
 * after a batch of n changes, during whose round trip m more were queued, the next batch waits until
 * n + m are queued (its writers come back) or its timer fires. Which
 * changes shared a commit is read from PostgreSQL itself (the transaction id each ran in); the timer
 * is the test's, fired by hand, so nothing here depends on how fast the machine is.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../../../app/adapters/postgres/pg-store.js';
import { createPgWriteQueue, type PgWriteQueue } from '../../../app/adapters/postgres/pg-write-queue.js';
import { createTestSchema, type TestSchema } from '../../helpers/pg-cluster-db.js';

let db: TestSchema;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestSchema('write_queue');
  await migratePostgres({ connectionString: db.url, schema: db.schema });
  pool = db.pool();
});
afterAll(async () => {
  await db?.drop();
});

/** A queue whose expectation timer is armed and fired by the test. */
function queueWithManualTimer() {
  const armed: { fire: () => void; cancelled: boolean }[] = [];
  const queue = createPgWriteQueue(pool, {
    expectTimer: (fire) => {
      const timer = { fire, cancelled: false };
      armed.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
  });
  return { queue, armed };
}

/** A write that answers with the id of the transaction it ran in. */
function txidWrite(queue: PgWriteQueue) {
  let settled = false;
  const done = queue
    .write('read the transaction id', async (client) => {
      const { rows } = await client.query<{ txid: string }>('SELECT txid_current()::text AS txid');
      return rows[0]?.txid as string;
    })
    .finally(() => {
      settled = true;
    });
  return { done, settled: () => settled };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await nextTurn();
}

describe('PostgreSQL group commit: the writes a batch expects', () => {
  it('waits for as many writes as the last batch held, and commits them together', async () => {
    const { queue, armed } = queueWithManualTimer();
    const first = await Promise.all([0, 1, 2].map(() => txidWrite(queue).done));
    expect(new Set(first).size).toBe(1); // asked in one turn: one batch of three

    const a = txidWrite(queue);
    await until(() => armed.length === 1); // lingered its turns, now waiting for two more
    const b = txidWrite(queue);
    await nextTurn();
    expect([a.settled(), b.settled()]).toEqual([false, false]);
    const c = txidWrite(queue);
    const second = await Promise.all([a.done, b.done, c.done]);

    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
    expect(armed[0]?.cancelled).toBe(true); // the third write ended the wait, not the timer
    await queue.drain();
  });

  it('counts the writes queued during the last round trip among the writers it waits for', async () => {
    const { queue, armed } = queueWithManualTimer();
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held = queue.write('hold the batch open', async (client) => {
      started();
      await gate;
      return (await client.query<{ txid: string }>('SELECT txid_current()::text AS txid')).rows[0]?.txid;
    });
    await running; // a batch of one is in its round trip
    const b = txidWrite(queue);
    const c = txidWrite(queue);
    release();
    const first = await held;

    await until(() => armed.length === 1); // two are here; the third writer is expected back
    expect([b.settled(), c.settled()]).toEqual([false, false]);
    const d = txidWrite(queue);
    const second = await Promise.all([b.done, c.done, d.done]);

    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first);
    expect(armed[0]?.cancelled).toBe(true);
    await queue.drain();
  });

  it('commits what came when the timer fires', async () => {
    const { queue, armed } = queueWithManualTimer();
    const first = await Promise.all([0, 1, 2].map(() => txidWrite(queue).done));

    const alone = txidWrite(queue);
    await until(() => armed.length === 1);
    await nextTurn();
    expect(alone.settled()).toBe(false);
    armed[0]?.fire();
    const txid = await alone.done;

    expect(txid).not.toBe(first[0]);
    // The batch of one sets the next expectation: a lone write after it does not wait.
    await txidWrite(queue).done;
    expect(armed).toHaveLength(1);
    await queue.drain();
  });

  it('never waits after lone writes (a quiet instance)', async () => {
    const { queue, armed } = queueWithManualTimer();
    for (let i = 0; i < 5; i += 1) await txidWrite(queue).done;
    expect(armed).toHaveLength(0);
  });
});
