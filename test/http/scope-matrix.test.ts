/**
 * The README's route × scope table, tried with one key per single scope. Each cell is the status a
 * key holding only that scope gets; 404 where the route hides requests the key may not see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const SCOPES = ['request:create', 'request:read', 'request:decide', 'webhook:manage', 'admin'] as const;
type Scope = (typeof SCOPES)[number];

let t: TestServer;
let admin: Api;
const keys = new Map<Scope, Api>();

beforeAll(async () => {
  t = await startTestServer();
  admin = apiClient(t.url, t.adminKey);
  for (const scope of SCOPES)
    keys.set(scope, (await keyClient(t.url, t.adminKey, `only-${scope}`, [scope])).api);
});
afterAll(() => t.close());

/** A pending request made by someone else (the operator's ADMIN_API_KEY). */
const othersRequest = async () => (await admin('POST', '/api/requests', { action: 'deploy:matrix' })).body.id;
const aWebhook = async () =>
  (await admin('POST', '/api/webhooks', { url: `${t.url}/health`, events: ['request.created'] })).body.id;
const aKey = async () =>
  (await admin('POST', '/api/api-keys', { name: 'victim', scopes: ['request:read'] })).body.id;

interface Route {
  method: string;
  /** The README's way of naming the path. */
  label: string;
  /** Builds a fresh target (so a successful decide or delete never spoils the next cell). */
  path: (caller: Api) => Promise<string>;
  body?: unknown;
  /** null: no such case (a key that cannot create has no request of its own). */
  expect: Record<Scope, number | null>;
}

const fixed = (path: string) => async () => path;
const R = 'request:create' as const;

