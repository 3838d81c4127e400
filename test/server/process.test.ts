import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../app/adapters/sqlite/sqlite-store.js';
import { apiClient } from '../helpers/http.js';
import { runCli } from '../helpers/run-cli.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startTestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

const ADMIN = 'agk_test-admin-key-for-process-tests-0123456789';
const running: ServerProcess[] = [];

const tempDir = useTempDir('agentgate-proc-');

function freshEnv() {
  const dir = tempDir();
  mkdirSync(join(dir, 'policies'));
  return {
    DATABASE_URL: join(dir, 'agentgate.db'),
    AGENTGATE_POLICY_DIR: join(dir, 'policies'),
    ADMIN_API_KEY: ADMIN,
  };
}

async function start(env: Record<string, string>) {
  const server = await startServerProcess(env);
  running.push(server);
  return server;
}

afterEach(() => {
  for (const server of running.splice(0)) server.child.kill('SIGKILL');
});

// Process start-up (tsx compiling the server) takes seconds on a busy machine.
describe('the server process', { timeout: 60_000 }, () => {
  it('loses nothing it acknowledged when killed with SIGKILL under load', async () => {
    const env = freshEnv();
    const first = await start(env);
    const api = apiClient(first.url, ADMIN);
    const acknowledged: string[] = [];
    let stop = false;
    let reached300: () => void = () => {};
    const enough = new Promise<void>((resolve) => {
      reached300 = resolve;
    });
    const workers = Array.from({ length: 16 }, async () => {
      while (!stop) {
        try {
          const res = await api('POST', '/api/requests', {
            action: 'deploy:durable',
            params: { n: acknowledged.length },
          });
          if (res.status === 201) acknowledged.push(res.body.id);
          if (acknowledged.length >= 300) reached300();
        } catch {
          return; // the connection died with the process
        }
      }
    });
    await enough;
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    await first.exited;

    // Read back from the database file itself, as the next start would.
    const store = await openSqliteStore({ path: env.DATABASE_URL });
    const missing: string[] = [];
    for (const id of acknowledged) if (!(await store.getRequest(id))) missing.push(id);
    await store.close();
    expect(missing).toEqual([]);
    // The audit chain survived the crash too.
    const verify = await runCli(['audit', 'verify'], { env });
    expect(verify.stdout).toMatch(/Audit trail intact/);
    expect(verify.code).toBe(0);
  }, 60_000);

  it('prints a one-time admin key on the first start, never logs it, and on SIGTERM answers waiters before exiting 0', async () => {
    const { ADMIN_API_KEY: _unused, ...env } = freshEnv();
    const first = await start(env);
    const key = /agk_[A-Za-z0-9_-]{43}/.exec(first.stderr())?.[0];
    expect(key).toBeDefined();
    expect(first.stdout()).not.toContain(key);
    const api = apiClient(first.url, key);
    expect((await api('GET', '/api/api-keys')).status).toBe(200);

    const { body } = await api('POST', '/api/requests', { action: 'deploy:sigterm' });
    const waiting = api('GET', `/api/requests/${body.id}/wait?timeout=30`);
    await until(async () => /^agentgate_waiters 1$/m.test((await api('GET', '/metrics')).body));
    first.child.kill('SIGTERM');
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: body.id, status: 'pending' });
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain('shut down cleanly');

    const second = await start(env);
    expect(second.stderr()).not.toMatch(/agk_/);
  });

  it('refuses to start with bad configuration, naming the variable', async () => {
    const env = { ...freshEnv(), PORT: 'eighty', LOG_LEVEL: 'loud' };
    const result = await runCli(['serve'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PORT must be a port number');
    expect(result.stderr).toContain('LOG_LEVEL must be one of');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('refuses to start with invalid policies, pointing at the file and line', async () => {
    const env = freshEnv();
    writeFileSync(
      join(env.AGENTGATE_POLICY_DIR, 'broken.yaml'),
      'rules:\n  - name: x\n    decision: maybe\n',
    );
    const result = await runCli(['serve'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken\.yaml:3:\d+/);
  });
});

describe('agentgate audit verify', () => {
  it('detects an edited audit entry', async () => {
    const env = freshEnv();
    const server = await startTestServer({ databasePath: env.DATABASE_URL });
    const api = apiClient(server.url, server.adminKey);
    for (let i = 0; i < 5; i += 1) await api('POST', '/api/requests', { action: 'deploy:audit' });
    await server.close();
    expect((await runCli(['audit', 'verify'], { env })).code).toBe(0);

    // An attacker with the file can drop the append-only trigger; the chain still tells.
    const db = new Database(env.DATABASE_URL);
    db.exec('DROP TRIGGER audit_no_update');
    db.prepare("UPDATE audit SET actor = 'api:mallory' WHERE seq = 3").run();
    db.close();
    const tampered = await runCli(['audit', 'verify'], { env });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/TAMPERED at entry aud_/);
  });
});

describe('agentgate keys (offline)', () => {
  it('creates, lists and revokes keys straight in the database', async () => {
    const env = freshEnv();
    const keys = (...args: string[]) => runCli(['keys', ...args], { env });
    const created = await keys('create', 'ci-bot', '--scopes', 'request:create,request:read', '--json');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string };
    expect(key.key).toMatch(/^agk_/);
    const list = await keys('list');
    expect(list.stdout).toContain('ci-bot');
    expect(list.stdout).not.toContain(key.key);
    expect((await keys('revoke', key.id)).code).toBe(0);
    expect((await keys('list')).stdout).toContain('revoked');
    const unknown = await keys('revoke', 'key_nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No API key with id');
    const bad = await keys('create', 'x', '--scopes', 'root');
    expect(bad.code).toBe(1);
  });
});
