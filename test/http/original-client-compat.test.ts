/**
 * Existing AgentGate clients must keep working. The original SDK (v0.5) talks to the server like
 * this — every call with `Content-Type: application/json` (GETs included, with no body), the create
 * body always carrying `params`, `context` and `urgency`, lists read from `{requests, pagination}`,
 * decisions awaited by polling `GET /api/requests/:id` — so the test speaks exactly that protocol.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiKeyListSchema,
  CreatedApiKeySchema,
  DeletedSchema,
  PolicySummarySchema,
  RevokedApiKeySchema,
  WebhookDetailSchema,
  WebhookSchema,
} from '../../sdk/schemas.js';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js';
import { apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
let agentKey: string;
let receiver: WebhookReceiver;
const RECEIVER_SECRET = 'legacy-receiver-secret-0123456789';

beforeAll(async () => {
  t = await startTestServer({
    policies: {
      'p.yaml': 'rules:\n  - name: emails\n    if: { action: send_email }\n    decision: auto_approve\n',
    },
  });
  agentKey = (await keyClient(t.url, t.adminKey, 'legacy-agent', ['request:create'])).key;
  receiver = await startWebhookReceiver(RECEIVER_SECRET);
});
afterAll(async () => {
  await t.close();
  await receiver.close();
});

/** One call as the original client makes it. */
async function legacy(path: string, key: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${t.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: (await res.json()) as any,
  };
}

