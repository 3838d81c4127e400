/**
 * Three AgentGate servers as one cluster (issue #17): the cross-instance parts on PostgreSQL (a
 * decision bus per instance, the shared rate limiter), requests in one shared store (a SQLite
 * file here: the PostgreSQL store has its own contract tests). Real HTTP, no sleeps.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgClusterLock, setUpClusterLock } from '../../app/adapters/postgres/pg-cluster-lock.js';
import { PgDecisionBus } from '../../app/adapters/postgres/pg-notify-bus.js';
import { PgRateLimiter, setUpRateLimits } from '../../app/adapters/postgres/pg-rate-limit.js';
import { createLogger } from '../../app/logger.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { createTestSchema, type TestSchema } from '../helpers/pg-cluster-db.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

let db: TestSchema;
let servers: TestServer[];
const tempDir = useTempDir('agentgate-cluster-');

beforeAll(async () => {
  db = await createTestSchema('cluster');
  const pool: pg.Pool = db.pool();
  await setUpClusterLock(pool);
  await setUpRateLimits(pool);
  const databasePath = join(tempDir(), 'shared.db');
  const channel = `agentgate_test_${randomBytes(4).toString('hex')}`;
  const log = createLogger('silent');
  servers = [];
  for (let i = 0; i < 3; i += 1) {
    servers.push(
      await startTestServer({
        databasePath,
        webhooks: false,
        cluster: {
          decisionBus: new PgDecisionBus({ pool, connection: db.connection, channel, log }),
          clusterLock: new PgClusterLock(pool),
          rateLimiter: new PgRateLimiter(pool),
        },
      }),
    );
  }
});
afterAll(async () => {
  for (const server of servers ?? []) await server.close();
  await db?.drop();
});

const at = (i: number, key: string): Api => apiClient(servers[i]?.url ?? '', key);

describe('a cluster of three instances', () => {
  it('a request created on A, waited on at B, decided on C: the waiter on B answers with the decision', async () => {
    const [a, b, c] = servers as [TestServer, TestServer, TestServer];
    const agent = await keyClient(a.url, a.adminKey, 'agent', ['request:create', 'request:read']);
    const operator = await keyClient(a.url, a.adminKey, 'operator', ['request:decide', 'request:read']);
    const created = await at(0, agent.key)('POST', '/api/requests', { action: 'deploy:cluster' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const waiting = at(1, agent.key)('GET', `/api/requests/${id}/wait?timeout=30`);
    await until(() => b.server.hub.size === 1);
    const decided = await at(2, operator.key)('POST', `/api/requests/${id}/decide`, { decision: 'approved' });
    expect(decided.status).toBe(200);
    // Without the bus, B's waiter would answer "pending" at its 30 s timeout, after the test's.
    const answer = await waiting;
    expect(answer.body).toMatchObject({ id, status: 'approved', decidedBy: 'api:operator' });
    expect(b.server.hub.size).toBe(0);
    expect(c.server.hub.size).toBe(0);
  });

  it('a key allowed 6 a minute gets 6 in total over the three instances', async () => {
    const [a] = servers as [TestServer];
    const limited = await keyClient(a.url, a.adminKey, 'limited', ['request:read'], { rateLimit: 6 });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      const res = await at(i % 3, limited.key)('GET', '/api/requests');
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(6);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
  });
});
