import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { PG_MIGRATIONS } from '../../app/adapters/postgres/pg-migrations.js';
import { migratePostgres, openPostgresStore } from '../../app/adapters/postgres/pg-store.js';
import { verifyAuditChain } from '../../app/approvals/audit-chain.js';
import { StoreError } from '../../app/ports/store.js';
import { postgresSchemas, requirePostgres } from '../helpers/postgres.js';
import { aDecision, anAuditEvent, aRequestRecord } from '../store/builders.js';
import { describeInstancesContract } from '../store/instances-contract.js';
import { describeStoreContract } from '../store/store-contract.js';

const schemas = postgresSchemas();
beforeAll(requirePostgres);
const { connectionString } = schemas;
const root = fileURLToPath(new URL('../..', import.meta.url));

describeStoreContract('postgres', () =>
  openPostgresStore({ connectionString, schema: schemas.next(), maxConnections: 4 }),
);

describeInstancesContract('postgres, three pools', async () => {
  const schema = schemas.next();
  return Promise.all([1, 2, 3].map(() => openPostgresStore({ connectionString, schema, maxConnections: 3 })));
});

/** A plain connection to `schema`, to look at (or tamper with) what the store wrote. */
async function raw<T>(schema: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('PostgreSQL store: migrations', () => {
  it('migrates once when three instances open a fresh schema at the same moment', async () => {
    const schema = schemas.next();
    const stores = await Promise.all(
      [1, 2, 3].map(() => openPostgresStore({ connectionString, schema, maxConnections: 2 })),
    );
    await Promise.all(stores.map((s) => s.close()));
    const rows = await raw(
      schema,
      async (c) => (await c.query('SELECT version FROM schema_migrations ORDER BY version')).rows,
    );
    expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
  });

  it('says what it applied: everything on a fresh schema, nothing the second time', async () => {
    const schema = schemas.next();
    const versions = PG_MIGRATIONS.map((m) => m.version);
    expect(await migratePostgres({ connectionString, schema })).toEqual({
      applied: versions,
      version: versions.at(-1),
    });
    expect(await migratePostgres({ connectionString, schema })).toEqual({
      applied: [],
      version: versions.at(-1),
    });
  });

  it('refuses a schema written by a newer AgentGate, saying what to do', async () => {
    const schema = schemas.next();
    await migratePostgres({ connectionString, schema });
    await raw(schema, (c) =>
      c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        PG_MIGRATIONS.length + 1,
        'from the future',
        new Date().toISOString(),
      ]),
    );
    const error = await rejection(openPostgresStore({ connectionString, schema }));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('schema_too_new');
    expect((error as StoreError).message).toMatch(/newer AgentGate: upgrade AgentGate/);
  });
});

describe('PostgreSQL store: integrity and errors', () => {
  it('refuses to change or delete audit entries, and to change a decided request, at the database level', async () => {
    const schema = schemas.next();
    const store = await openPostgresStore({ connectionString, schema });
    const request = aRequestRecord();
    await store.insertRequest(request, [anAuditEvent({ requestId: request.id })]);
    await store.transition(request.id, aDecision({ status: 'denied' }), []);
    await store.close();
    await raw(schema, async (c) => {
      await expect(c.query("UPDATE audit SET actor = 'mallory'")).rejects.toThrow(/append-only/);
      await expect(c.query('DELETE FROM audit')).rejects.toThrow(/append-only/);
      await expect(c.query('TRUNCATE audit')).rejects.toThrow(/append-only/);
      await expect(c.query("UPDATE requests SET status = 'approved'")).rejects.toThrow(/never changes/);
    });
  });

  it('reports an unreachable server as "busy", naming it without its password', async () => {
    const error = await rejection(
      openPostgresStore({
        connectionString: 'postgres://postgres:secret@127.0.0.1:1/test',
        schema: schemas.next(),
      }),
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('busy');
    expect((error as StoreError).message).toContain('127.0.0.1:1');
    expect((error as StoreError).message).not.toContain('secret');
  });
});

describe('PostgreSQL store: durability', () => {
  it('keeps every acknowledged insert, and one valid audit chain, when the process is killed with SIGKILL', async () => {
    const schema = schemas.next();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'test/fixtures/postgres-insert-until-killed.ts'),
        connectionString,
        schema,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const acknowledged = await new Promise<string[]>((resolve, reject) => {
      let buffer = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        if (lines.length > 1000) {
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

    const store = await openPostgresStore({ connectionString, schema });
    try {
      const missing: string[] = [];
      for (const id of acknowledged) if (!(await store.getRequest(id))) missing.push(id);
      expect(missing).toEqual([]);
      const trail = await store.listAudit({ limit: 1_000_000, offset: 0 });
      expect(trail.length).toBeGreaterThanOrEqual(acknowledged.length);
      expect(verifyAuditChain(trail).ok).toBe(true);
      expect(await store.getAuditHead()).toEqual({ count: trail.length, lastHash: trail.at(-1)!.hash });
      // Every stored request has its job (same transaction), and no job without its request.
      const { total } = await store.listRequests({ limit: 0, offset: 0 });
      expect(await store.listJobs({ limit: 1_000_000 })).toHaveLength(total);
    } finally {
      await store.close();
    }
  }, 120_000); // a hang guard: a child process inserting 1,000 rows is slow on a busy machine
});
