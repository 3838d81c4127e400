import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
let pendingId: string;

beforeAll(async () => {
  t = await startTestServer();
  const admin = apiClient(t.url, t.adminKey);
  pendingId = (await admin('POST', '/api/requests', { action: 'deploy:scopes' })).body.id;
});
afterAll(() => t.close());

/** Every authenticated route, the scopes that open it, and a body that would pass validation. */
const ROUTES: Array<{ method: string; path: () => string; scopes: string[]; body?: unknown }> = [
  { method: 'POST', path: () => '/api/requests', scopes: ['request:create'], body: { action: 'x' } },
  { method: 'GET', path: () => '/api/requests', scopes: ['request:read', 'request:create'] },
  { method: 'GET', path: () => `/api/requests/${pendingId}`, scopes: ['request:read'] },
  { method: 'GET', path: () => `/api/requests/${pendingId}/wait?timeout=0`, scopes: ['request:read'] },
  { method: 'GET', path: () => `/api/requests/${pendingId}/audit`, scopes: ['request:read'] },
  {
    method: 'POST',
    path: () => `/api/requests/${pendingId}/decide`,
    scopes: ['request:decide'],
    body: { decision: 'denied' },
  },
  { method: 'GET', path: () => '/api/audit', scopes: [] },
  { method: 'GET', path: () => '/api/api-keys', scopes: [] },
  { method: 'POST', path: () => '/api/api-keys', scopes: [], body: { name: 'x', scopes: ['request:read'] } },
  { method: 'GET', path: () => '/api/keys', scopes: [] },
  { method: 'PATCH', path: () => '/api/api-keys/key_nope', scopes: [], body: { rateLimit: 5 } },
  { method: 'DELETE', path: () => '/api/api-keys/key_nope', scopes: [] },
  { method: 'GET', path: () => '/api/webhooks', scopes: ['webhook:manage'] },
  { method: 'GET', path: () => '/api/webhooks/whk_nope', scopes: ['webhook:manage'] },
  {
    method: 'PATCH',
    path: () => '/api/webhooks/whk_nope',
    scopes: ['webhook:manage'],
    body: { enabled: false },
  },
  { method: 'DELETE', path: () => '/api/webhooks/whk_nope', scopes: ['webhook:manage'] },
];
const ALL = ['request:create', 'request:read', 'request:decide', 'webhook:manage'];

describe('scopes', () => {
  for (const route of ROUTES) {
    for (const scope of ALL.filter((s) => !route.scopes.includes(s))) {
      it(`${route.method} ${route.path.name || route.path()} is refused to a key with only ${scope}`, async () => {
        const { api } = await keyClient(t.url, t.adminKey, `only-${scope}`, [scope]);
        const res = await api(route.method, route.path(), route.body);
        // Reading someone else's request with request:create alone is a 404 (ids are not an oracle).
        expect([403, 404]).toContain(res.status);
        if (res.status === 403) {
          expect(res.body.code).toBe('forbidden');
          expect(res.body.error).toMatch(/scope/);
        }
      });
    }
  }

  it('admin implies every scope', async () => {
    const { api } = await keyClient(t.url, t.adminKey, 'second-admin', ['admin']);
    expect((await api('GET', '/api/audit')).status).toBe(200);
    expect((await api('GET', `/api/requests/${pendingId}`)).status).toBe(200);
    expect((await api('GET', '/api/api-keys')).status).toBe(200);
  });

  it('a requester without request:read sees only its own requests', async () => {
    const { api: a } = await keyClient(t.url, t.adminKey, 'agent-a', ['request:create']);
    const { api: b } = await keyClient(t.url, t.adminKey, 'agent-b', ['request:create']);
    const mine = (await a('POST', '/api/requests', { action: 'deploy:mine' })).body.id;
    await b('POST', '/api/requests', { action: 'deploy:theirs' });
    const list = await a('GET', '/api/requests');
    expect(list.body.requests.map((r: { id: string }) => r.id)).toEqual([mine]);
    expect(list.body.pagination.total).toBe(1);
    expect((await b('GET', `/api/requests/${mine}`)).status).toBe(404);
    expect((await b('GET', `/api/requests/${mine}/wait?timeout=0`)).status).toBe(404);
    expect((await a('GET', `/api/requests/${mine}/wait?timeout=0`)).status).toBe(200);
  });
});

describe('authentication', () => {
  it.each([
    ['no header', {}],
    ['Basic auth', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
    ['a bare key', { authorization: 'agk_abc' }],
    ['an unknown key', { authorization: 'Bearer agk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
    ['a non-AgentGate token', { authorization: 'Bearer hunter2' }],
  ])('refuses %s with 401', async (_name, headers) => {
    const res = await apiClient(t.url)('GET', '/api/requests', undefined, headers);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
    expect(res.body.error.length).toBeGreaterThan(10);
  });

  it('creates keys shown once, lists them without secrets, and refuses a revoked key', async () => {
    const admin = apiClient(t.url, t.adminKey);
    const created = await admin('POST', '/api/api-keys', {
      name: 'temp',
      scopes: ['request:read'],
      rateLimit: 5,
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual([
      'id',
      'key',
      'message',
      'name',
      'rateLimit',
      'repository',
      'scopes',
    ]);
    expect(created.body.key).toMatch(/^agk_[A-Za-z0-9_-]{32,}$/);
    const list = await admin('GET', '/api/keys');
    const listed = list.body.keys.find((k: { id: string }) => k.id === created.body.id);
    expect(listed).toMatchObject({ name: 'temp', revokedAt: null, active: true, rateLimit: 5 });
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);

    const temp = apiClient(t.url, created.body.key);
    expect((await temp('GET', '/api/requests')).status).toBe(200);
    expect((await admin('DELETE', `/api/api-keys/${created.body.id}`)).status).toBe(200);
    expect((await temp('GET', '/api/requests')).status).toBe(401);
  });

  it.each([
    { name: '', scopes: ['admin'] },
    { name: 'x', scopes: [] },
    { name: 'x', scopes: ['superuser'] },
    { name: 'x', scopes: ['admin'], rateLimit: '10' },
    { name: 'x', scopes: ['admin'], repository: 'not a repo' },
  ])('refuses key body %j', async (body) => {
    const res = await apiClient(t.url, t.adminKey)('POST', '/api/api-keys', body);
    expect(res.status).toBe(400);
  });
});

describe('rate limits', () => {
  it('counts down X-RateLimit-Remaining and answers 429 with Retry-After', async () => {
    const { api } = await keyClient(t.url, t.adminKey, 'limited', ['request:read'], { rateLimit: 3 });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await api('GET', '/api/requests');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      remaining.push(res.headers.get('x-ratelimit-remaining') ?? '');
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await api('GET', '/api/requests');
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('rate_limited');
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  });

  it('leaves keys without a rateLimit unlimited', async () => {
    const { api } = await keyClient(t.url, t.adminKey, 'unlimited', ['request:read']);
    const res = await api('GET', '/api/requests');
    expect(res.headers.get('x-ratelimit-limit')).toBeNull();
  });
});

describe('health and metrics', () => {
  it('reports the mode, and checks the database when asked', async () => {
    const res = await apiClient(t.url)('GET', '/health?deep=true');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', mode: 'standalone', checks: { database: 'ok' } });
  });

  it('exposes Prometheus metrics', async () => {
    const res = await fetch(`${t.url}/metrics`);
    const text = await res.text();
    expect(text).toContain('agentgate_requests_created_total');
    expect(text).toContain('agentgate_http_request_duration_seconds');
  });
});
