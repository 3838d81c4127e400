import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalRequestSchema, AuditEntrySchema, ListRequestsResponseSchema } from '../../sdk/schemas.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const POLICIES = {
  'main.yaml': `
rules:
  - name: reads-are-safe
    if: { action: "read_*" }
    decision: auto_approve
  - name: never-drop-prod
    if:
      action: "db.drop*"
      params.database: { in: [prod, production] }
    decision: auto_deny
    reason: Agents never drop production databases
  - name: deploys-need-a-human
    if: { action: "deploy:*" }
    decision: route_to_human
    route:
      approvers: { users: [alice] }
      count: 1
      timeout: 2h
`,
};

let t: TestServer;
let agent: Api;
let operator: Api;

beforeAll(async () => {
  t = await startTestServer({ policies: POLICIES });
  agent = (await keyClient(t.url, t.adminKey, 'agent', ['request:create'])).api;
  operator = (await keyClient(t.url, t.adminKey, 'operator', ['request:read', 'request:decide'])).api;
});
afterAll(() => t.close());

describe('POST /api/requests', () => {
  it('auto-approves by policy and records who and why', async () => {
    const res = await agent('POST', '/api/requests', { action: 'read_file', params: { path: '/etc/hosts' } });
    expect(res.status).toBe(201);
    const request = ApprovalRequestSchema.parse(res.body);
    expect(request).toMatchObject({
      action: 'read_file',
      status: 'approved',
      decidedBy: 'policy',
      urgency: 'normal',
      requester: { type: 'api_key', name: 'agent' },
      policyDecision: { decision: 'auto_approve', rules: ['reads-are-safe'] },
      review: null,
    });
    expect(request.policyDecision.policyVersion).toMatch(/^sha256:/);
    expect(request.decidedAt).toBe(request.createdAt);
    expect(request.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('auto-denies with the rule’s reason, even when params try to shadow the action', async () => {
    const res = await agent('POST', '/api/requests', {
      action: 'db.drop_table',
      params: { database: 'prod', action: 'read_file' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'denied',
      decidedBy: 'policy',
      decisionReason: 'Agents never drop production databases',
      policyDecision: { decision: 'auto_deny', rules: ['never-drop-prod'] },
    });
  });

  it('routes to humans with the rule’s requirement and expiry', async () => {
    const res = await agent('POST', '/api/requests', { action: 'deploy:production', urgency: 'high' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'pending',
      decidedAt: null,
      decidedBy: null,
      review: {
        via: 'issue',
        url: null,
        votes: [],
        requirements: [{ rule: 'deploys-need-a-human', count: 1 }],
      },
    });
    expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt)).toBe(2 * 3600_000);
  });

  it('takes timeout as seconds or a duration, and expiresAt', async () => {
    const a = await agent('POST', '/api/requests', { action: 'deploy:x', timeout: 90 });
    const b = await agent('POST', '/api/requests', { action: 'deploy:x', timeout: '30m' });
    const at = new Date(Date.parse(b.body.createdAt) + 3600_000).toISOString();
    const c = await agent('POST', '/api/requests', { action: 'deploy:x', expiresAt: at });
    const lifetime = (r: typeof a) => Date.parse(r.body.expiresAt) - Date.parse(r.body.createdAt);
    expect(lifetime(a)).toBe(90_000);
    expect(lifetime(b)).toBe(30 * 60_000);
    expect(c.body.expiresAt).toBe(at);
  });

  it.each([
    ['missing action', {}, 'action'],
    ['empty action', { action: '' }, 'action'],
    ['action with spaces', { action: 'send email' }, 'action'],
    ['params as array', { action: 'x', params: [1, 2] }, 'params'],
    ['params as string', { action: 'x', params: 'a=b' }, 'params'],
    ['context as number', { action: 'x', context: 5 }, 'context'],
    ['unknown urgency', { action: 'x', urgency: 'URGENT' }, 'urgency'],
    ['urgency of wrong type', { action: 'x', urgency: 3 }, 'urgency'],
    ['unknown field', { action: 'x', urgancy: 'high' }, 'urgancy'],
    ['bad duration', { action: 'x', timeout: '10 minutes' }, 'timeout'],
    ['negative timeout', { action: 'x', timeout: -5 }, 'timeout'],
    ['fractional timeout', { action: 'x', timeout: 1.5 }, 'timeout'],
    ['bad expiresAt', { action: 'x', expiresAt: 'tomorrow' }, 'expiresAt'],
    [
      'both expiry forms',
      { action: 'x', timeout: 60, expiresAt: new Date(Date.now() + 1e6).toISOString() },
      'timeout',
    ],
    ['body as array', [{ action: 'x' }], 'body'],
  ])('refuses %s with a 400 naming the field', async (_name, body, field) => {
    const res = await agent('POST', '/api/requests', body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.error).toContain(field);
    expect(res.body.details).toBeInstanceOf(Array);
  });

  it('refuses an expiry in the past or too far away', async () => {
    const past = await agent('POST', '/api/requests', { action: 'x', expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.error).toMatch(/future/);
    const far = await agent('POST', '/api/requests', { action: 'x', timeout: '1000d' });
    expect(far.status).toBe(400);
  });

  it('answers malformed JSON, a non-JSON body and an oversized body with 4xx, never 5xx', async () => {
    const malformed = await agent('POST', '/api/requests', '{"action": "x",', {});
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'bad_request' });
    expect(malformed.body.error).toMatch(/not valid JSON/);

    const text = await agent('POST', '/api/requests', 'action=x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('unsupported_media_type');

    const big = await agent('POST', '/api/requests', {
      action: 'x',
      params: { blob: 'a'.repeat(1_100_000) },
    });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('payload_too_large');

    const scalar = await agent('POST', '/api/requests', '"just a string"');
    expect(scalar.status).toBe(400);
  });

  it('returns the same request for a retried Idempotency-Key and 422 for a different body', async () => {
    const headers = { 'idempotency-key': 'retry-me-1' };
    const first = await agent('POST', '/api/requests', { action: 'deploy:api', params: { v: 1 } }, headers);
    const again = await agent('POST', '/api/requests', { params: { v: 1 }, action: 'deploy:api' }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const other = await agent('POST', '/api/requests', { action: 'deploy:api', params: { v: 2 } }, headers);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_conflict');

    // Keys are per principal: another key may use the same Idempotency-Key for its own request.
    const mine = await operator('POST', '/api/requests', { action: 'deploy:api', params: { v: 1 } }, headers);
    expect(mine.status).toBe(403); // operator cannot create; prove with an admin instead
    const admin = apiClient(t.url, t.adminKey);
    const theirs = await admin('POST', '/api/requests', { action: 'deploy:api', params: { v: 1 } }, headers);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
  });
});

describe('reading requests', () => {
  it('lists newest first with validated filters and pagination', async () => {
    const admin = apiClient(t.url, t.adminKey);
    const { api: lister } = await keyClient(t.url, t.adminKey, 'lister', ['request:create']);
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push((await lister('POST', '/api/requests', { action: 'deploy:list-test' })).body.id);
    }
    const page = await admin('GET', '/api/requests?action=deploy:list-test&limit=2&offset=1');
    expect(page.status).toBe(200);
    const parsed = ListRequestsResponseSchema.parse(page.body);
    expect(parsed.requests.map((r) => r.id)).toEqual([ids[3], ids[2]]);
    expect(parsed.pagination).toEqual({ total: 5, limit: 2, offset: 1, hasMore: true });

    const pending = await admin('GET', '/api/requests?status=pending&action=deploy:list-test');
    expect(pending.body.pagination.total).toBe(5);
    const approved = await admin('GET', '/api/requests?status=approved&action=deploy:list-test');
    expect(approved.body.pagination.total).toBe(0);
  });

  it.each([
    'status=bogus',
    'status=PENDING',
    'limit=0',
    'limit=101',
    'limit=abc',
    'limit=10abc',
    'limit=-1',
    'offset=-1',
    'offset=1.5',
    'urgency=urgent',
    'sort=createdAt',
  ])('refuses ?%s with 400 instead of coercing it', async (query) => {
    const res = await apiClient(t.url, t.adminKey)('GET', `/api/requests?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
  });

  it('answers 404 for unknown ids on every route', async () => {
    const admin = apiClient(t.url, t.adminKey);
    for (const [method, path, body] of [
      ['GET', '/api/requests/req_nope'],
      ['GET', '/api/requests/req_nope/wait?timeout=0'],
      ['GET', '/api/requests/req_nope/audit'],
      ['POST', '/api/requests/req_nope/decide', { decision: 'approved' }],
      ['POST', '/api/requests/req_nope/cancel', {}],
      ['DELETE', '/api/api-keys/key_nope'],
      ['GET', '/api/nothing-here'],
    ] as const) {
      const res = await admin(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
  });

  it('returns the audit trail oldest first, chained by hash', async () => {
    const created = await agent('POST', '/api/requests', { action: 'deploy:audited' });
    await operator('POST', `/api/requests/${created.body.id}/decide`, {
      decision: 'denied',
      reason: 'not today',
    });
    const res = await operator('GET', `/api/requests/${created.body.id}/audit`);
    expect(res.status).toBe(200);
    const entries = res.body.map((e: unknown) => AuditEntrySchema.parse(e));
    // An operator's decision is an override: audited as such, then as the decision.
    expect(entries.map((e: { eventType: string }) => e.eventType)).toEqual([
      'created',
      'evaluated',
      'overridden',
      'denied',
    ]);
    expect(entries[3]).toMatchObject({ actor: 'api:operator', details: { reason: 'not today' } });
    expect(entries[1].prevHash).toBe(entries[0].hash);
  });
});

describe('deciding', () => {
  it('decides once; a second decision is 409 and names the first', async () => {
    const { body } = await agent('POST', '/api/requests', { action: 'deploy:once' });
    const first = await operator('POST', `/api/requests/${body.id}/decide`, {
      decision: 'approved',
      reason: 'ship it',
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'approved',
      decidedBy: 'api:operator',
      decisionReason: 'ship it',
    });
    const second = await operator('POST', `/api/requests/${body.id}/decide`, { decision: 'denied' });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'conflict' });
    expect(second.body.error).toContain('already approved by api:operator');
  });

  it('lets exactly one of 100 concurrent decisions win', async () => {
    const { body } = await agent('POST', '/api/requests', { action: 'deploy:race' });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        operator('POST', `/api/requests/${body.id}/decide`, { decision: i % 2 ? 'approved' : 'denied' }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    const audit = await operator('GET', `/api/requests/${body.id}/audit`);
    expect(
      audit.body.filter((e: { eventType: string }) => ['approved', 'denied'].includes(e.eventType)),
    ).toHaveLength(1);
  });

  it('refuses a decision with unknown values', async () => {
    const { body } = await agent('POST', '/api/requests', { action: 'deploy:bad-decision' });
    for (const bad of [{ decision: 'approve' }, { decision: true }, {}, { decision: 'approved', extra: 1 }]) {
      const res = await operator('POST', `/api/requests/${body.id}/decide`, bad);
      expect(res.status).toBe(400);
    }
  });

  it('refuses self-approval: the key that asked cannot decide', async () => {
    const { api: both } = await keyClient(t.url, t.adminKey, 'greedy-agent', [
      'request:create',
      'request:decide',
    ]);
    const { body } = await both('POST', '/api/requests', { action: 'deploy:self' });
    const res = await both('POST', `/api/requests/${body.id}/decide`, { decision: 'approved' });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/cannot be decided with the credentials that created it/);
    expect((await both('GET', `/api/requests/${body.id}`)).body.status).toBe('pending');
  });

  it('lets the requester cancel its own request, not someone else’s', async () => {
    const { api: other } = await keyClient(t.url, t.adminKey, 'other-agent', ['request:create']);
    const { body } = await agent('POST', '/api/requests', { action: 'deploy:cancel-me' });
    const foreign = await other('POST', `/api/requests/${body.id}/cancel`, {});
    expect(foreign.status).toBe(404);
    const own = await agent('POST', `/api/requests/${body.id}/cancel`, { reason: 'task abandoned' });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      status: 'cancelled',
      decidedBy: 'api:agent',
      decisionReason: 'task abandoned',
    });
    const noBody = await agent('POST', `/api/requests/${body.id}/cancel`);
    expect(noBody.status).toBe(409);
  });
});

describe('expiry', () => {
  it('expires overdue requests, wakes waiters and refuses late votes', async () => {
    const { body } = await agent('POST', '/api/requests', { action: 'deploy:soon', timeout: 1 });
    // Answered by the expiry, not by the wait's own timeout (which would answer pending).
    const waited = await agent('GET', `/api/requests/${body.id}/wait?timeout=10`);
    expect(waited.status).toBe(200);
    expect(waited.body).toMatchObject({ status: 'expired', decidedBy: 'system:expiry' });
    const late = await operator('POST', `/api/requests/${body.id}/decide`, { decision: 'approved' });
    expect(late.status).toBe(409);
    expect(late.body.error).toContain('already expired');
  });
});
