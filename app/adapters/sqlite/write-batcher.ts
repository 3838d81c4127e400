/**
 * Group commit. A commit costs one write per changed page, whatever the transaction holds; under
 * load the server has many changes waiting at once, so the writes queued during one turn of the
 * event loop share one BEGIN IMMEDIATE … COMMIT, and writes run in the order they were asked for.
 * Every promise settles only after the COMMIT, so "resolved" still means durable.
 *
 * A change that fails is rolled back by itself and the others commit, as if each ran in a
 * transaction of its own. Changes almost never fail, so a batch first runs without a SAVEPOINT per
 * change (two statements per change saved); when one throws, the whole batch is rolled back and run
 * again with a SAVEPOINT around each change, which keeps the others. Changes run under the batch's
 * transaction (they must not open their own) and may therefore run twice: they compute from the
 * database and their arguments only, and what a rolled-back run did is gone with it.
 *
 * `state` (the audit head, sqlite-store.ts) is what a store keeps in memory for the length of a
 * batch: read once after BEGIN, moved by the changes, written once before COMMIT, and put back when a
 * change's SAVEPOINT is rolled back.
 *
 * With `sync` (the store's default, `AGENTGATE_SQLITE_SYNCHRONOUS=full`), "durable" includes a power
 * loss: after a COMMIT the batch waits for `sync` (an fsync of the WAL file, on libuv's thread pool)
 * before its promises settle. The fsync runs off the event loop, so requests keep being read and
 * checked meanwhile; the changes they ask for wait, and are committed as one batch when that fsync
 * ends, covered by the next (at most one fsync is in flight; promises settle in commit order). No
 * transaction stays open across turns of the event loop, so other connections still get their turn.
 * A failed fsync fails the writes it covered and every write after it: once the kernel has
 * reported a write-back error, a later fsync may succeed without the lost pages (PostgreSQL stops on
 * it too), so only a restart — SQLite then reads back what the disk really holds — is trusted again.
 */
import type Database from 'better-sqlite3';
import { StoreError } from '../../ports/store.js';
import { toStoreError } from './sqlite-error.js';

interface Queued {
  doing: string;
  /** Runs the change under the batch's transaction (it opens none of its own); may run twice. */
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

/** In-memory state of one batch, kept by the store and written back inside the batch's transaction. */
export interface BatchState<Saved = unknown> {
  /** First thing in the batch's transaction. */
  begin(): void;
  /** Before a change that runs in its own SAVEPOINT: what `restore` puts back if it is rolled back. */
  save(): Saved;
  restore(saved: Saved): void;
  /** Last thing before COMMIT: writes the state back. */
  end(): void;
}

const NO_STATE: BatchState = { begin() {}, save: () => undefined, restore() {}, end() {} };

/** Thrown out of the one-transaction run by a failing change, so its batch is run again change by change. */
class ChangeFailed {
  constructor(readonly error: unknown) {}
}

export function createWriteBatcher<Saved>(
  db: Database.Database,
  sync?: CommitSync,
  state: BatchState<Saved> = NO_STATE as BatchState<Saved>,
): WriteBatcher {
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
      // What was asked for while this fsync was in flight is committed now, as one batch, and the
      // next fsync covers it.
      if (error) refuseQueued(error);
      else if (queue.length > 0) {
        commitOneBatch();
        if (queue.length > 0) schedule();
      }
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

  /** The batch in one transaction, no SAVEPOINTs: the first change that throws aborts it. */
  const commitTogether = db.transaction((batch: readonly Queued[]): Outcome[] => {
    state.begin();
    const outcomes = batch.map((queued): Outcome => {
      try {
        return { ok: true, value: queued.change() };
      } catch (error) {
        throw new ChangeFailed(error);
      }
    });
    state.end();
    return outcomes;
  });

  const savepoint = db.prepare('SAVEPOINT batched_change');
  const release = db.prepare('RELEASE batched_change');
  const rollbackTo = db.prepare('ROLLBACK TO batched_change');
  /** The batch again, each change in its own SAVEPOINT: one that fails is undone alone. */
  const commitEach = db.transaction((batch: readonly Queued[]): Outcome[] => {
    state.begin();
    const outcomes = batch.map((queued): Outcome => {
      const saved = state.save();
      savepoint.run();
      try {
        const value = queued.change();
        release.run();
        return { ok: true, value };
      } catch (error) {
        // Some errors (disk full, I/O) end the whole transaction: then the batch fails as a whole.
        if (!db.inTransaction) throw error;
        rollbackTo.run();
        release.run();
        state.restore(saved);
        return { ok: false, error };
      }
    });
    state.end();
    return outcomes;
  });

  /** The outcome of each change; throws when the batch failed as a whole (BEGIN or COMMIT). */
  function runBatch(batch: readonly Queued[]): Outcome[] {
    try {
      return commitTogether.immediate(batch);
    } catch (failure) {
      if (!(failure instanceof ChangeFailed)) throw failure;
      // A change failed and the batch was rolled back with it: a lone change has its answer, the
      // others run again, change by change.
      return batch.length === 1 ? [{ ok: false, error: failure.error }] : commitEach.immediate(batch);
    }
  }

  function commitOneBatch(): void {
    const batch = queue.slice(0, MAX_BATCH);
    queue = queue.slice(MAX_BATCH);
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = runBatch(batch);
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

  /** After a failed fsync: what is queued is refused, like every write after it. */
  function refuseQueued(error: Error): void {
    const refused = queue;
    queue = [];
    for (const queued of refused) queued.reject(refusedAfter(error, queued.doing));
  }

  let scheduled = false;
  let lingered = 0;
  /** Writes asked for so far, and as many as the last turn had seen: did more arrive since? */
  let arrivals = 0;
  let seenArrivals = 0;
  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(onTurn);
  }

  function onTurn(): void {
    scheduled = false;
    if (broken) {
      refuseQueued(broken);
      return;
    }
    if (sync) {
      // Changes asked for while an fsync is in flight could not settle before the next one anyway:
      // they wait, and the fsync's end commits them all as one batch (one COMMIT, one copy of the
      // pages they share in the WAL). Otherwise, before committing and starting an fsync, let the
      // event loop read once more while writes keep arriving (at most a few turns; a lone write
      // waits one), so the requests already received join this COMMIT and fsync.
      if (syncing) return;
      const arrived = arrivals !== seenArrivals;
      seenArrivals = arrivals;
      if (arrived && lingered < MAX_LINGER_TURNS) {
        lingered += 1;
        schedule();
        return;
      }
      lingered = 0;
    }
    commitOneBatch();
    // Past MAX_BATCH, the rest goes in the next turn, letting I/O run in between.
    if (queue.length > 0) schedule();
  }

  return {
    write<T>(doing: string, change: () => T): Promise<T> {
      if (broken) return Promise.reject(refusedAfter(broken, doing));
      return new Promise<T>((resolve, reject) => {
        queue.push({ doing, change, resolve: resolve as (value: unknown) => void, reject });
        arrivals += 1;
        schedule();
      });
    },
    get failure() {
      return broken;
    },
    flush() {
      if (broken) refuseQueued(broken);
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
