/**
 * A fresh PostgreSQL schema per test file for the cluster parts (bus, lock, rate limits), on the
 * machine's PostgreSQL (`AGENTGATE_TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test).
 * Unreachable PostgreSQL fails the test with how to start it: these tests never skip.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const TEST_DATABASE_URL =
  process.env.AGENTGATE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  schema: string;
  /** Client settings whose connections use the schema. */
  connection: pg.ClientConfig;
  /** A connection string whose connections use the schema (`options=-c search_path=…`). */
  url: string;
  /** A new pool on the schema (ended by `drop`). */
  pool(): pg.Pool;
  /** Ends the pools and drops the schema. */
  drop(): Promise<void>;
}

export async function createTestSchema(prefix: string): Promise<TestSchema> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${(error as Error).message}). ` +
        'Start it (e.g. `sudo service postgresql start`, or `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust ' +
        'postgres:15` then `createdb -h 127.0.0.1 -U postgres test`), or point AGENTGATE_TEST_DATABASE_URL at one.',
    );
  }
  await admin.query(`CREATE SCHEMA ${schema}`);
  const connection: pg.ClientConfig = {
    connectionString: TEST_DATABASE_URL,
    options: `-c search_path=${schema}`,
  };
  const pools: pg.Pool[] = [];
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    schema,
    connection,
    url: url.toString(),
    pool() {
      const pool = new pg.Pool({ ...connection, max: 4 });
      pool.on('error', () => undefined); // terminated on purpose by some tests
      pools.push(pool);
      return pool;
    },
    async drop() {
      await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}
