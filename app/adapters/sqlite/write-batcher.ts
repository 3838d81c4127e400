/**
 * Group commit. A commit costs one write per changed page, whatever the transaction holds; under
 * load the server has many changes waiting at once, so the writes queued during one turn of the
 * event loop share one BEGIN IMMEDIATE … COMMIT. Each change still runs alone in its own SAVEPOINT:
 * one that fails is rolled back by itself and the others commit. Every promise settles only after
 * the COMMIT, so "resolved" still means durable, and writes run in the order they were asked for.
 *
 * With `sync` (the store's default, `AGENTGATE_SQLITE_SYNCHRONOUS=full`), "durable" includes a power
 * loss: after a COMMIT the batch waits for `sync` (an fsync of the WAL file, on libuv's thread pool)
 * before its promises settle. The fsync runs off the event loop, so requests keep being parsed and
 * checked meanwhile, and the changes they make run in a transaction left open until that fsync
 * ends, then are committed as one and covered by the next fsync (at most one is in flight, and
 * promises settle in commit order). A failed fsync fails the
 * writes it covered and every write after it: once the kernel has reported a write-back error, a
 * later fsync may succeed without the lost pages (as PostgreSQL, which stops on it), so only a
 * restart — SQLite then reads back what the disk really holds — is trusted again.
 */
import type Database from 'better-sqlite3';
import { StoreError } from '../../ports/store.js';
import { toStoreError } from './sqlite-error.js';

