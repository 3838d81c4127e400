import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS, type Migration } from '../../app/adapters/sqlite/migrations.js';
import { configureConnection, openSqliteStore, walSync } from '../../app/adapters/sqlite/sqlite-store.js';
import { FIND_EXPIRED_SQL } from '../../app/adapters/sqlite/statements.js';
import { verifyAuditChain } from '../../app/approvals/audit-chain.js';
import { type Store, StoreError } from '../../app/ports/store.js';
import { aDecision, anAuditEvent, aRequestRecord } from '../store/builders.js';
import { describeInstancesContract } from '../store/instances-contract.js';
import { describeStoreContract } from '../store/store-contract.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tempDir = mkdtempSync(join(tmpdir(), 'agentgate-sqlite-'));
let files = 0;
const tempFile = () => join(tempDir, `store-${++files}.db`);
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

describeStoreContract('sqlite :memory:', () => openSqliteStore({ path: ':memory:' }));
describeStoreContract('sqlite file', () => openSqliteStore({ path: tempFile() }));

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('SQLite store: opening', () => {
  it('creates the parent directories of a file path and uses WAL', async () => {
    const path = join(tempDir, 'nested', 'deeper', 'agentgate.db');
    const store = await openSqliteStore({ path });
    await store.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('leaves fsync to the group commit: SQLite runs at NORMAL, the WAL file is fsynced per batch', async () => {
    const path = tempFile();
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    configureConnection(db);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    db.exec('CREATE TABLE t (x)');
    const sync = walSync(db);
    db.exec('INSERT INTO t VALUES (1)');
    await new Promise<void>((resolve, reject) => sync.async((error) => (error ? reject(error) : resolve())));
    sync.now();
    sync.close();
    db.close();
  });

  it('is durable by default and keeps every acknowledged write of a batch, whether fsynced or not', async () => {
    for (const synchronous of [undefined, 'full', 'normal'] as const) {
      const path = tempFile();
      const store = await openSqliteStore({ path, ...(synchronous && { synchronous }) });
      const requests = Array.from({ length: 20 }, () => aRequestRecord());
      await Promise.all(requests.map((r) => store.insertRequest(r, [anAuditEvent({ requestId: r.id })])));
      // Closing while a batch waits for its fsync settles it too.
      const last = aRequestRecord();
      const pending = store.insertRequest(last, [anAuditEvent({ requestId: last.id })]);
      await store.close();
      await expect(pending).resolves.toMatchObject({ kind: 'created' });
      const again = await openSqliteStore({ path });
      for (const r of [...requests, last]) expect(await again.getRequest(r.id)).toEqual(r);
      expect(await again.listAudit({ limit: 100, offset: 0 })).toHaveLength(21);
      await again.close();
    }
  });

  it('keeps the data when the file is opened again', async () => {
    const path = tempFile();
    const request = aRequestRecord();
    const first = await openSqliteStore({ path });
    await first.insertRequest(request, [anAuditEvent({ requestId: request.id })]);
    await first.close();
    const second = await openSqliteStore({ path });
    expect(await second.getRequest(request.id)).toEqual(request);
    expect(await second.listAudit({ limit: 10, offset: 0 })).toHaveLength(1);
    await second.close();
  });

  it('says which path it could not open', async () => {
    const notADirectory = join(tempDir, 'plain-file');
    writeFileSync(notADirectory, 'x');
    const error = await rejection(openSqliteStore({ path: join(notADirectory, 'agentgate.db') }));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('failed');
    expect((error as StoreError).message).toContain(notADirectory);
  });
});

describe('SQLite store: migrations', () => {
  const rawDb = () => new Database(':memory:');
  const versions = (db: Database.Database) =>
    db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();

  it('applies every migration once; applying again is a no-op', () => {
    const db = rawDb();
    expect(applyMigrations(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(applyMigrations(db)).toEqual([]);
    expect(versions(db)).toEqual(MIGRATIONS.map((m) => m.version));
    db.close();
  });

  it('applies only the new migrations, in order, on top of an older schema', () => {
    const db = rawDb();
    const m1: Migration = { version: 1, name: 'one', up: 'CREATE TABLE t (a TEXT)' };
    const m2: Migration = { version: 2, name: 'two', up: "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'" };
    const m3: Migration = { version: 3, name: 'three', up: "INSERT INTO t (a) VALUES ('row')" };
    expect(applyMigrations(db, [m1])).toEqual([1]);
    expect(applyMigrations(db, [m1, m2, m3])).toEqual([2, 3]);
    expect(db.prepare('SELECT a, b FROM t').all()).toEqual([{ a: 'row', b: 'x' }]);
    db.close();
  });

  it('rolls back every migration of a run when one fails', () => {
    const db = rawDb();
    const good: Migration = { version: 1, name: 'good', up: 'CREATE TABLE t (a TEXT)' };
    const bad: Migration = { version: 2, name: 'bad', up: 'CREATE TABLE broken (' };
    expect(() => applyMigrations(db, [good, bad])).toThrow();
    // Nothing of the run is left, not even the bookkeeping table it created.
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual([]);
    db.close();
  });

  it('refuses a migration list with a gap', () => {
    const db = rawDb();
    expect(() => applyMigrations(db, [{ version: 2, name: 'two', up: 'SELECT 1' }])).toThrow(/expected 1/);
    db.close();
  });

  it('refuses to open a database written by a newer version, saying what to do', async () => {
    const path = tempFile();
    await (await openSqliteStore({ path })).close();
    const raw = new Database(path);
    raw
      .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
      .run(MIGRATIONS.length + 1, 'from the future', new Date().toISOString());
    raw.close();
    const error = await rejection(openSqliteStore({ path }));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('schema_too_new');
    expect((error as StoreError).message).toMatch(/newer AgentGate: upgrade AgentGate/);
  });
});

describe('SQLite store: query plans', () => {
  it('finds expired requests from the pending-only index, already in expiry order', () => {
    const db = new Database(':memory:');
    applyMigrations(db);
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${FIND_EXPIRED_SQL}`)
      .all('2025-01-01T00:00:00.000Z', 10)
      .map((row) => (row as { detail: string }).detail)
      .join(' | ');
    db.close();
    expect(plan).toContain('requests_pending_expiry');
    expect(plan).not.toContain('TEMP B-TREE');
  });
});

describe('SQLite store: integrity', () => {
  it('refuses to change or delete audit entries, and to change a decided request, at the database level', async () => {
    const path = tempFile();
    const store = await openSqliteStore({ path });
    const request = aRequestRecord();
    await store.insertRequest(request, [anAuditEvent({ requestId: request.id })]);
    await store.transition(request.id, aDecision({ status: 'denied' }), []);
    await store.close();
    const raw = new Database(path);
    expect(() => raw.prepare("UPDATE audit SET actor = 'mallory'").run()).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    expect(() => raw.prepare("UPDATE requests SET status = 'approved'").run()).toThrow(/never changes/);
    raw.close();
  });

  it('reports a database held by another writer past the busy timeout as "busy"', async () => {
    const path = tempFile();
    const store = await openSqliteStore({ path });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const error = await rejection(store.appendAudit([anAuditEvent()]));
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('busy');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    // Once the other writer is gone, the store works again.
    expect(await store.appendAudit([anAuditEvent()])).toHaveLength(1);
    await store.close();
  });
});

/** Runs a fixture script under tsx, as its own process. */
function runFixture(
  script: string,
  args: string[],
  stdio: StdioOptions = ['ignore', 'pipe', 'pipe'],
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(root, 'test/fixtures', script), ...args], {
    cwd: root,
    stdio,
  });
}

describe('SQLite store: durability and several processes', () => {
  it('keeps every acknowledged insert when the process is killed with SIGKILL', async () => {
    const path = tempFile();
    const child = runFixture('sqlite-insert-until-killed.ts', [path]);
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const acknowledged = await new Promise<string[]>((resolve, reject) => {
      let buffer = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        if (lines.length > 2000) {
          child.kill('SIGKILL');
          // Only complete lines were acknowledged; a partial last line may be cut.
          resolve(lines.slice(0, -1));
        }
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`child exited early (${code}): ${stderr}`));
      });
    });
    await new Promise((resolve) => child.once('close', resolve));
    expect(child.signalCode).toBe('SIGKILL');

    const store = await openSqliteStore({ path });
    const missing: string[] = [];
    for (const id of acknowledged) if (!(await store.getRequest(id))) missing.push(id);
    expect(missing).toEqual([]);
    const trail = await store.listAudit({ limit: 1_000_000, offset: 0 });
    expect(trail.length).toBeGreaterThanOrEqual(acknowledged.length);
    expect(verifyAuditChain(trail).ok).toBe(true);
    await store.close();
  }, 120_000); // a hang guard: a child process inserting 1,000 rows is slow on a busy machine

  it('keeps one valid chain when two store instances on one file append in turn (CLI + server)', async () => {
    const path = tempFile();
    const server = await openSqliteStore({ path });
    const cli = await openSqliteStore({ path });
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i += 1) {
      const store: Store = i % 2 === 0 ? server : cli;
      work.push(store.appendAudit([anAuditEvent({ actor: i % 2 === 0 ? 'server' : 'cli', details: { i } })]));
    }
    await Promise.all(work);
    const trail = await server.listAudit({ limit: 1000, offset: 0 });
    expect(trail).toHaveLength(200);
    expect(verifyAuditChain(trail)).toMatchObject({ ok: true, checked: 200 });
    expect(await cli.listAudit({ limit: 1000, offset: 0 })).toEqual(trail);
    await server.close();
    await cli.close();
  });

  it('keeps one valid chain when several processes append at the same time', async () => {
    const path = tempFile();
    await (await openSqliteStore({ path })).close();
    const batches = 300;
    const tags = ['writer-a', 'writer-b', 'writer-c'];
    const children = tags.map((tag) =>
      runFixture('sqlite-append-audit.ts', [path, String(batches), tag], ['pipe', 'pipe', 'pipe']),
    );
    const outputs = children.map((child) => {
      let output = '';
      child.stdout?.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      return {
        ready: new Promise<void>((resolve) => child.stdout?.once('data', () => resolve())),
        done: new Promise<{ code: number | null; output: string }>((resolve) =>
          child.on('close', (code) => resolve({ code, output })),
        ),
      };
    });
    // Every writer has opened the store before any starts appending.
    await Promise.all(outputs.map((o) => o.ready));
    for (const child of children) child.stdin?.end('go\n');
    const outcomes = await Promise.all(outputs.map((o) => o.done));
    for (const outcome of outcomes) expect(outcome).toEqual({ code: 0, output: 'ready\ndone\n' });

    const store = await openSqliteStore({ path });
    const trail = await store.listAudit({ limit: 1_000_000, offset: 0 });
    const head = await store.getAuditHead();
    await store.close();
    // Each process moved the shared head under the write lock: it ends where the trail ends.
    expect(head).toEqual({ count: trail.length, lastHash: trail.at(-1)?.hash });
    const perWriter = Array.from({ length: batches }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b);
    expect(trail).toHaveLength(perWriter * tags.length);
    expect(verifyAuditChain(trail)).toMatchObject({ ok: true, checked: trail.length });
    // The writers really did run at the same time: their entries interleave in the chain.
    const switches = trail.filter((entry, i) => i > 0 && entry.actor !== trail[i - 1]!.actor).length;
    expect(switches).toBeGreaterThan(tags.length);
  }, 120_000); // a hang guard: three child processes appending 300 batches each are slow on a busy machine
});

describeInstancesContract('sqlite file, three connections', async () => {
  const path = tempFile();
  return Promise.all([1, 2, 3].map(() => openSqliteStore({ path })));
});
