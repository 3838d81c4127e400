/**
 * No notification spam (docs/github-app.md, "Replies"): a vote that did not count is answered once
 * per person per request, naming the approvers in code spans (never `@`-mentions, which would
 * notify them each time); the same person's later refused commands get a 😕 reaction, which
 * notifies nobody; deciding whether to reply never reads the comment pages. Through the real
 * server, signed webhooks from `@octokit/webhooks-examples`, and the fake GitHub.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusalReplyKey } from '../../app/services/github-issue-service.js';
import type { FakeComment } from '../fakes/fake-github.js';
import { pullRequestCommentPayload, reviewPayload } from './check-payloads.js';
import { commentPayload, type Harness, REPO, startHarness, until } from './harness.js';

const POLICIES = {
  'payments.yaml': `
rules:
  - name: big-payments
    if: { action: "payments.*" }
    decision: route_to_human
    route:
      approvers: { users: [alice, bob], teams: [acme/finance] }
      count: 1
  - name: migrations
    if: { action: "db.migrate" }
    decision: route_to_human
    route:
      approvers: { users: [alice], teams: [acme/dba] }
      count: 1
      via: check
`,
};

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ policies: POLICIES });
  h.fake.setPermission(REPO, 'alice', 'write');
  h.fake.commit(REPO, 'feature', { 'db/001.sql': 'create table t (id int);\n' });
  h.fake.openPullRequest(REPO, { number: 9, head: 'feature' });
});
afterAll(() => h.close());

async function createRequest(body: Record<string, unknown>): Promise<string> {
  const res = await h.agent('POST', '/api/requests', body);
  expect(res.status).toBe(201);
  return res.body.id;
}

async function issueOf(id: string): Promise<number> {
  const url = await until(
    async () => (await h.agent('GET', `/api/requests/${id}`)).body.review?.url,
    'the issue',
  );
  return Number(/\/issues\/(\d+)$/.exec(url)?.[1]);
}

async function say(number: number, login: string, body: string, onPullRequest = false): Promise<FakeComment> {
  const c = h.fake.addComment(REPO, number, login, body);
  const payload = onPullRequest
    ? pullRequestCommentPayload(REPO, number, c)
    : commentPayload(REPO, number, c);
  expect((await h.deliver('issue_comment', payload)).status).toBe(200);
  return c;
}

const repliesOn = (number: number) =>
  h.fake
    .comments(REPO, number)
    .filter((c) => c.user.login === 'agentgate[bot]' && c.body.includes('was not counted'));

const commentPagesRead = (from: number, number: number) =>
  h.fake.calls
    .slice(from)
    .filter((c) => c.method === 'GET' && c.path === `/api/v3/repos/${REPO}/issues/${number}/comments`).length;

describe('on an issue', () => {
  it('answers a stranger posting /approve ten times once, then with a 😕 reaction; approvers are never @-mentioned', async () => {
    const id = await createRequest({ action: 'payments.refund', params: { amount: 70 } });
    const number = await issueOf(id);
    await h.settled();
    const from = h.fake.calls.length;
    const posted: FakeComment[] = [];
    for (let i = 0; i < 10; i += 1)
      posted.push(await say(number, 'mallory', i === 0 ? '/approve' : `/approve please ${i}`));
    await h.settled();

    const replies = repliesOn(number);
    expect(replies).toHaveLength(1);
    const reply = replies[0]?.body ?? '';
    expect(reply).toContain('@mallory, your `/approve` was not counted');
    expect(reply).toContain('`alice`, `bob` or members of `acme/finance`');
    // Nobody but the person who typed the command is mentioned.
    expect([...reply.matchAll(/@([\w-]+)/g)].map((m) => m[1])).toEqual(['mallory']);
    expect(posted[0]?.reactions).toEqual([]);
    for (const later of posted.slice(1)) expect(later.reactions).toEqual(['confused']);
    // Deciding whether to reply never read the comment pages.
    expect(commentPagesRead(from, number)).toBe(0);
    // Nothing was counted.
    const request = (await h.agent('GET', `/api/requests/${id}`)).body;
    expect(request).toMatchObject({ status: 'pending' });
    expect(request.review.requirements[0].approvedBy).toEqual([]);
    // The gate is in the store, so a restart or another instance answers no second time either.
    expect(
      await h.server.store.claimGitHubKey(refusalReplyKey(id, 'MALLORY'), new Date().toISOString()),
    ).toBe(false);
  });

  it('answers each person once: another stranger gets their own reply', async () => {
    const id = await createRequest({ action: 'payments.refund', params: { amount: 71 } });
    const number = await issueOf(id);
    await say(number, 'mallory', '/approve');
    await say(number, 'trudy', '/deny');
    await say(number, 'trudy', '/deny really');
    await h.settled();
    const replies = repliesOn(number);
    expect(replies.map((r) => /^@([\w-]+),/m.exec(r.body.split('\n')[1] ?? '')?.[1])).toEqual([
      'mallory',
      'trudy',
    ]);
  });

  it('after the decision, names the decider without a mention, once per person', async () => {
    const id = await createRequest({ action: 'payments.refund', params: { amount: 72 } });
    const number = await issueOf(id);
    await say(number, 'alice', '/approve');
    await until(
      async () => (await h.agent('GET', `/api/requests/${id}`)).body.status === 'approved',
      'approved',
    );
    const late = await say(number, 'eve', '/deny too late');
    const later = await say(number, 'eve', '/deny I insist');
    await h.settled();
    const replies = repliesOn(number);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body).toContain('this request is already **approved** (`alice`)');
    expect(replies[0]?.body).not.toContain('@alice');
    expect(late.reactions).toEqual([]);
    expect(later.reactions).toEqual(['confused']);
  });
});

describe('on a pull request gating requests on its head', () => {
  it('answers a stranger once per thing to say: the list of requests once, each refusal once', async () => {
    const head = h.fake.pullHeadOf(REPO, 9);
    // The agent's key may not bind requests to pull request #9: bare commands there decide neither.
    const first = await createRequest({ action: 'db.migrate', context: { sha: head, pullRequest: 9 } });
    const second = await createRequest({
      action: 'db.migrate',
      params: { table: 'u' },
      context: { sha: head, pullRequest: 9 },
    });
    await h.settled();
    const from = h.fake.calls.length;
    const posted: FakeComment[] = [];
    for (let i = 0; i < 10; i += 1) posted.push(await say(9, 'mallory', '/approve', true));
    const review = h.fake.addReview(REPO, 9, 'mallory', 'APPROVED', 'lgtm');
    expect((await h.deliver('pull_request_review', reviewPayload(REPO, 9, head, review))).status).toBe(200);
    await h.settled();

    // One reply listing both requests and how to pick one; nine 😕; nothing for the review.
    const replies = repliesOn(9);
    expect(replies).toHaveLength(1);
    const list = replies[0]?.body ?? '';
    expect(list).toContain(first);
    expect(list).toContain(second);
    expect(list).not.toMatch(/@/);
    expect(posted[0]?.reactions).toEqual([]);
    for (const later of posted.slice(1)) expect(later.reactions).toEqual(['confused']);
    expect(commentPagesRead(from, 9)).toBe(0);

    // Picking one: refused once with who can approve (no mentions but the person answered), then 😕.
    const picked = await say(9, 'mallory', `/approve ${first}`, true);
    const again = await say(9, 'mallory', `/approve ${first} please`, true);
    await h.settled();
    const now = repliesOn(9);
    expect(now).toHaveLength(2);
    const refusal = now[1]?.body ?? '';
    expect(refusal).toContain(first);
    expect(refusal).toContain('`alice` or members of `acme/dba`');
    expect([...refusal.matchAll(/@([\w-]+)/g)].map((m) => m[1])).toEqual(['mallory']);
    expect(picked.reactions).toEqual([]);
    expect(again.reactions).toEqual(['confused']);
    // The run shows the refusal once: the repetition costs no write to it.
    const runWrites = h.fake.calls
      .slice(from)
      .filter((c) => c.method === 'PATCH' && c.path.includes('/check-runs/'));
    expect(runWrites).toHaveLength(1);
    for (const id of [first, second])
      expect((await h.agent('GET', `/api/requests/${id}`)).body.status).toBe('pending');

    // A third request on the same commit changes the list: one more reply, listing it.
    const third = await createRequest({
      action: 'db.migrate',
      params: { table: 'v' },
      context: { sha: head, pullRequest: 9 },
    });
    await h.settled();
    await say(9, 'mallory', '/approve', true);
    await h.settled();
    const last = repliesOn(9);
    expect(last).toHaveLength(3);
    expect(last[2]?.body).toContain(third);
  });
});