interface Queued {
  doing: string;
  /** Runs the change; it must open its own (nested, so SAVEPOINT) better-sqlite3 transaction. */
  change: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** More changes than this wait for the next batch, so no one batch holds the write lock for long. */
const MAX_BATCH = 256;
/** Event-loop turns a commit with fsync may wait for more writes to join it. */
const MAX_LINGER_TURNS = 3;

export interface WriteBatcher {
  /** Queues `change`, resolving with its result once its batch has committed (and been synced). */
  write<T>(doing: string, change: () => T): Promise<T>;
  /** Commits whatever is queued now, and syncs it (before closing the database). */
  flush(): void;
  /** The failed sync after which writes are refused, or null. */
  readonly failure: Error | null;
}

/** Makes what was committed so far durable: `async` off the event loop, `now` synchronously. */
export interface CommitSync {
  async(done: (error: Error | null) => void): void;
  now(): void;
}

export function createWriteBatcher(db: Database.Database, sync?: CommitSync): WriteBatcher {
  let queue: Queued[] = [];
  /** Settles committed batches once a sync covering them has finished (or failed). */
  let unsynced: ((error: Error | null) => void)[] = [];
  /** The batches the sync in flight covers; null when none is. */
  let syncing: ((error: Error | null) => void)[] | null = null;
  /** The failed sync after which no write is accepted. */
  let broken: Error | null = null;

  function startSync(): void {
    if (!sync || syncing || unsynced.length === 0) return;
    const covered = unsynced;
    syncing = covered;
    unsynced = [];
    sync.async((error) => {
      syncing = null;
      if (error) broken ??= error;
      // A promise settles once: after flush() settled these, this changes nothing.
      for (const settle of covered) settle(error);
      // What ran while this fsync was in flight is committed now, and the next fsync covers it.
      if (error) abandonOpen(error);
      else commitOpen();
      startSync();
    });
  }

  const refusedAfter = (error: Error, doing: string) =>
    new StoreError(
      'failed',
      `Could not ${doing}: an earlier fsync of the database failed (${error.message}), so no write is trusted until the server restarts.`,
      { cause: error },
    );

  const notSynced = (error: Error, doing: string) =>
    new StoreError(
      'failed',
      `Could not ${doing}: the change was committed but the disk did not confirm it (${error.message}).`,
      { cause: error },
    );

  const commit = db.transaction((batch: readonly Queued[]): Outcome[] =>
    batch.map((queued) => {
      try {
        return { ok: true, value: queued.change() };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );

  function commitOneBatch(): void {
    const batch = queue.slice(0, MAX_BATCH);
    queue = queue.slice(MAX_BATCH);
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = commit.immediate(batch);
    } catch (error) {
      // BEGIN or COMMIT failed (busy past the timeout, disk full…): nothing of the batch happened.
      for (const queued of batch) queued.reject(toStoreError(error, queued.doing));
      return;
    }
    const settle = (syncError: Error | null) =>
      outcomes.forEach((outcome, i) => {
        const queued = batch[i]!;
        if (!outcome.ok) queued.reject(toStoreError(outcome.error, queued.doing));
        else if (syncError) queued.reject(notSynced(syncError, queued.doing));
        else queued.resolve(outcome.value);
      });
    if (!sync) {
      settle(null);
      return;
    }
    unsynced.push(settle);
    startSync();
  }

  // With a sync step, changes that arrive while an fsync is in flight could not settle before the
  // next fsync anyway, so they run at once inside a BEGIN IMMEDIATE transaction left open, each in
  // its own SAVEPOINT as before, and are committed together when that fsync ends: one COMMIT (and
  // one copy of the pages they share in the WAL) for all of them, instead of one per turn. Until
  // then only this connection sees them, and no one has been told of them.
  let open: { queued: Queued; outcome: Outcome }[] | null = null;

  function runOpen(): void {
    const batch = queue.slice(0, MAX_BATCH);
    queue = queue.slice(MAX_BATCH);
    if (batch.length === 0) return;
    if (!open) {
      try {
        db.exec('BEGIN IMMEDIATE');
      } catch (error) {
        for (const queued of batch) queued.reject(toStoreError(error, queued.doing));
        return;
      }
      open = [];
    }
    for (const queued of batch) {
      let outcome: Outcome;
      try {
        outcome = { ok: true, value: queued.change() };
      } catch (error) {
        outcome = { ok: false, error };
      }
      if (!db.inTransaction) {
        // SQLite rolled the whole transaction back (disk full, I/O error): none of it happened.
        const error = outcome.ok ? new Error('the transaction was rolled back') : outcome.error;
        for (const done of [...open, { queued, outcome }])
          done.queued.reject(toStoreError(error, done.queued.doing));
        open = null;
        queue = [...batch.slice(batch.indexOf(queued) + 1), ...queue];
        return;
      }
      open.push({ queued, outcome });
    }
  }

  function commitOpen(): void {
    const ran = open;
    if (!ran) return;
    open = null;
    try {
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      for (const { queued } of ran) queued.reject(toStoreError(error, queued.doing));
      return;
    }
    unsynced.push((syncError) => {
      for (const { queued, outcome } of ran) {
        if (!outcome.ok) queued.reject(toStoreError(outcome.error, queued.doing));
        else if (syncError) queued.reject(notSynced(syncError, queued.doing));
        else queued.resolve(outcome.value);
      }
    });
  }

  /** After a failed fsync: what is open is rolled back, and it and what is queued are refused. */
  function abandonOpen(error: Error): void {
    const ran = open ?? [];
    open = null;
    if (db.inTransaction) db.exec('ROLLBACK');
    const refused = [...ran.map(({ queued }) => queued), ...queue];
    queue = [];
    for (const queued of refused) queued.reject(refusedAfter(error, queued.doing));
  }

  let scheduled = false;
  let lingered = 0;
  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(onTurn);
  }

  function onTurn(): void {
    scheduled = false;
    if (broken) {
      abandonOpen(broken);
      return;
    }
    if (sync) {
      const arrived = queue.length > 0;
      runOpen();
      if (!syncing && open) {
        // Before starting an fsync, let the event loop read once more: writes of requests already
        // received join this COMMIT and fsync instead of waiting for the next (at most a few turns,
        // and only while writes keep arriving, so a lone write waits one turn).
        if (arrived && lingered < MAX_LINGER_TURNS) {
          lingered += 1;
          schedule();
          return;
        }
        lingered = 0;
        commitOpen();
        startSync();
      }
    } else {
      commitOneBatch();
    }
    // Past MAX_BATCH, the rest goes in the next turn, letting I/O run in between.
    if (queue.length > 0) schedule();
  }

  return {
    write<T>(doing: string, change: () => T): Promise<T> {
      if (broken) return Promise.reject(refusedAfter(broken, doing));
      return new Promise<T>((resolve, reject) => {
        queue.push({ doing, change, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
    get failure() {
      return broken;
    },
    flush() {
      if (sync && broken) abandonOpen(broken);
      if (sync) {
        while (queue.length > 0) runOpen();
        commitOpen();
      }
      while (queue.length > 0) commitOneBatch();
      if (!sync || (unsynced.length === 0 && !syncing)) return;
      // One sync now covers every commit so far, the in-flight sync's batches included.
      const covered = [...(syncing ?? []), ...unsynced];
      unsynced = [];
      let error: Error | null = null;
      try {
        sync.now();
      } catch (failure) {
        error = failure instanceof Error ? failure : new Error(String(failure));
        broken ??= error;
      }
      for (const settle of covered) settle(error);
    },
  };
}
