/**
 * Group commit for the PostgreSQL store, as write-batcher.ts is for SQLite: the writes an instance
 * asks for during one turn of the event loop (and, under load, those expected back soon after:
 * `expectWrites`) share one transaction (one commit), and one that fails is rolled back alone.
 * Batches run one after another on one connection, so an instance's writes happen in the order they
 * were asked for, and every promise settles only after COMMIT ("resolved" means durable).
 *
 * Each batch (but one of appends only, below) first locks the audit head row. That is the
 * cluster's write order: batches of different instances take turns (as SQLite writers take turns on the file), the hash chain gets one order, and
 * no two batches can deadlock by locking rows in opposite orders. Reads never wait for it. The batch
 * keeps the head in memory while it runs (`batchAuditHead`: appends chain from it and move it; a change
 * that fails puts it back) and writes it with COMMIT, in one round trip: two round trips per change
 * fewer. Savepoints are taken only when a batch must be run again because one of its changes failed
 * (`transact`): a batch whose changes all succeed costs one round trip per change plus two.
 *
 * Changes that only append rows (a create: its request, jobs and audit entries) are queued with
 * `append` rather than `write`: their rows are gathered and written by one call, which chains the
 * audit entries in the database (pg-appended-rows.ts). A batch of nothing but such changes is that
 * one call, with no transaction around it: one round trip, and the audit head locked only while the
 * database appends the entries and commits. In a batch with other changes, the rows gathered so far
 * are written just before the batch's next query, and the call moves the head the batch holds.
 */
import type pg from 'pg';
import { StoreError } from '../../ports/store.js';
import type { ChainedAuditEntry } from '../store-values.js';
import { type AppendedRows, type AppendResult, addRows, appendRows, noRows } from './pg-appended-rows.js';
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

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * The batch's last round trip: the moved audit head written, and COMMIT. The values are inlined (a
 * simple query cannot carry parameters), so they are checked to be what they must be: a count and a
 * hex hash (what `chainAuditEntries` makes); anything else fails the batch rather than reach SQL.
 */
function finish(head: AuditHeadState | 'missing', initialCount: number): string {
  if (head === 'missing' || head.count === initialCount) return 'COMMIT';
  const hash = head.lastHash;
  if (
    Number.isSafeInteger(head.count) &&
    head.count >= 0 &&
    (hash === null || /^[0-9a-f]{1,128}$/.test(hash))
  ) {
    return `UPDATE audit_head SET count = ${head.count}, last_hash = ${hash === null ? 'NULL' : `'${hash}'`} WHERE id = 1; COMMIT`;
  }
  throw new StoreError('failed', 'The audit head moved to a value that is not a count and a hash.');
}

/** What an appending change gives: its rows, and its answer once they are written and chained. */
export interface Appending<T> {
  rows: AppendedRows;
  answer: (chained: ChainedAuditEntry[]) => T;
}

