/**
 * `agentgate migrate` on both stores, and the offline commands on PostgreSQL: DATABASE_URL decides
 * which database they open.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../app/adapters/sqlite/migrations.js';
import { postgresSchemas, requirePostgres } from '../helpers/postgres.js';
import { runCli } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

const schemas = postgresSchemas();
beforeAll(requirePostgres);
const tempDir = useTempDir('agentgate-migrate-');

describe('agentgate migrate', () => {
  it('migrates a fresh PostgreSQL schema, says what it applied, and then that there is nothing to do', async () => {
    const env = { DATABASE_URL: await schemas.url() };
    const first = await runCli(['migrate'], { env });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(
      /^Migrated PostgreSQL "postgres:\/\/.*" to schema version 4: applied #1, #2, #3, #4\.\n$/,
    );
    const again = await runCli(['migrate', '--json'], { env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ kind: 'postgres', applied: [], version: 4 });
  });

  it('migrates a SQLite file the same way', async () => {
    const env = { DATABASE_URL: join(tempDir(), 'agentgate.db') };
    const all = MIGRATIONS.map((m) => m.version);
    expect(JSON.parse((await runCli(['migrate', '--json'], { env })).stdout)).toEqual({
      kind: 'sqlite',
      applied: all,
      version: all.at(-1),
    });
    const again = await runCli(['migrate'], { env });
    expect(again.stdout).toBe(
      `SQLite "${env.DATABASE_URL}" is up to date: schema version ${all.at(-1)}. Nothing to do.\n`,
    );
  });

  it('says which server it could not reach, without the password, and exits 1', async () => {
    const run = await runCli(['migrate'], {
      env: { DATABASE_URL: 'postgres://agentgate:hunter2@127.0.0.1:1/agentgate' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('127.0.0.1:1');
    expect(run.stderr).toMatch(/unreachable/);
    expect(run.stderr).not.toContain('hunter2');
  });

  it('refuses a postgres URL it cannot parse, saying what one looks like', async () => {
    const run = await runCli(['migrate'], { env: { DATABASE_URL: 'postgres://' } });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/DATABASE_URL.*postgres:\/\/user:password@host:5432\/database/s);
  });
});

describe('offline commands on PostgreSQL', () => {
  it('creates, lists and revokes keys, and verifies the audit trail, in the configured database', async () => {
    const env = { DATABASE_URL: await schemas.url() };
    const created = await runCli(['keys', 'create', 'ci-bot', '--scopes', 'request:create', '--json'], {
      env,
    });
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const key = JSON.parse(created.stdout) as { id: string };
    const listed = await runCli(['keys', 'list', '--json'], { env });
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((k) => k.id)).toEqual([key.id]);
    expect((await runCli(['keys', 'revoke', key.id], { env })).stdout).toBe(`Revoked ${key.id}.\n`);
    const verdict = await runCli(['audit', 'verify'], { env });
    expect(verdict).toMatchObject({ code: 0 });
    expect(verdict.stdout).toMatch(/^Audit trail intact: 2 entries verified against the audit head/);
  });
});
