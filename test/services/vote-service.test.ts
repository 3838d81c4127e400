import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../app/adapters/memory/memory-store.js';
import type { Ballot } from '../../app/services/vote-service.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const POLICIES = {
  'payments.yaml': `
rules:
  - name: finance
    if: { action: "payments.*" }
    decision: route_to_human
    route: { approvers: { teams: [acme/finance] }, count: 2 }
  - name: security
    if: { action: "payments.wire" }
    decision: route_to_human
    route: { approvers: { teams: [acme/security] }, count: 1 }
`,
};

let t: TestServer;
let agent: Api;
const clock = new ManualClock();

beforeAll(async () => {
  // The sweeper never runs here: expiry is seen by the vote itself.
  t = await startTestServer({
    policies: POLICIES,
    store: createMemoryStore(),
    clock,
    sweepIntervalMs: 3_600_000,
  });
  agent = (await keyClient(t.url, t.adminKey, 'agent', ['request:create'])).api;
});
afterAll(() => t.close());

const ballot = (voter: string, qualifiesFor: string[], decision: Ballot['decision'] = 'approve'): Ballot => ({
  voter: `github:${voter}`,
  decision,
  reason: null,
  source: 'github:comment',
  qualifiesFor,
});

describe('VoteService', () => {
  it('counts approvals per requirement and approves when every requirement is met', async () => {
    const { body } = await agent('POST', '/api/requests', {
      action: 'payments.wire',
      params: { amount: 5000 },
    });
    const waiting = agent('GET', `/api/requests/${body.id}/wait?timeout=30`);
    const votes = t.server.votes;
    expect((await votes.castVote(body.id, ballot('alice', ['finance']))).outcome).toBe('counted');
    expect((await votes.castVote(body.id, ballot('mallory', []))).outcome).toBe('not_qualified');
    expect((await votes.castVote(body.id, ballot('alice', ['finance']))).outcome).toBe('duplicate');
    expect((await votes.castVote(body.id, ballot('bob', ['finance']))).outcome).toBe('counted');
    const last = await votes.castVote(body.id, {
      ...ballot('carol', ['security']),
      reason: 'checked the payee',
    });
    expect(last.outcome).toBe('approved');
    expect(last.request).toMatchObject({
      status: 'approved',
      decidedBy: 'github:carol',
      decisionReason: 'checked the payee',
    });
    expect(last.request.review?.requirements.map((r) => r.approvedBy)).toEqual([
      ['github:alice', 'github:bob'],
      ['github:carol'],
    ]);
    expect((await waiting).body.status).toBe('approved');

    const trail = await apiClient(t.url, t.adminKey)('GET', `/api/requests/${body.id}/audit`);
    expect(trail.body.map((e: { eventType: string; actor: string }) => `${e.eventType}:${e.actor}`)).toEqual([
      'created:api:agent',
      'evaluated:policy',
      'vote:github:alice',
      'vote_refused:github:mallory',
      'vote:github:bob',
      'vote:github:carol',
      'approved:github:carol',
    ]);
    expect((await votes.castVote(body.id, ballot('dave', ['finance']))).outcome).toBe('not_pending');
  });

  it('denies at once on a qualified deny', async () => {
    const { body } = await agent('POST', '/api/requests', { action: 'payments.refund' });
    await t.server.votes.castVote(body.id, ballot('alice', ['finance']));
    const denied = await t.server.votes.castVote(body.id, {
      ...ballot('bob', ['finance'], 'deny'),
      reason: 'duplicate refund',
    });
    expect(denied.outcome).toBe('denied');
    expect(denied.request).toMatchObject({
      status: 'denied',
      decidedBy: 'github:bob',
      decisionReason: 'duplicate refund',
    });
  });

  it('loses no vote and decides once when many arrive at the same moment', async () => {
    const { body } = await agent('POST', '/api/requests', { action: 'payments.refund' });
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((name) =>
        t.server.votes.castVote(body.id, ballot(name, ['finance'])),
      ),
    );
    const outcomes = results.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'approved')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'counted')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'not_pending')).toHaveLength(4);
    const decided = await t.store.getRequest(body.id);
    expect(decided?.review?.votes).toHaveLength(2);
  });

  it('refuses a vote after the request expired, even before the sweeper runs', async () => {
    const { body } = await agent('POST', '/api/requests', { action: 'payments.refund', timeout: 1 });
    clock.advance(1001);
    const late = await t.server.votes.castVote(body.id, ballot('alice', ['finance']));
    expect(late.outcome).toBe('not_pending');
    expect(late.request.status).toBe('expired');
  });

  it('withdraws an approval only from its own source, and never from a decided request', async () => {
    const { body } = await agent('POST', '/api/requests', { action: 'payments.refund' });
    const votes = t.server.votes;
    const byReview = { ...ballot('alice', ['finance']), source: 'github:review' };
    await votes.castVote(body.id, byReview);
    await votes.castVote(body.id, ballot('bob', ['finance'])); // approves: 2 of 2
    const late = { voter: 'github:alice', source: 'github:review', by: 'github:max' };
    expect(await votes.withdrawVote(body.id, late)).toBe('not_pending');
    expect((await t.store.getRequest(body.id))?.review?.requirements[0]?.approvedBy).toEqual([
      'github:alice',
      'github:bob',
    ]);

    const open = (await agent('POST', '/api/requests', { action: 'payments.wire' })).body; // 3 approvals
    await votes.castVote(open.id, byReview);
    await votes.castVote(open.id, { ...ballot('carol', ['finance']), source: 'github:check_run' });
    const carol = { voter: 'github:carol', source: 'github:review', by: 'github:max' };
    expect(await votes.withdrawVote(open.id, carol)).toBe('no_vote');
    const alice = { voter: 'github:alice', source: 'github:review', by: 'github:max' };
    expect(await votes.withdrawVote(open.id, alice)).toBe('withdrawn');
    expect(await votes.withdrawVote(open.id, alice)).toBe('no_vote');
    const request = await t.store.getRequest(open.id);
    expect(request?.status).toBe('pending');
    expect(request?.review?.votes.map((v) => v.voter)).toEqual(['github:carol']);
    expect(request?.review?.requirements[0]?.approvedBy).toEqual(['github:carol']);
    const trail = await apiClient(t.url, t.adminKey)('GET', `/api/requests/${open.id}/audit`);
    expect(trail.body.at(-1)).toMatchObject({
      eventType: 'vote_withdrawn',
      actor: 'github:max',
      details: { voter: 'github:alice', source: 'github:review' },
    });
  });
});

