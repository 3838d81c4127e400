/**
 * Operator overrides (issue #15 item 5, DESIGN §11): an API key with `request:decide` decides a
 * human-routed request outright, unless a routing rule of that request (or the defaults) said
 * `overrides: false` when it was created. Tried as an operator would: with the admin key and with
 * a `request:decide` key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPolicyProvider } from '../../app/services/local-policy-provider.js';
import { verifyAuditTrail } from '../../app/services/verify-audit-trail.js';
import { isOverride } from '../../sdk/is-override.js';
import { ApprovalRequestSchema, type AuditEntry } from '../../sdk/schemas.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { aRequestRecord, aReview } from '../store/builders.js';

const POLICIES = `
rules:
  - name: finance
    description: Payments need two people from finance
    if: { action: "payments.*" }
    decision: route_to_human
    route: { approvers: { teams: [acme/finance] }, count: 2 }
    overrides: false
  - name: legal
    if: { action: "payments.*", params.country: { ne: US } }
    decision: route_to_human
    route: { approvers: { teams: [acme/legal] } }
    overrides: false
  - name: deploys
    if: { action: "deploy:*" }
    decision: route_to_human
    route: { approvers: { users: [alice] } }
  - name: reads
    if: { action: "read_*" }
    decision: auto_approve
`;

/** Files the test can change: the policy in force at creation decides, not the one at decision time. */
const files = new Map([['main.yaml', POLICIES]]);
const provider = new LocalPolicyProvider('mutable', async () => files);

let t: TestServer;
let agent: Api;
let operator: Api;
let admin: Api;

beforeAll(async () => {
  await provider.reload();
  t = await startTestServer({ policyProvider: () => provider });
  agent = (await keyClient(t.url, t.adminKey, 'agent', ['request:create', 'request:read'])).api;
  operator = (await keyClient(t.url, t.adminKey, 'ops', ['request:read', 'request:decide'])).api;
  admin = apiClient(t.url, t.adminKey);
});
afterAll(() => t.close());

async function auditOf(id: string): Promise<AuditEntry[]> {
  return (await admin('GET', `/api/requests/${id}/audit`)).body;
}

async function usePolicies(text: string) {
  files.set('main.yaml', text);
  await provider.reload();
}

