/**
 * Existing AgentGate clients must keep working. The original SDK (v0.5) talks to the server like
 * this — every call with `Content-Type: application/json` (GETs included, with no body), the create
 * body always carrying `params`, `context` and `urgency`, lists read from `{requests, pagination}`,
 * decisions awaited by polling `GET /api/requests/:id` — so the test speaks exactly that protocol.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
let agentKey: string;

beforeAll(async () => {
  t = await startTestServer({
    policies: {
      'p.yaml': 'rules:\n  - name: emails\n    if: { action: send_email }\n    decision: auto_approve\n',
    },
  });
  agentKey = (await keyClient(t.url, t.adminKey, 'legacy-agent', ['request:create'])).key;
});
afterAll(() => t.close());

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