interface Queued {
  doing: string;
  change: Change;
  /** For an appending change (`change` then writes its rows alone). */
  appending?: Appending<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** More changes than this wait for the next batch, so no batch holds the write order for long. */
const MAX_BATCH = 200;
/** Event-loop turns a batch may wait for more writes to join it. */
const MAX_LINGER_TURNS = 3;
/** The longest a batch waits for the writes it expects (`expectWrites`). */
const MAX_EXPECT_MS = 1;

export interface PgWriteQueueOptions {
  /**
   * Arms the timer that ends a batch's wait for the writes it expects (default: `setTimeout` of
   * 1 ms); returns its cancel function. Tests pass their own to decide when it fires.
   */
  expectTimer?: (fire: () => void) => () => void;
}

const defaultExpectTimer = (fire: () => void) => {
  const timer = setTimeout(fire, MAX_EXPECT_MS);
  return () => clearTimeout(timer);
};

export interface PgWriteQueue {
  write<T>(doing: string, change: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /**
   * Queues a change that only appends rows, written with the other appended rows of its batch, after
   * the changes queued before it. Resolves with its answer once committed.
   */
  append<T>(doing: string, appending: Appending<T>): Promise<T>;
  /** Resolves once every queued write has settled. */
  drain(): Promise<void>;
}

/** Each appending change's share of `result`'s chained entries, in `members`' order. */
function shares(members: readonly Appending<unknown>[], result: AppendResult): Outcome[] {
  let offset = 0;
  return members.map((appending) => {
    const count = appending.rows.audit.length;
    const chained = result.chained.slice(offset, offset + count);
    offset += count;
    return { ok: true, value: appending.answer(chained) };
  });
}

/** Appends `rows` inside the transaction holding the audit head, chaining from it and moving it. */
async function appendHeld(client: pg.PoolClient, rows: AppendedRows): Promise<AppendResult> {
  const head = heads.get(client);
  const result = await appendRows(client, rows, head && head !== 'missing' ? head : undefined);
  if (head && head !== 'missing' && result.head) Object.assign(head, result.head);
  return result;
}

export function createPgWriteQueue(pool: pg.Pool, options: PgWriteQueueOptions = {}): PgWriteQueue {
  const expectTimer = options.expectTimer ?? defaultExpectTimer;
  let queue: Queued[] = [];
  let running: Promise<void> | null = null;
  /**
   * Writers seen in the last batch's round trip: those it answered, probably on their way back with
   * their next change, and those whose changes were queued meanwhile.
   */
  let writers = 0;
  /** Told of each change queued while a batch waits for the writes it expects. */
  let onQueued: (() => void) | null = null;

  /**
   * A batch of appending changes only, as one call and no transaction around it; `null` when it was
   * refused (nothing of it happened), to be run again change by change.
   */
  async function appendAlone(client: pg.PoolClient, batch: Queued[]): Promise<Outcome[] | null> {
    const members = batch.map((queued) => queued.appending as Appending<unknown>);
    const rows = noRows();
    for (const appending of members) addRows(rows, appending.rows);
    let result: AppendResult;
    try {
      result = await appendRows(client, rows);
    } catch {
      return null;
    }
    return shares(members, result);
  }

  /**
   * Runs `batch` in one transaction holding the audit head's lock; `null` when it rolled back to be
   * run again. Fast (`careful` false): no savepoints, and the first change that fails rolls the whole
   * batch back. Careful: a savepoint per change, so a change that fails is rolled back alone. Nearly
   * every batch commits on the fast path; a failing change (a conflict, a constraint) costs the batch
   * one more, careful, run.
   */
  async function transact(
    client: pg.PoolClient,
    batch: Queued[],
    careful: boolean,
  ): Promise<Outcome[] | null> {
    // One round trip: begin, lock the head (and open the first change's savepoint).
    const started = (await client.query(
      `BEGIN; SELECT count, last_hash FROM audit_head WHERE id = 1 FOR UPDATE${careful ? '; SAVEPOINT change' : ''}`,
    )) as unknown as pg.QueryResult<{ count: string; last_hash: string | null }>[];
    const row = started[1]?.rows[0];
    const head: AuditHeadState | 'missing' = row
      ? { count: Number(row.count), lastHash: row.last_hash }
      : 'missing';
    heads.set(client, head);
    const outcomes: Outcome[] = new Array(batch.length);
    /** Appending changes run so far whose rows are not written yet (fast runs only). */
    let pending: { rows: AppendedRows; members: Appending<unknown>[]; at: number[] } | null = null;
    const writePending = async () => {
      if (!pending) return;
      const { rows, members, at } = pending;
      pending = null;
      const result = await appendHeld(client, rows);
      shares(members, result).forEach((outcome, i) => {
        outcomes[at[i] as number] = outcome;
      });
    };
    try {
      const initialCount = head === 'missing' ? 0 : head.count;
      for (const [index, queued] of batch.entries()) {
        const before = head === 'missing' ? null : { ...head };
        try {
          if (!careful && queued.appending) {
            pending ??= { rows: noRows(), members: [], at: [] };
            addRows(pending.rows, queued.appending.rows);
            pending.members.push(queued.appending);
            pending.at.push(index);
            continue;
          }
          // What the changes before appended is written before this one reads or writes.
          if (!careful) await writePending();
          outcomes[index] = { ok: true, value: await queued.change(client) };
          // The next change's savepoint, in the same round trip.
          if (careful) await client.query('RELEASE SAVEPOINT change; SAVEPOINT change');
        } catch (error) {
          if (!careful) {
            await client.query('ROLLBACK');
            return null;
          }
          outcomes[index] = { ok: false, error };
          if (before && head !== 'missing') Object.assign(head, before);
          // A failure that also fails this (a lost connection) ends the batch: nothing of it happened.
          // The savepoint stays, ready for the next change.
          await client.query('ROLLBACK TO SAVEPOINT change');
        }
      }
      try {
        await writePending();
      } catch {
        // One of the appended rows was refused (a duplicate id): find which, change by change.
        await client.query('ROLLBACK');
        return null;
      }
      await client.query(finish(head, initialCount));
      return outcomes;
    } finally {
      heads.delete(client);
    }
  }

  async function runBatch(batch: Queued[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      for (const queued of batch) queued.reject(toPgStoreError(error, queued.doing));
      return;
    }
    let outcomes: Outcome[] | null;
    try {
      const appendingOnly = batch.every((queued) => queued.appending !== undefined);
      outcomes =
        (appendingOnly ? await appendAlone(client, batch) : await transact(client, batch, false)) ??
        (await transact(client, batch, true));
    } catch (error) {
      let broken: Error | undefined;
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
    (outcomes ?? []).forEach((outcome, i) => {
      const queued = batch[i]!;
      if (outcome.ok) queued.resolve(outcome.value);
      else queued.reject(toPgStoreError(outcome.error, queued.doing));
    });
  }

  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  /**
   * Until as many changes are queued as there were writers in the last batch's round trip, or 1 ms
   * has passed (`expectTimer`). Those the last batch answered a moment ago come straight back under
   * load; a batch that waits for them commits once for all the writers instead of committing the
   * ones already here and then the rest (two batches taking turns, each half full). Nothing is
   * awaited when they are already here, nor after a lone write that none joined, so a quiet instance
   * never waits.
   */
  function expectWrites(): Promise<void> {
    const expected = Math.min(writers, MAX_BATCH);
    if (queue.length === 0 || queue.length >= expected) return Promise.resolve();
    return new Promise((resolve) => {
      let cancel: (() => void) | null = null;
      const done = () => {
        cancel?.();
        onQueued = null;
        resolve();
      };
      onQueued = () => {
        if (queue.length >= expected) done();
      };
      cancel = expectTimer(done);
    });
  }

  /**
   * Lets the event loop read on while writes keep arriving (at most `MAX_LINGER_TURNS` turns; a lone
   * write waits one), so the requests already received join this batch, then waits briefly for the
   * writes expected back (`expectWrites`): a commit costs PostgreSQL about as much as three more
   * creates in its batch, and holds the cluster's write order while it runs.
   */
  async function linger(): Promise<void> {
    let seen = -1;
    for (
      let turn = 0;
      turn < MAX_LINGER_TURNS && queue.length !== seen && queue.length < MAX_BATCH;
      turn += 1
    ) {
      seen = queue.length;
      await nextTurn();
    }
    await expectWrites();
  }

  async function loop(): Promise<void> {
    await linger();
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      await runBatch(batch);
      // Its writers were just answered; those queued meanwhile are writers too.
      writers = batch.length + queue.length;
      await linger();
    }
    running = null;
  }

  return {
    write<T>(doing: string, change: (client: pg.PoolClient) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ doing, change, resolve: resolve as (value: unknown) => void, reject });
        onQueued?.();
        running ??= loop();
      });
    },
    append<T>(doing: string, appending: Appending<T>): Promise<T> {
      // Run change by change (a batch run again after a failure): its rows alone, in its savepoint.
      const change = async (client: pg.PoolClient) => {
        const result = await appendHeld(client, appending.rows);
        return appending.answer(result.chained);
      };
      return new Promise<T>((resolve, reject) => {
        queue.push({
          doing,
          change,
          appending: appending as Appending<unknown>,
          resolve: resolve as (value: unknown) => void,
          reject,
        });
        onQueued?.();
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