const ROUTES: Route[] = [
  {
    method: 'POST',
    label: '/api/requests',
    path: fixed('/api/requests'),
    body: { action: 'deploy:x' },
    expect: { [R]: 201, 'request:read': 403, 'request:decide': 403, 'webhook:manage': 403, admin: 201 },
  },
  {
    method: 'GET',
    label: '/api/requests',
    path: fixed('/api/requests'),
    expect: { [R]: 200, 'request:read': 200, 'request:decide': 403, 'webhook:manage': 403, admin: 200 },
  },
  ...['', '/wait?timeout=0', '/audit'].map(
    (tail): Route => ({
      method: 'GET',
      label: `/api/requests/:id${tail} (another's)`,
      path: async () => `/api/requests/${await othersRequest()}${tail}`,
      expect: { [R]: 404, 'request:read': 200, 'request:decide': 403, 'webhook:manage': 403, admin: 200 },
    }),
  ),
  {
    method: 'GET',
    label: '/api/requests/:id (its own)',
    path: async (caller) =>
      `/api/requests/${(await caller('POST', '/api/requests', { action: 'a' })).body.id}`,
    expect: { [R]: 200, 'request:read': null, 'request:decide': null, 'webhook:manage': null, admin: 200 },
  },
  {
    method: 'POST',
    label: '/api/requests/:id/decide',
    path: async () => `/api/requests/${await othersRequest()}/decide`,
    body: { decision: 'approved', reason: 'looks fine' },
    expect: { [R]: 403, 'request:read': 403, 'request:decide': 200, 'webhook:manage': 403, admin: 200 },
  },
  {
    method: 'POST',
    label: "/api/requests/:id/cancel (another's)",
    path: async () => `/api/requests/${await othersRequest()}/cancel`,
    body: {},
    expect: { [R]: 404, 'request:read': 403, 'request:decide': 200, 'webhook:manage': 403, admin: 200 },
  },
  {
    method: 'POST',
    label: '/api/requests/:id/cancel (its own)',
    path: async (caller) =>
      `/api/requests/${(await caller('POST', '/api/requests', { action: 'a' })).body.id}/cancel`,
    body: {},
    expect: { [R]: 200, 'request:read': null, 'request:decide': null, 'webhook:manage': null, admin: 200 },
  },
  {
    method: 'GET',
    label: '/api/audit',
    path: fixed('/api/audit'),
    expect: { [R]: 403, 'request:read': 403, 'request:decide': 403, 'webhook:manage': 403, admin: 200 },
  },
  {
    method: 'GET',
    label: '/api/policies',
    path: fixed('/api/policies'),
    expect: { [R]: 200, 'request:read': 200, 'request:decide': 200, 'webhook:manage': 200, admin: 200 },
  },
  {
    method: 'POST',
    label: '/api/policies/evaluate',
    path: fixed('/api/policies/evaluate'),
    body: { action: 'deploy:x' },
    expect: { [R]: 200, 'request:read': 200, 'request:decide': 200, 'webhook:manage': 200, admin: 200 },
  },
  ...['/api/api-keys', '/api/keys'].flatMap((base): Route[] => [
    {
      method: 'GET',
      label: base,
      path: fixed(base),
      expect: { [R]: 403, 'request:read': 403, 'request:decide': 403, 'webhook:manage': 403, admin: 200 },
    },
    {
      method: 'POST',
      label: base,
      path: fixed(base),
      body: { name: 'made', scopes: ['request:read'] },
      expect: { [R]: 403, 'request:read': 403, 'request:decide': 403, 'webhook:manage': 403, admin: 201 },
    },
    {
      method: 'PATCH',
      label: `${base}/:id`,
      path: async () => `${base}/${await aKey()}`,
      body: { rateLimit: 10 },
      expect: { [R]: 403, 'request:read': 403, 'request:decide': 403, 'webhook:manage': 403, admin: 200 },
    },
    {
      method: 'DELETE',
      label: `${base}/:id`,
      path: async () => `${base}/${await aKey()}`,
      expect: { [R]: 403, 'request:read': 403, 'request:decide': 403, 'webhook:manage': 403, admin: 200 },
    },
  ]),
  {
    method: 'POST',
    label: '/api/webhooks',
    path: fixed('/api/webhooks'),
    body: { url: 'http://127.0.0.1:9/hook', events: ['request.decided'] },
    expect: { [R]: 403, 'request:read': 403, 'request:decide': 403, 'webhook:manage': 201, admin: 201 },
  },
  {
    method: 'GET',
    label: '/api/webhooks',
    path: fixed('/api/webhooks'),
    expect: { [R]: 403, 'request:read': 403, 'request:decide': 403, 'webhook:manage': 200, admin: 200 },
  },
  ...['', '/deliveries'].map(
    (tail): Route => ({
      method: 'GET',
      label: `/api/webhooks/:id${tail}`,
      path: async () => `/api/webhooks/${await aWebhook()}${tail}`,
      expect: { [R]: 403, 'request:read': 403, 'request:decide': 403, 'webhook:manage': 200, admin: 200 },
    }),
  ),
  {
    method: 'POST',
    label: '/api/webhooks/:id/test',
    path: async () => `/api/webhooks/${await aWebhook()}/test`,
    expect: { [R]: 403, 'request:read': 403, 'request:decide': 403, 'webhook:manage': 200, admin: 200 },
  },
  {
    method: 'PATCH',
    label: '/api/webhooks/:id',
    path: async () => `/api/webhooks/${await aWebhook()}`,
    body: { enabled: false },
    expect: { [R]: 403, 'request:read': 403, 'request:decide': 403, 'webhook:manage': 200, admin: 200 },
  },
  {
    method: 'DELETE',
    label: '/api/webhooks/:id',
    path: async () => `/api/webhooks/${await aWebhook()}`,
    expect: { [R]: 403, 'request:read': 403, 'request:decide': 403, 'webhook:manage': 200, admin: 200 },
  },
];

describe('every route with every single-scope key (README "HTTP API")', () => {
  for (const route of ROUTES) {
    const cells = SCOPES.flatMap((scope) => {
      const status = route.expect[scope];
      return status === null ? [] : [[scope, status] as const];
    });
    it.each(cells)(`${route.method} ${route.label} with only %s → %i`, async (scope, status) => {
      const caller = keys.get(scope) as Api;
      const path = await route.path(caller);
      const res = await caller(route.method, path, route.body);
      expect({ route: `${route.method} ${path}`, status: res.status }).toEqual({
        route: `${route.method} ${path}`,
        status,
      });
      if (status === 403)
        expect(res.body).toMatchObject({ code: 'forbidden', error: expect.stringMatching(/scope/) });
    });
  }
});

describe('a key with request:decide alone', () => {
  it('decides, recorded as api:<key name>, and the request reads back decided', async () => {
    const id = await othersRequest();
    const decided = await keys.get('request:decide')?.('POST', `/api/requests/${id}/decide`, {
      decision: 'denied',
      reason: 'not today',
    });
    expect(decided?.body).toMatchObject({ id, status: 'denied', decidedBy: 'api:only-request:decide' });
    expect((await admin('GET', `/api/requests/${id}`)).body.status).toBe('denied');
  });

  it('answers 404 for an unknown id rather than 403', async () => {
    const res = await keys.get('request:decide')?.('POST', '/api/requests/req_nope/decide', {
      decision: 'denied',
    });
    expect(res?.status).toBe(404);
  });
});
