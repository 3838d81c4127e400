/**
 * The real composition root on PostgreSQL: DATABASE_URL=postgres://… selects it, every instance
 * migrates on start (once), and two instances serve the same requests. /health says which store an
 * instance uses and answers 503 when it cannot reach it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../app/adapters/memory/memory-store.js';
import { type RunningServer, startServer } from '../../app/main.js';
import { StoreError } from '../../app/ports/store.js';
import { apiClient, keyClient } from '../helpers/http.js';
import { postgresSchemas, requirePostgres } from '../helpers/postgres.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startTestServer } from '../helpers/test-server.js';

const ADMIN = 'admin-key-of-at-least-16-chars';
const schemas = postgresSchemas();
const tempDir = useTempDir('agentgate-pg-instances-');
const running: RunningServer[] = [];
beforeAll(requirePostgres);
afterAll(async () => {
  for (const r of running.splice(0)) await r.server.close();
});

async function instances(count: number): Promise<string[]> {
  const policies = join(tempDir(), 'policies');
  mkdirSync(policies);
  writeFileSync(
    join(policies, 'deploy.yaml'),
    'rules:\n  - name: prod\n    if: { action: "deploy:prod" }\n    decision: route_to_human\n' +
      '    route: { approvers: { permission: write }, count: 1, via: issue, timeout: 1h }\n',
  );
  const env: NodeJS.ProcessEnv = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: await schemas.url(),
    AGENTGATE_POLICY_DIR: policies,
    ADMIN_API_KEY: ADMIN,
    LOG_LEVEL: 'silent',
  };
  // Started together: each migrates on start, the advisory lock lets one do it.
  const started = await Promise.all(Array.from({ length: count }, () => startServer(env)));
  running.push(...started);
  return started.map((s) => `http://127.0.0.1:${s.address.port}`);
}

describe('several servers on one PostgreSQL database', { timeout: 30_000 }, () => {
  it('report the postgres store in /health and serve one set of requests', async () => {
    const [a, b, c] = await instances(3);
    for (const url of [a!, b!, c!]) {
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        status: 'ok',
        store: 'postgres',
        checks: { database: 'ok' },
      });
    }
    const created = await apiClient(a!, ADMIN)('POST', '/api/requests', {
      action: 'deploy:prod',
      params: {},
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await apiClient(b!, ADMIN)('GET', `/api/requests/${id}`)).body).toMatchObject({ id });
    expect(created.body.status).toBe('pending');
    // A key created on one instance works on the others.
    const { key } = await keyClient(b!, ADMIN, 'operator', ['request:read', 'request:decide']);
    // Decided on all three at once: exactly one decision wins, the others are told it was decided.
    const decides = await Promise.all(
      [a!, b!, c!, a!, b!, c!].map((url, i) =>
        apiClient(url, key)('POST', `/api/requests/${id}/decide`, {
          decision: i % 2 === 0 ? 'approved' : 'denied',
        }),
      ),
    );
    const won = decides.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect((await apiClient(c!, ADMIN)('GET', `/api/requests/${id}`)).body.status).toBe(won[0]!.body.status);
  });
});

describe('/health', () => {
  it('answers 503 with the store kind when this instance cannot reach its database', async () => {
    const store = createMemoryStore();
    const unreachable = Object.assign(Object.create(store) as typeof store, {
      ping: () => Promise.reject(new StoreError('busy', 'Could not reach the database: ECONNREFUSED')),
    });
    const t = await startTestServer({ store: unreachable });
    try {
      const res = await fetch(`${t.url}/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        status: 'degraded',
        store: 'memory',
        checks: { database: 'error' },
      });
    } finally {
      await t.close();
    }
  });
});