describe('the original AgentGate client protocol', () => {
  it('creates, reads, lists, decides and sees the decision by polling', async () => {
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const created = await legacy('/api/requests', agentKey, {
      method: 'POST',
      body: { action: 'deploy', params: {}, context: {}, urgency: 'normal', expiresAt },
    });
    expect(created.status).toBe(201);
    expect(created.contentType).toContain('application/json');
    expect(created.body).toMatchObject({ action: 'deploy', status: 'pending', expiresAt });
    for (const field of ['createdAt', 'updatedAt', 'expiresAt']) {
      expect(Number.isNaN(new Date(created.body[field]).getTime())).toBe(false);
    }

    const id = created.body.id as string;
    expect((await legacy(`/api/requests/${id}`, agentKey)).body.status).toBe('pending');

    const list = await legacy('/api/requests?status=pending&action=deploy&limit=10&offset=0', agentKey);
    expect(list.status).toBe(200);
    expect(list.body.requests.map((r: { id: string }) => r.id)).toContain(id);
    expect(list.body.pagination).toMatchObject({ limit: 10, offset: 0 });

    const decided = await legacy(`/api/requests/${id}/decide`, t.adminKey, {
      method: 'POST',
      body: { decision: 'approved', reason: 'ok', decidedBy: 'dashboard:admin' },
    });
    expect(decided.status).toBe(200);
    expect((await legacy(`/api/requests/${id}`, agentKey)).body).toMatchObject({
      status: 'approved',
      decisionReason: 'ok',
    });
  });

  it('omits expiresAt when the caller gave none, and gets a policy decision at once', async () => {
    const created = await legacy('/api/requests', agentKey, {
      method: 'POST',
      body: { action: 'send_email', params: { to: 'a@example.com' }, context: {}, urgency: 'high' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'approved', decidedBy: 'policy' });
  });

  it('answers errors with a status the original client reports', async () => {
    const missing = await legacy('/api/requests/req_unknown', agentKey);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
    const invalid = await legacy('/api/requests', agentKey, { method: 'POST', body: { action: '' } });
    expect(invalid.status).toBe(400);
  });
});

describe('the original AgentGate admin shapes (SDK, CLI, dashboard)', () => {
  const admin = (method: string, path: string, body?: unknown) =>
    legacy(path, t.adminKey, { method, ...(body !== undefined && { body }) });

  it('creates a key with a "save it now" message, lists {keys} with rate limits, revokes with {success, id}', async () => {
    const created = await admin('POST', '/api/api-keys', {
      name: 'dashboard-made',
      scopes: ['request:read'],
      rateLimit: 30,
    });
    expect(created.status).toBe(201);
    expect(CreatedApiKeySchema.parse(created.body)).toEqual(created.body);
    expect(created.body.message).toMatch(/^Save this key now: it is shown only once/);

    const list = await admin('GET', '/api/api-keys');
    expect(ApiKeyListSchema.parse(list.body)).toEqual(list.body);
    expect(list.body.keys.find((k: { id: string }) => k.id === created.body.id)).toMatchObject({
      name: 'dashboard-made',
      rateLimit: 30,
      active: true,
      revokedAt: null,
    });
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);

    const revoked = await admin('DELETE', `/api/api-keys/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(RevokedApiKeySchema.parse(revoked.body)).toEqual(revoked.body);
    expect(revoked.body).toMatchObject({ success: true, id: created.body.id, active: false });
    expect((await admin('DELETE', '/api/api-keys/key_unknown')).status).toBe(404);
  });

  it("changes a key's rate limit, effective at its next request, and audits it; null removes it", async () => {
    const { id, api } = await keyClient(t.url, t.adminKey, 'tunable', ['request:read'], { rateLimit: 50 });
    const limited = await admin('PATCH', `/api/api-keys/${id}`, { rateLimit: 2 });
    expect(limited).toMatchObject({ status: 200, body: { id, rateLimit: 2, name: 'tunable' } });
    expect((await api('GET', '/api/requests')).headers.get('x-ratelimit-limit')).toBe('2');

    const unlimited = await admin('PATCH', `/api/api-keys/${id}`, { rateLimit: null });
    expect(unlimited.body.rateLimit).toBeNull();
    expect((await api('GET', '/api/requests')).headers.get('x-ratelimit-limit')).toBeNull();

    const audit = await admin('GET', '/api/audit?eventType=key_updated');
    expect(audit.body.filter((e: any) => e.details.keyId === id).map((e: any) => e.details)).toEqual([
      { keyId: id, rateLimit: 2 },
      { keyId: id, rateLimit: null },
    ]);
  });

  it.each([
    [{ rateLimit: 0 }],
    [{ rateLimit: -5 }],
    [{ rateLimit: 1.5 }],
    [{ rateLimit: '10' }],
    [{}],
    [{ rateLimit: 5, scopes: ['admin'] }],
  ])('refuses key update %j with 400', async (body) => {
    const { id } = await keyClient(t.url, t.adminKey, 'untouched', ['request:read']);
    const answer = await admin('PATCH', `/api/api-keys/${id}`, body);
    expect([answer.status, answer.body.code]).toEqual([400, 'validation_failed']);
  });

  it('answers 404 to an update of an unknown key, and 403 to a key without admin', async () => {
    expect((await admin('PATCH', '/api/api-keys/key_unknown', { rateLimit: 5 })).status).toBe(404);
    const forbidden = await legacy('/api/api-keys/key_unknown', agentKey, {
      method: 'PATCH',
      body: { rateLimit: 5 },
    });
    expect([forbidden.status, forbidden.body.code]).toEqual([403, 'forbidden']);
  });

  it('reads a subscription with its recent deliveries (never its secret), updates it, deletes with {success, id}', async () => {
    const created = await admin('POST', '/api/webhooks', {
      url: receiver.url,
      events: ['request.created'],
    });
    expect(created.body).toMatchObject({ enabled: true, secret: expect.any(String) });
    const { id, secret } = created.body;
    await admin('POST', `/api/webhooks/${id}/test`);

    const read = await admin('GET', `/api/webhooks/${id}`);
    expect(WebhookDetailSchema.parse(read.body)).toEqual(read.body);
    expect(read.body).toMatchObject({ id, url: receiver.url, enabled: true });
    expect(read.body.deliveries.map((d: { event: string }) => d.event)).toEqual(['ping']);
    expect(JSON.stringify(read.body)).not.toContain(secret);

    const moved = await admin('PATCH', `/api/webhooks/${id}`, {
      url: `${receiver.url}moved`,
      events: ['request.decided', 'request.expired'],
    });
    expect(moved.status).toBe(200);
    expect(WebhookSchema.parse(moved.body)).toEqual(moved.body);
    expect(moved.body).toMatchObject({
      url: `${receiver.url}moved`,
      events: ['request.decided', 'request.expired'],
      enabled: true,
    });
    expect(JSON.stringify(moved.body)).not.toContain(secret);

    for (const url of ['http://169.254.169.254/', 'http://[::ffff:0:a9fe:a9fe]/', 'ftp://x/']) {
      const refused = await admin('PATCH', `/api/webhooks/${id}`, { url });
      expect([refused.status, refused.body.code], url).toEqual([400, 'validation_failed']);
    }
    for (const body of [{}, { enabled: 'no' }, { events: [] }, { secret: 'a-new-secret-of-length' }]) {
      expect((await admin('PATCH', `/api/webhooks/${id}`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await admin('PATCH', '/api/webhooks/whk_unknown', { enabled: false })).status).toBe(404);

    const deleted = await admin('DELETE', `/api/webhooks/${id}`);
    expect(DeletedSchema.parse(deleted.body)).toEqual({ success: true, id });
    expect((await admin('DELETE', `/api/webhooks/${id}`)).status).toBe(404);
    const audit = await admin('GET', '/api/audit?actor=api:admin&eventType=webhook_updated');
    expect(audit.body.at(-1).details).toEqual({
      webhookId: id,
      url: `${receiver.url}moved`,
      events: ['request.decided', 'request.expired'],
    });
  });

  it('gives a disabled subscription no new deliveries, and a re-enabled one the next events', async () => {
    const { id } = (
      await admin('POST', '/api/webhooks', {
        url: receiver.url,
        events: ['request.created'],
        secret: RECEIVER_SECRET,
      })
    ).body;
    expect((await admin('PATCH', `/api/webhooks/${id}`, { enabled: false })).body.enabled).toBe(false);
    await legacy('/api/requests', agentKey, { method: 'POST', body: { action: 'deploy:while-off' } });
    await settle();
    expect((await admin('GET', `/api/webhooks/${id}`)).body.deliveries).toEqual([]);

    expect((await admin('PATCH', `/api/webhooks/${id}`, { enabled: true })).body.enabled).toBe(true);
    const on = await legacy('/api/requests', agentKey, {
      method: 'POST',
      body: { action: 'deploy:while-on' },
    });
    await settle();
    const deliveries = (await admin('GET', `/api/webhooks/${id}`)).body.deliveries;
    expect(deliveries.map((d: { requestId: string; status: string }) => [d.requestId, d.status])).toEqual([
      [on.body.id, 'delivered'],
    ]);
    await admin('DELETE', `/api/webhooks/${id}`);
  });

  it('lists the active rules as read-only `policies`, beside our own fields', async () => {
    const summary = await legacy('/api/policies', agentKey);
    expect(PolicySummarySchema.parse(summary.body)).toEqual(summary.body);
    expect(summary.body.rules).toEqual([
      { name: 'emails', file: 'p.yaml', decision: 'auto_approve', description: null },
    ]);
    expect(summary.body.policies).toEqual([
      {
        id: 'emails',
        name: 'emails',
        file: 'p.yaml',
        decision: 'auto_approve',
        description: null,
        priority: 0,
        enabled: true,
        readOnly: true,
      },
    ]);
  });

  it.each([
    ['POST', '/api/policies', 'GET, HEAD'],
    ['PUT', '/api/policies/emails', 'GET, HEAD'],
    ['PATCH', '/api/policies/emails', 'GET, HEAD'],
    ['DELETE', '/api/policies/emails', 'GET, HEAD'],
    ['POST', '/api/policies/from-template', 'GET, HEAD'],
    ['PUT', '/api/policies/evaluate', 'POST'],
  ])('answers %s %s with 405, pointing at pull requests', async (method, path, allow) => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${t.adminKey}` },
      body: JSON.stringify({ name: 'x', rules: [] }),
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    const body = (await res.json()) as { code: string; error: string };
    expect(body.code).toBe('method_not_allowed');
    expect(body.error).toMatch(/^Policies are code: change them with a pull request/);
  });

  it('still evaluates a request body on POST /api/policies/evaluate', async () => {
    const res = await apiClient(t.url, agentKey)('POST', '/api/policies/evaluate', { action: 'send_email' });
    expect(res.status).toBe(200);
    expect(res.body.decision).toBe('auto_approve');
  });
});

/** Runs the job queue until nothing due is left (fan-out, then delivery). */
async function settle() {
  for (let quiet = 0; quiet < 2; ) {
    await t.server.jobs.idle();
    quiet = (await t.server.jobs.runOnce()) === 0 ? quiet + 1 : 0;
  }
}
