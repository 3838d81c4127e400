/**
 * Group commit for the PostgreSQL store, as write-batcher.ts is for SQLite: the writes an instance
 * asks for during one turn of the event loop share one transaction (one commit), each in its own
 * SAVEPOINT so one that fails is rolled back alone. Batches run one after another on one connection,
 * so an instance's writes happen in the order they were asked for, and every promise settles only
 * after COMMIT ("resolved" means durable).
 *
 * Each batch first locks the audit head row. That is the cluster's write order: batches of different
 * instances take turns (as SQLite writers take turns on the file), the hash chain gets one order, and
 * no two batches can deadlock by locking rows in opposite orders. Reads never wait for it.
 */
import type pg from 'pg';
import { StoreError } from '../../ports/store.js';
import { toPgStoreError } from './pg-error.js';

type Change = (client: pg.PoolClient) => Promise<unknown>;

interface Queued {
  doing: string;
  change: Change;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** More changes than this wait for the next batch, so no batch holds the write order for long. */
const MAX_BATCH = 200;

export interface PgWriteQueue {
  write<T>(doing: string, change: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Resolves once every queued write has settled. */
  drain(): Promise<void>;
}

export function createPgWriteQueue(pool: pg.Pool): PgWriteQueue {
  let queue: Queued[] = [];
  let running: Promise<void> | null = null;

  async function runBatch(batch: Queued[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      for (const queued of batch) queued.reject(toPgStoreError(error, queued.doing));
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query('SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE');
      for (const queued of batch) {
        await client.query('SAVEPOINT change');
        try {
          outcomes.push({ ok: true, value: await queued.change(client) });
          await client.query('RELEASE SAVEPOINT change');
        } catch (error) {
          outcomes.push({ ok: false, error });
          // A failure that also fails this (a lost connection) ends the batch: nothing of it happened.
          await client.query('ROLLBACK TO SAVEPOINT change');
        }
      }
      await client.query('COMMIT');
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      client.release(broken);
      for (const queued of batch) queued.reject(toPgStoreError(error, queued.doing));
      return;
    }
    client.release();
    outcomes.forEach((outcome, i) => {
      const queued = batch[i]!;
      if (outcome.ok) queued.resolve(outcome.value);
      else queued.reject(toPgStoreError(outcome.error, queued.doing));
    });
  }

  async function loop(): Promise<void> {
    // Let the rest of this turn queue its writes too.
    await new Promise((resolve) => setImmediate(resolve));
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      await runBatch(batch);
    }
    running = null;
  }

  return {
    write<T>(doing: string, change: (client: pg.PoolClient) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ doing, change, resolve: resolve as (value: unknown) => void, reject });
        running ??= loop();
      });
    },
    async drain() {
      while (running) await running;
    },
  };
}

export const closedError = (doing: string) =>
  new StoreError('closed', `Could not ${doing}: the store is closed.`);
