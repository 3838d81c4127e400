import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { apiClient } from '../helpers/http.js';
import { runCliSync, type ServerProcess, startServerProcess } from '../helpers/server-process.js';

const ADMIN = 'agk_test-admin-key-for-process-tests-0123456789';
const running: ServerProcess[] = [];

function freshEnv() {
  const dir = mkdtempSync(join(tmpdir(), 'agentgate-proc-'));
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

describe('the server process', () => {
  it('loses nothing it acknowledged when killed with SIGKILL under load', async () => {
    const env = freshEnv();
    const first = await start(env);
    const api = apiClient(first.url, ADMIN);
    const acknowledged: string[] = [];
    let stop = false;
    const workers = Array.from({ length: 16 }, async () => {
      while (!stop) {
        try {
          const res = await api('POST', '/api/requests', {
            action: 'deploy:durable',
            params: { n: acknowledged.length },
          });
          if (res.status === 201) acknowledged.push(res.body.id);
        } catch {
          return; // the connection died with the process
        }
      }
    });
    while (acknowledged.length < 300) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    await first.exited;

    const second = await start(env);
    const again = apiClient(second.url, ADMIN);
    const list = await again('GET', '/api/requests?action=deploy:durable&limit=1');
    expect(list.body.pagination.total).toBeGreaterThanOrEqual(acknowledged.length);
    const missing: string[] = [];
    for (const id of acknowledged) {
      if ((await again('GET', `/api/requests/${id}`)).status !== 200) missing.push(id);
    }
    expect(missing).toEqual([]);
    // The audit chain survived the crash too.
    second.child.kill('SIGTERM');
    await second.exited;
    const verify = runCliSync(['audit', 'verify'], env);
    expect(verify.stdout).toMatch(/Audit trail intact/);
    expect(verify.code).toBe(0);
  }, 60_000);

  it('shuts down gracefully on SIGTERM, answering waiters first', async () => {
    const server = await start(freshEnv());
    const api = apiClient(server.url, ADMIN);
    const { body } = await api('POST', '/api/requests', { action: 'deploy:sigterm' });
    const waiting = api('GET', `/api/requests/${body.id}/wait?timeout=30`);
    await new Promise((r) => setTimeout(r, 200));
    server.child.kill('SIGTERM');
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: body.id, status: 'pending' });
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toContain('shut down cleanly');
  });

  it('prints a one-time admin key on the first start without keys, and never logs it', async () => {
    const { ADMIN_API_KEY: _unused, ...env } = freshEnv();
    const first = await start(env);
    const key = /agk_[A-Za-z0-9_-]{43}/.exec(first.stderr())?.[0];
    expect(key).toBeDefined();
    expect(first.stdout()).not.toContain(key);
    const res = await apiClient(first.url, key)('GET', '/api/api-keys');
    expect(res.status).toBe(200);
    first.child.kill('SIGTERM');
    await first.exited;
    const second = await start(env);
    expect(second.stderr()).not.toMatch(/agk_/);
  });

  it('refuses to start with bad configuration, naming the variable', async () => {
    const env = { ...freshEnv(), PORT: 'eighty', LOG_LEVEL: 'loud' };
    const result = runCliSync(['serve'], env);
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
    const result = runCliSync(['serve'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken\.yaml:3:\d+/);
  });
});

describe('agentgate audit verify', () => {
  it('detects an edited audit entry', async () => {
    const env = freshEnv();
    const server = await start(env);
    const api = apiClient(server.url, ADMIN);
    for (let i = 0; i < 5; i += 1) await api('POST', '/api/requests', { action: 'deploy:audit' });
    server.child.kill('SIGTERM');
    await server.exited;
    expect(runCliSync(['audit', 'verify'], env).code).toBe(0);

    // An attacker with the file can drop the append-only trigger; the chain still tells.
    const db = new Database(env.DATABASE_URL);
    db.exec('DROP TRIGGER audit_no_update');
    db.prepare("UPDATE audit SET actor = 'api:mallory' WHERE seq = 3").run();
    db.close();
    const tampered = runCliSync(['audit', 'verify'], env);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/TAMPERED at entry aud_/);
  });
});

describe('agentgate keys (offline)', () => {
  it('creates, lists and revokes keys straight in the database', () => {
    const env = freshEnv();
    const created = runCliSync(
      ['keys', 'create', 'ci-bot', '--scopes', 'request:create,request:read', '--json'],
      env,
    );
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string };
    expect(key.key).toMatch(/^agk_/);
    const list = runCliSync(['keys', 'list'], env);
    expect(list.stdout).toContain('ci-bot');
    expect(list.stdout).not.toContain(key.key);
    expect(runCliSync(['keys', 'revoke', key.id], env).code).toBe(0);
    expect(runCliSync(['keys', 'list'], env).stdout).toContain('revoked');
    const unknown = runCliSync(['keys', 'revoke', 'key_nope'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No API key with id');
    const bad = runCliSync(['keys', 'create', 'x', '--scopes', 'root'], env);
    expect(bad.code).toBe(1);
  });
});