describe('VoteService: overdue requests', () => {
  it('expires the overdue request a late vote or withdrawal names, and only that one', async () => {
    const clock = new ManualClock();
    // The sweeper must not run during the test: only the late votes may expire anything.
    const server = await startTestServer({
      policies: POLICIES,
      clock,
      store: createMemoryStore(),
      sweepIntervalMs: 3_600_000,
    });
    try {
      const api = (await keyClient(server.url, server.adminKey, 'agent', ['request:create'])).api;
      const create = async () =>
        (await api('POST', '/api/requests', { action: 'payments.refund', timeout: 60 })).body.id as string;
      const [voted, withdrawn, untouched] = [await create(), await create(), await create()];
      clock.advance(59_999);
      expect((await server.server.votes.castVote(voted, ballot('alice', ['finance']))).outcome).toBe(
        'counted',
      );
      clock.advance(1); // expiresAt itself is too late

      const late = await server.server.votes.castVote(voted, ballot('bob', ['finance']));
      expect(late.outcome).toBe('not_pending');
      expect(late.request).toMatchObject({ status: 'expired', decidedBy: 'system:expiry' });
      expect((await server.store.getRequest(withdrawn))?.status).toBe('pending');
      expect((await server.store.getRequest(untouched))?.status).toBe('pending');

      const withdrawal = { voter: 'github:alice', source: 'github:comment', by: 'github:alice' };
      expect(await server.server.votes.withdrawVote(withdrawn, withdrawal)).toBe('not_pending');
      expect((await server.store.getRequest(withdrawn))?.status).toBe('expired');
      expect((await server.store.getRequest(untouched))?.status).toBe('pending');

      expect(await server.server.requests.expireDue()).toBe(1);
      expect((await server.store.getRequest(untouched))?.status).toBe('expired');
    } finally {
      await server.close();
    }
  });
});
