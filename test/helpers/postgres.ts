/**
 * PostgreSQL for tests: each test file gets schemas of its own with random names, dropped when the
 * file ends, so parallel vitest workers never see each other's tables. The server comes from
 * `AGENTGATE_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`). When it cannot be
 * reached the tests fail, saying how to start it: they never skip silently.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';

const TEST_DATABASE_URL =
  process.env.AGENTGATE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const HOW_TO_START =
  'These tests need PostgreSQL (15+). Start it (e.g. `sudo service postgresql start`, or ' +
  '`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:15`), ' +
  'or point AGENTGATE_TEST_DATABASE_URL at one (a user allowed to CREATE SCHEMA). See CONTRIBUTING.md.';

/** Runs `sql` on a short-lived connection, failing with how to start PostgreSQL when it is down. */
async function admin(statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_DATABASE_URL}: ${String(error)}. ${HOW_TO_START}`,
      {
        cause: error,
      },
    );
  }
  try {
    // One transaction per statement: dropping many schemas at once runs out of lock slots.
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Schemas for this test file: `next()` names a fresh one (not created: the store creates it, as it
 * would in production); all are dropped after the file's tests.
 */
export function postgresSchemas(): {
  next(): string;
  /** A new schema, created, and the DATABASE_URL that selects it (as an operator would set one). */
  url(): Promise<string>;
  connectionString: string;
} {
  const made: string[] = [];
  const next = (): string => {
    const schema = `agentgate_test_${randomBytes(6).toString('hex')}`;
    made.push(schema);
    return schema;
  };
  afterAll(async () => {
    if (made.length === 0) return;
    await admin(made.map((schema) => `DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  });
  return {
    connectionString: TEST_DATABASE_URL,
    next,
    async url() {
      const schema = next();
      await admin([`CREATE SCHEMA ${schema}`]);
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return url.toString();
    },
  };
}

/** Fails the calling test file at once, with how to start PostgreSQL, when it is not reachable. */
export async function requirePostgres(): Promise<void> {
  await admin(['SELECT 1']);
}