describe('a policy that forbids overrides', () => {
  it.each([
    ['the admin key', () => admin],
    ['a request:decide key', () => operator],
  ])(
    'refuses %s with 403 override_forbidden naming the rule; the request stays pending',
    async (_label, who) => {
      const created = await agent('POST', '/api/requests', {
        action: 'payments.send',
        params: { amount: 5000, country: 'US' },
      });
      expect(created.body.policyDecision).toMatchObject({
        rules: ['finance'],
        overridesForbiddenBy: ['finance'],
      });

      for (const decision of ['approved', 'denied']) {
        const res = await who()('POST', `/api/requests/${created.body.id}/decide`, {
          decision,
          reason: 'break glass',
        });
        expect(res.status).toBe(403);
        expect(res.body).toMatchObject({ code: 'override_forbidden', details: { rules: ['finance'] } });
        expect(res.body.error).toContain('rule "finance"');
        expect(res.body.error).toContain('forbids operator overrides');
        expect(res.body.error).toContain('Review it on GitHub instead');
        expect(res.body.error).toContain('`/approve` or `/deny` on its issue');
      }

      const after = await admin('GET', `/api/requests/${created.body.id}`);
      expect(after.body).toMatchObject({ status: 'pending', decidedBy: null, decidedAt: null });
      expect((await auditOf(created.body.id)).map((e) => e.eventType)).toEqual(['created', 'evaluated']);
    },
  );

  it('names every rule that forbids, and says where the request is reviewed', async () => {
    const created = await agent('POST', '/api/requests', {
      action: 'payments.send',
      params: { amount: 5000, country: 'FR' },
    });
    const res = await admin('POST', `/api/requests/${created.body.id}/decide`, { decision: 'approved' });
    expect(res.status).toBe(403);
    expect(res.body.details).toEqual({ rules: ['finance', 'legal'] });
    expect(res.body.error).toMatch(
      /rule "finance" and rule "legal" \(policy version sha256:[0-9a-f]+\) forbid operator overrides/,
    );
  });

  it('still lets the requester and an operator cancel: cancelling is not an override', async () => {
    const mine = await agent('POST', '/api/requests', { action: 'payments.send', params: { country: 'US' } });
    const byRequester = await agent('POST', `/api/requests/${mine.body.id}/cancel`, { reason: 'not needed' });
    expect(byRequester.status).toBe(200);
    expect(byRequester.body).toMatchObject({ status: 'cancelled', decidedBy: 'api:agent' });
    expect(isOverride(byRequester.body)).toBe(false);

    const theirs = await agent('POST', '/api/requests', {
      action: 'payments.send',
      params: { country: 'US' },
    });
    const byOperator = await operator('POST', `/api/requests/${theirs.body.id}/cancel`, {});
    expect(byOperator.body).toMatchObject({ status: 'cancelled', decidedBy: 'api:ops' });
    expect((await auditOf(theirs.body.id)).map((e) => e.eventType)).not.toContain('overridden');
  });

  it('answers 409, not 403, once the request is decided', async () => {
    const created = await agent('POST', '/api/requests', {
      action: 'payments.send',
      params: { country: 'US' },
    });
    await agent('POST', `/api/requests/${created.body.id}/cancel`, {});
    const res = await admin('POST', `/api/requests/${created.body.id}/decide`, { decision: 'approved' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('conflict');
  });

  it('forbids through defaults.overrides for requests the defaults route, naming the defaults', async () => {
    await usePolicies(`${POLICIES}\ndefaults:\n  overrides: false\n`);
    try {
      const created = await agent('POST', '/api/requests', { action: 'send_email' });
      expect(created.body.policyDecision.overridesForbiddenBy).toEqual(['default']);
      const res = await operator('POST', `/api/requests/${created.body.id}/decide`, { decision: 'denied' });
      expect(res.status).toBe(403);
      expect(res.body.error).toContain('the policy defaults');
      // A rule that does not say keeps the defaults' setting.
      const deploy = await agent('POST', '/api/requests', { action: 'deploy:prod' });
      expect(deploy.body.policyDecision.overridesForbiddenBy).toEqual(['deploys']);
    } finally {
      await usePolicies(POLICIES);
    }
  });
});

describe('an override a policy allows', () => {
  it('decides at once, as api:<key name>, audited as overridden in the same chain', async () => {
    const created = await agent('POST', '/api/requests', { action: 'deploy:prod' });
    expect(created.body.policyDecision.overridesForbiddenBy).toEqual([]);
    const res = await operator('POST', `/api/requests/${created.body.id}/decide`, {
      decision: 'approved',
      reason: 'hotfix, alice is away',
    });
    expect(res.status).toBe(200);
    const request = ApprovalRequestSchema.parse(res.body);
    expect(request).toMatchObject({
      status: 'approved',
      decidedBy: 'api:ops',
      decisionReason: 'hotfix, alice is away',
    });
    expect(isOverride(request)).toBe(true);

    const audit = await auditOf(created.body.id);
    expect(audit.map((e) => e.eventType)).toEqual(['created', 'evaluated', 'overridden', 'approved']);
    expect(audit[2]).toMatchObject({
      actor: 'api:ops',
      details: {
        decision: 'approved',
        rules: ['deploys'],
        approvals: 0,
        needed: 1,
        reason: 'hotfix, alice is away',
      },
    });
    expect(audit[3]).toMatchObject({ actor: 'api:ops', details: { via: 'api', override: true } });
    expect(audit[2]?.createdAt).toBe(audit[3]?.createdAt);
    expect(await verifyAuditTrail(t.store)).toMatchObject({ ok: true });
  });

  it('is judged by the policy in force when the request was created', async () => {
    const before = await agent('POST', '/api/requests', { action: 'deploy:staging' });
    await usePolicies(
      POLICIES.replace(
        'route: { approvers: { users: [alice] } }',
        'route: { approvers: { users: [alice] } }\n    overrides: false',
      ),
    );
    try {
      const after = await agent('POST', '/api/requests', { action: 'deploy:staging' });
      expect(
        (await admin('POST', `/api/requests/${after.body.id}/decide`, { decision: 'approved' })).status,
      ).toBe(403);
      const res = await admin('POST', `/api/requests/${before.body.id}/decide`, { decision: 'approved' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'approved', decidedBy: 'api:admin' });
    } finally {
      await usePolicies(POLICIES);
    }
  });

  it('decides a request stored before policies could forbid overrides, as before', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const old = aRequestRecord({ ownerId: 'key:gone', expiresAt: future, review: aReview() });
    expect(old.policyDecision).not.toHaveProperty('overridesForbiddenBy');
    await t.store.insertRequest(old, []);
    const stored = await admin('GET', `/api/requests/${old.id}`);
    expect(stored.body.policyDecision).not.toHaveProperty('overridesForbiddenBy');

    const res = await operator('POST', `/api/requests/${old.id}/decide`, { decision: 'denied' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'denied', decidedBy: 'api:ops' });
    expect((await auditOf(old.id)).map((e) => e.eventType)).toEqual(['overridden', 'denied']);
  });

  it('never applies to requests a policy decided at once', async () => {
    const created = await agent('POST', '/api/requests', { action: 'read_file' });
    expect(created.body).toMatchObject({ status: 'approved', decidedBy: 'policy' });
    expect(created.body.policyDecision.overridesForbiddenBy).toEqual([]);
    expect(isOverride(created.body)).toBe(false);
  });
});

describe('dry runs and the policy list', () => {
  it('GET /api/policies says, for each routing rule, whether overrides are allowed', async () => {
    const res = await admin('GET', '/api/policies');
    expect(res.status).toBe(200);
    expect(
      res.body.rules.map((r: { name: string; overrides?: boolean }) => [
        r.name,
        r.overrides ?? '(not routing)',
      ]),
    ).toEqual([
      ['finance', false],
      ['legal', false],
      ['deploys', true],
      ['reads', '(not routing)'],
    ]);
  });

  it('POST /api/policies/evaluate names the rules that forbid overrides', async () => {
    const res = await admin('POST', '/api/policies/evaluate', {
      action: 'payments.send',
      params: { country: 'DE' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      decision: 'route_to_human',
      overridesForbiddenBy: ['finance', 'legal'],
    });
  });
});
