/**
 * The group commit (app/adapters/sqlite/write-batcher.ts) with a sync step, as the durable default
 * runs it: no promise settles before the fsync that covers its COMMIT has finished, batches committed
 * while one fsync is in flight share the next, a failed fsync is an error for the writes it covered,
 * and flush() (at close) syncs at once. The sync here is driven by hand, so nothing depends on timing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BatchState,
  type CommitSync,
  createWriteBatcher,
} from '../../app/adapters/sqlite/write-batcher.js';
import { StoreError } from '../../app/ports/store.js';

/** A sync whose fsyncs end when the test says. */
function manualSync() {
  const waiting: ((error: Error | null) => void)[] = [];
  let now = 0;
  const sync: CommitSync = {
    async: (done) => {
      waiting.push(done);
    },
    now: () => {
      now += 1;
    },
  };
  return {
    sync,
    inFlight: () => waiting.length,
    nowCalls: () => now,
    finish: (error: Error | null = null) => waiting.shift()?.(error),
  };
}

/** Enough turns of the event loop for the batcher to commit what is queued (it may linger a few). */
const turn = async () => {
  for (let i = 0; i < 6; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

let db: Database.Database;
afterEach(() => db?.close());

function table() {
  db = new Database(':memory:');
  db.exec('CREATE TABLE t (x INTEGER PRIMARY KEY)');
  const insert = db.transaction((x: number) => db.prepare('INSERT INTO t VALUES (?)').run(x).changes);
  const count = () => db.prepare('SELECT count(*) AS n FROM t').get() as { n: number };
  return { insert, count };
}

describe('group commit with a sync step', () => {
  it('settles a batch only after the fsync that covers it; what is asked for meanwhile is committed as one batch after it', async () => {
    const { insert, count } = table();
    const manual = manualSync();
    const batcher = createWriteBatcher(db, manual.sync);
    const settled: number[] = [];
    const first = [1, 2, 3].map((x) =>
      batcher.write(`insert ${x}`, () => insert(x)).then(() => settled.push(x)),
    );
    await turn();
    expect(count().n).toBe(3); // committed…
    expect(manual.inFlight()).toBe(1);
    expect(settled).toEqual([]); // …but not acknowledged before the disk confirms it

    const second = [4, 5].map((x) =>
      batcher.write(`insert ${x}`, () => insert(x)).then(() => settled.push(x)),
    );
    await turn();
    const third = batcher.write('insert 6', () => insert(6)).then(() => settled.push(6));
    await turn();
    expect(count().n).toBe(3); // 4, 5 and 6 wait for the fsync in flight
    expect(manual.inFlight()).toBe(1); // one fsync at a time

    manual.finish();
    await Promise.all(first);
    expect(count().n).toBe(6); // committed together when it ended
    await turn();
    expect(settled).toEqual([1, 2, 3]);
    expect(manual.inFlight()).toBe(1); // and covered by the next fsync

    manual.finish();
    await Promise.all([...second, third]);
    expect(settled).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects the writes a failed fsync covered with a StoreError that says so; a change that threw keeps its own error', async () => {
    const { insert } = table();
    const manual = manualSync();
    const batcher = createWriteBatcher(db, manual.sync);
    const ok = batcher.write('insert 1', () => insert(1));
    const duplicate = batcher.write('insert 1 again', () => insert(1));
    await turn();
    manual.finish(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    const error = await ok.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(
      /insert 1: the change was committed but the disk did not confirm it \(EIO/,
    );
    await expect(duplicate).rejects.toThrow(/UNIQUE|constraint/i);
    // After a failed fsync no later write is trusted: refused until a restart, nothing written.
    const later = batcher.write('insert 2', () => insert(2));
    await expect(later).rejects.toThrow(
      /insert 2: an earlier fsync of the database failed \(EIO.*until the server restarts/,
    );
    expect((db.prepare('SELECT count(*) AS n FROM t WHERE x = 2').get() as { n: number }).n).toBe(0);
    expect(batcher.failure?.message).toMatch(/EIO/); // what the store's ping (GET /health) reports
  });

  it('keeps what arrives during an fsync queued, and commits it as one batch when that fsync ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentgate-batcher-'));
    try {
      db = new Database(join(dir, 'db.sqlite'));
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE t (x INTEGER PRIMARY KEY)');
      const insert = db.transaction((x: number) => db.prepare('INSERT INTO t VALUES (?)').run(x).changes);
      const other = new Database(join(dir, 'db.sqlite'), { readonly: true });
      const seen = () => (other.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
      const manual = manualSync();
      const batcher = createWriteBatcher(db, manual.sync);
      const first = batcher.write('insert 1', () => insert(1));
      await turn();
      expect(seen()).toBe(1); // committed, being synced
      const during = [2, 3].map((x) => batcher.write(`insert ${x}`, () => insert(x)));
      await turn();
      const failing = batcher.write('insert 2 again', () => insert(2));
      const after = batcher.write('insert 4', () => insert(4));
      await turn();
      expect(db.inTransaction).toBe(false); // no transaction is held across turns
      expect(seen()).toBe(1); // 2, 3 and 4 wait
      manual.finish();
      await expect(first).resolves.toBe(1);
      expect(db.inTransaction).toBe(false);
      expect(seen()).toBe(4); // one COMMIT for everything that ran meanwhile
      expect(manual.inFlight()).toBe(1); // the fsync of that COMMIT
      manual.finish();
      await expect(Promise.all([...during, after])).resolves.toEqual([1, 1, 1]);
      await expect(failing).rejects.toThrow(/UNIQUE|constraint/i); // rolled back alone
      other.close();
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets writes that arrive in the next turns join the first COMMIT and fsync', async () => {
    const { insert } = table();
    const manual = manualSync();
    const batcher = createWriteBatcher(db, manual.sync);
    const oneTurn = () => new Promise((resolve) => setImmediate(resolve));
    const writes = [batcher.write('insert 1', () => insert(1))];
    await oneTurn();
    writes.push(batcher.write('insert 2', () => insert(2)));
    await oneTurn();
    writes.push(batcher.write('insert 3', () => insert(3)));
    await turn();
    expect(manual.inFlight()).toBe(1);
    manual.finish();
    await expect(Promise.all(writes)).resolves.toEqual([1, 1, 1]); // one fsync covered all three
    expect(manual.inFlight()).toBe(0);
  });

  it('flush() commits what is queued and syncs at once, settling the batch in flight too', async () => {
    const { insert, count } = table();
    const manual = manualSync();
    const batcher = createWriteBatcher(db, manual.sync);
    const inFlight = batcher.write('insert 1', () => insert(1));
    await turn();
    const queued = batcher.write('insert 2', () => insert(2));
    batcher.flush();
    expect(count().n).toBe(2);
    expect(manual.nowCalls()).toBe(1);
    await expect(inFlight).resolves.toBe(1);
    await expect(queued).resolves.toBe(1);
    manual.finish(new Error('closed')); // the in-flight fsync ending late changes nothing
  });

  it('without a sync step, settles at COMMIT', async () => {
    const { insert } = table();
    const batcher = createWriteBatcher(db);
    await expect(batcher.write('insert 1', () => insert(1))).resolves.toBe(1);
  });
});

describe('a change that fails in a batch', () => {
  /** Batch state as a store keeps it (the audit head): a counter written back at the batch's end. */
  function counterState() {
    const calls: string[] = [];
    let value = 0;
    let read = 0;
    const stored = () => (db.prepare('SELECT n FROM counter').get() as { n: number }).n;
    const state: BatchState<number> = {
      begin() {
        calls.push('begin');
        read = stored();
        value = read;
      },
      save: () => value,
      restore(saved) {
        calls.push(`restore ${saved}`);
        value = saved;
      },
      end() {
        calls.push('end');
        if (value !== read) db.prepare('UPDATE counter SET n = ?').run(value);
      },
    };
    return { state, calls, stored, bump: () => (value += 1) };
  }

  it('is undone alone: the batch runs again with a SAVEPOINT per change, and the others commit', async () => {
    const { insert, count } = table();
    db.exec('CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0)');
    const { state, calls, stored, bump } = counterState();
    const batcher = createWriteBatcher(db, undefined, state);
    const runs = { 1: 0, 2: 0, 3: 0 };
    const change = (x: 1 | 2 | 3) => () => {
      runs[x] += 1;
      bump();
      insert(x);
      if (x === 2) insert(1); // a duplicate key, after the change has written its own row
      return x;
    };
    const results = await Promise.allSettled(
      [1, 2, 3].map((x) => batcher.write(`insert ${x}`, change(x as 1 | 2 | 3))),
    );

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
    expect(db.prepare('SELECT x FROM t ORDER BY x').pluck().all()).toEqual([1, 3]); // 2's own row is gone too
    expect(count().n).toBe(2);
    // Run together first (rolled back at the failure, before 3 ran), then again change by change.
    expect(runs).toEqual({ 1: 2, 2: 2, 3: 1 });
    // The state the failed change moved was put back; the batch wrote it once, at its end.
    expect(calls).toEqual(['begin', 'begin', 'restore 1', 'end']);
    expect(stored()).toBe(2);
  });

  it('alone in its batch, fails without running again', async () => {
    const { insert, count } = table();
    const batcher = createWriteBatcher(db);
    let runs = 0;
    await expect(
      batcher.write('insert twice', () => {
        runs += 1;
        insert(7);
        insert(7);
      }),
    ).rejects.toThrow(/insert twice/);
    expect(runs).toBe(1);
    expect(count().n).toBe(0);
  });

  it('leaves a batch that succeeds with one BEGIN … COMMIT and its state written once', async () => {
    const { insert, count } = table();
    db.exec('CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (5)');
    const { state, calls, stored, bump } = counterState();
    const batcher = createWriteBatcher(db, undefined, state);
    await Promise.all(
      [1, 2, 3, 4].map((x) =>
        batcher.write(`insert ${x}`, () => {
          bump();
          return insert(x);
        }),
      ),
    );
    expect(count().n).toBe(4);
    expect(calls).toEqual(['begin', 'end']);
    expect(stored()).toBe(9);
  });
});
