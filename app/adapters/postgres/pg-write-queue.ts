/**
 * Group commit for the PostgreSQL store, as write-batcher.ts is for SQLite: the writes an instance
 * asks for during one turn of the event loop share one transaction (one commit), each in its own
 * SAVEPOINT so one that fails is rolled back alone. Batches run one after another on one connection,
 * so an instance's writes happen in the order they were asked for, and every promise settles only
 * after COMMIT ("resolved" means durable).
 *
 * Each batch first locks the audit head row. That is the cluster's write order: batches of different
 * instances take turns (as SQLite writers take turns on the file), the hash chain gets one order, and
 * no two batches can deadlock by locking rows in opposite orders. Reads never wait for it. The batch
 * keeps the head in memory while it runs (`batchAuditHead`: appends chain from it and move it; a change
 * that fails puts it back) and writes it once before COMMIT: two round trips per change fewer.
 */
import type pg from 'pg';
import { StoreError } from '../../ports/store.js';
import { toPgStoreError } from './pg-error.js';

type Change = (client: pg.PoolClient) => Promise<unknown>;

/** The audit head as the running batch has moved it. */
export interface AuditHeadState {
  count: number;
  lastHash: string | null;
}

const heads = new WeakMap<pg.PoolClient, AuditHeadState | 'missing'>();

/** The head of the batch running on `client` (locked by it), for appends; fails when its row is gone. */
export function batchAuditHead(client: pg.PoolClient): AuditHeadState {
  const head = heads.get(client);
  if (head === undefined) throw new Error('audit appends run inside a write batch only');
  if (head === 'missing') {
    throw new StoreError(
      'failed',
      'The audit head (table audit_head) has no row: it was deleted outside AgentGate, so the audit ' +
        'trail can no longer be checked for truncation. Restore the database from a backup.',
    );
  }
  return head;
}

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
      // One round trip: begin, lock the head, and open the first change's savepoint.
      const started = (await client.query(
        'BEGIN; SELECT count, last_hash FROM audit_head WHERE id = 1 FOR UPDATE; SAVEPOINT change',
      )) as unknown as pg.QueryResult<{ count: string; last_hash: string | null }>[];
      const row = started[1]?.rows[0];
      const head: AuditHeadState | 'missing' = row
        ? { count: Number(row.count), lastHash: row.last_hash }
        : 'missing';
      heads.set(client, head);
      const initialCount = head === 'missing' ? 0 : head.count;
      for (const queued of batch) {
        const before = head === 'missing' ? null : { ...head };
        try {
          outcomes.push({ ok: true, value: await queued.change(client) });
          // The next change's savepoint, in the same round trip.
          await client.query('RELEASE SAVEPOINT change; SAVEPOINT change');
        } catch (error) {
          outcomes.push({ ok: false, error });
          if (before && head !== 'missing') Object.assign(head, before);
          // A failure that also fails this (a lost connection) ends the batch: nothing of it happened.
          // The savepoint stays, ready for the next change.
          await client.query('ROLLBACK TO SAVEPOINT change');
        }
      }
      if (head !== 'missing' && head.count !== initialCount) {
        await client.query('UPDATE audit_head SET count = $1, last_hash = $2 WHERE id = 1', [
          head.count,
          head.lastHash,
        ]);
      }
      await client.query('COMMIT');
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      heads.delete(client);
      client.release(broken);
      for (const queued of batch) queued.reject(toPgStoreError(error, queued.doing));
      return;
    }
    heads.delete(client);
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
