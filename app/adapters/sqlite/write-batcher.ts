/**
 * Group commit. A commit costs one write per changed page, whatever the transaction holds; under
 * load the server has many changes waiting at once, so the writes queued during one turn of the
 * event loop share one BEGIN IMMEDIATE … COMMIT. Each change still runs alone in its own SAVEPOINT:
 * one that fails is rolled back by itself and the others commit. Every promise settles only after
 * the COMMIT, so "resolved" still means durable, and writes run in the order they were asked for.
 */
import type Database from 'better-sqlite3';
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

export interface WriteBatcher {
  /** Queues `change`, resolving with its result once its batch has committed. */
  write<T>(doing: string, change: () => T): Promise<T>;
  /** Commits whatever is queued now (before closing the database). */
  flush(): void;
}

export function createWriteBatcher(db: Database.Database): WriteBatcher {
  let queue: Queued[] = [];

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
    outcomes.forEach((outcome, i) => {
      const queued = batch[i]!;
      if (outcome.ok) queued.resolve(outcome.value);
      else queued.reject(toStoreError(outcome.error, queued.doing));
    });
  }

  function onTurn(): void {
    commitOneBatch();
    // Past MAX_BATCH, the rest goes in the next turn, letting I/O run in between.
    if (queue.length > 0) setImmediate(onTurn);
  }

  return {
    write<T>(doing: string, change: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ doing, change, resolve: resolve as (value: unknown) => void, reject });
        if (queue.length === 1) setImmediate(onTurn);
      });
    },
    flush() {
      while (queue.length > 0) commitOneBatch();
    },
  };
}
