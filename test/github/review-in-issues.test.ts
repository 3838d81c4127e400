/**
 * Human review in GitHub issues, end to end through the real server: an agent's request becomes an
 * issue in the fake GitHub, signed webhooks carry reviewers' comments, and the decision shows on
 * the issue and reaches the agent's long-poll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPayload, commentPayload, type Harness, REPO, startHarness, until } from './harness.js';

const POLICIES = {
  'payments.yaml': `
rules:
  - name: big-payments
    description: Payments need two people from finance
    if: { action: "payments.*" }
    decision: route_to_human
    route:
      approvers: { users: [alice, bob, dana], teams: [acme/finance] }
      count: 2
  - name: production-deploys
    description: A maintainer approves production deploys
    if: { action: "deploy:production" }
    decision: route_to_human
    route:
      approvers: { permission: maintain }
      count: 1
  - name: locked-deploys
    description: Only maintainers decide; no operator override
    if: { action: "deploy:locked" }
    decision: route_to_human
    route:
      approvers: { permission: maintain }
    overrides: false
  - name: reads-are-safe
    if: { action: "read_*" }
    decision: auto_approve
`,
};

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ policies: POLICIES });
  for (const login of ['alice', 'bob', 'dana']) h.fake.setPermission(REPO, login, 'write');
  h.fake.setPermission(REPO, 'mona', 'maintain');
  h.fake.setPermission(REPO, 'walt', 'write');
  h.fake.setTeamMember('acme/finance', 'fiona', 'active');
  h.fake.setTeamMember('acme/finance', 'pete', 'pending');
});
afterAll(() => h.close());

async function createRequest(body: Record<string, unknown>) {
  const res = await h.agent('POST', '/api/requests', body);
  expect(res.status).toBe(201);
  return res.body;
}

/** Waits for the request's issue and its URL on the request. */
async function issueOf(id: string) {
  const request = await until(async () => {
    const { body } = await h.agent('GET', `/api/requests/${id}`);
    return body.review?.url ? body : null;
  }, `the issue of ${id}`);
  const number = Number(/\/issues\/(\d+)$/.exec(request.review.url)?.[1]);
  const issue = h.fake.issues(REPO).find((i) => i.number === number);
  if (!issue) throw new Error('issue not in the fake');
  return { request, issue, number };
}

async function comment(number: number, login: string, body: string, options: { deliver?: boolean } = {}) {
  const c = h.fake.addComment(REPO, number, login, body);
  if (options.deliver !== false) {
    const res = await h.deliver('issue_comment', commentPayload(REPO, number, c));
    expect(res.status).toBe(200);
  }
  return c;
}

const status = async (id: string) => (await h.agent('GET', `/api/requests/${id}`)).body;

describe('an issue per human-routed request', () => {
  it('opens an issue with title, body, labels and assignable approvers, and records its URL', async () => {
    const created = await createRequest({
      action: 'payments.transfer',
      params: { amount: 5000, currency: 'EUR' },
      urgency: 'high',
      context: { onBehalfOf: 'dana' },
    });
    expect(created.status).toBe('pending');
    expect(created.policyDecision.policyVersion).toBe(h.fake.headOf(REPO));
    expect(created.policyDecision.policyVersion).toMatch(/^[0-9a-f]{40}$/);
    const { request, issue } = await issueOf(created.id);
    expect(request.review.url).toBe(`https://github.test/${REPO}/issues/${issue.number}`);
    expect(issue.title).toBe('[high] Approval needed: payments.transfer');
    expect(issue.body).toContain(`<!-- agentgate:request:${created.id} -->`);
    expect(issue.body).toContain('"amount": 5000');
    expect(issue.body).toContain('big-payments');
    expect(issue.body).toContain('Payments need two people from finance');
    expect(issue.body).toContain('@alice');
    expect(issue.labels).toEqual(['agentgate', 'agentgate:pending']);
    // dana delegated the task: not assigned; alice and bob are collaborators.
    expect(issue.assignees).toEqual(['alice', 'bob']);
    const audit = (await h.admin('GET', `/api/requests/${created.id}/audit`)).body;
    expect(audit.map((e: any) => e.eventType)).toContain('reflected');
  });

  it('does not open an issue for a request decided by policy', async () => {
    const before = h.fake.issues(REPO).length;
    const created = await createRequest({ action: 'read_file' });
    expect(created.status).toBe('approved');
    await h.settled();
    expect(h.fake.issues(REPO)).toHaveLength(before);
  });
});

describe('votes in comments', () => {
  it('approves with two distinct qualified approvers, showing progress in between; the waiter wakes', async () => {
    const created = await createRequest({ action: 'payments.refund', params: { amount: 20 } });
    const { number } = await issueOf(created.id);
    const waiting = h.agent('GET', `/api/requests/${created.id}/wait?timeout=30`);

    const first = await comment(number, 'alice', '/approve invoice matches');
    await until(() => first.reactions.includes('+1'), 'a reaction to the first approval');
    expect((await status(created.id)).status).toBe('pending');
    const progress = await until(
      () => h.fake.issues(REPO).find((i) => i.number === number && i.body.includes('1 of 2 approvals')),
      'progress in the issue body',
    );
    // Each approval links to the comment it came from.
    expect(progress.body).toContain(
      `### Votes\n\n- ✅ approved by \`alice\` — [\`/approve\` comment](${first.html_url}), `,
    );
    // The same person again does not make two.
    await comment(number, 'alice', '/approve again');
    expect((await status(created.id)).status).toBe('pending');

    // A team member (active membership) is the second person.
    const second = await comment(number, 'fiona', '/APPROVE');
    const decided = (await waiting).body;
    expect(decided.status).toBe('approved');
    expect(decided.decidedBy).toBe('github:fiona');
    expect(decided.review.requirements[0].approvedBy).toEqual(['github:alice', 'github:fiona']);

    const issue = await until(
      () => h.fake.issues(REPO).find((i) => i.number === number && i.state === 'closed'),
      'the issue closed',
    );
    expect(issue.labels).toEqual(['agentgate', 'agentgate:approved']);
    expect(issue.state_reason).toBe('completed');
    const final = h.fake.comments(REPO, number).filter((c) => c.body.includes('agentgate:decision'));
    expect(final).toHaveLength(1);
    expect(final[0]?.body).toContain('**Approved** by @fiona');
    expect(final[0]?.body).toContain(
      `- ✅ approved by \`alice\` — [\`/approve\` comment](${first.html_url}), `,
    );
    expect(final[0]?.body).toContain(
      `- ✅ approved by \`fiona\` — [\`/approve\` comment](${second.html_url}), `,
    );
    expect(issue.body).toContain(`[\`/approve\` comment](${second.html_url})`);
    await h.settled(); // the reflection is audited after GitHub answered
    const audit = (await h.admin('GET', `/api/requests/${created.id}/audit`)).body;
    const votes = audit.filter((e: any) => e.eventType === 'vote');
    expect(votes.map((e: any) => e.actor)).toEqual(['github:alice', 'github:fiona']);
    expect(audit.some((e: any) => e.eventType === 'reflected' && e.details.status === 'approved')).toBe(true);
  });

  it('counts `/approve <id>` naming its own request, and answers one naming another request without counting it', async () => {
    const mine = await createRequest({ action: 'deploy:production', params: { service: 'api' } });
    const other = await createRequest({ action: 'deploy:production', params: { service: 'web' } });
    const { number } = await issueOf(mine.id);
    await issueOf(other.id);

    const elsewhere = await comment(number, 'mona', `/approve ${other.id} looks fine`);
    await h.settled();
    expect((await status(other.id)).status).toBe('pending');
    expect((await status(mine.id)).status).toBe('pending');
    const replies = h.fake
      .comments(REPO, number)
      .filter((c) => c.body.includes(`agentgate:reply:${elsewhere.id}`));
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body).toContain(
      `\`mona\`: your \`/approve ${other.id}\` was not counted: this issue decides request \`${mine.id}\` only, and \`${other.id}\` is another request.`,
    );
    expect(replies[0]?.body).not.toMatch(/@mona\b/);
    expect(elsewhere.reactions).toEqual([]);

    const own = await comment(number, 'mona', `/approve ${mine.id} ship it`);
    expect(await status(mine.id)).toMatchObject({
      status: 'approved',
      decidedBy: 'github:mona',
      decisionReason: 'ship it',
    });
    await until(() => own.reactions.includes('+1'), 'a reaction');
  });

  it('answers an unqualified voter with who can approve, once, and counts nothing', async () => {
    const created = await createRequest({ action: 'payments.refund', params: { amount: 30 } });
    const { number } = await issueOf(created.id);
    const c = await comment(number, 'walt', '/approve trust me');
    // A pending team invitation does not count either.
    const p = await comment(number, 'pete', '/approve');
    await until(
      () => h.fake.comments(REPO, number).filter((x) => x.body.includes('was not counted')).length === 2,
      'two replies',
    );
    const reply = h.fake.comments(REPO, number).find((x) => x.body.includes('@walt'));
    expect(reply?.body).toContain('you are not one of the approvers');
    // Approvers are named, never @-mentioned: a stray command notifies nobody else.
    expect(reply?.body).toContain('`alice`');
    expect(reply?.body).toContain('members of `acme/finance`');
    expect(reply?.body).not.toMatch(/@(alice|bob|dana|acme)/);
    expect(c.reactions).toEqual([]);
    expect(p.reactions).toEqual([]);
    const request = await status(created.id);
    expect(request.status).toBe('pending');
    expect(request.review.requirements[0].approvedBy).toEqual([]);
  });

  it('refuses the delegator of the task, even though listed', async () => {
    const created = await createRequest({ action: 'payments.refund', context: { onBehalfOf: 'dana' } });
    const { number } = await issueOf(created.id);
    await comment(number, 'dana', '/approve');
    const reply = await until(
      () => h.fake.comments(REPO, number).find((x) => x.body.includes('@dana')),
      'a reply to dana',
    );
    expect(reply.body).toContain('nobody approves their own request');
    expect((await status(created.id)).review.requirements[0].approvedBy).toEqual([]);
  });

  it('denies at once on a qualified /deny, with the reason', async () => {
    const created = await createRequest({ action: 'deploy:production' });
    const { number } = await issueOf(created.id);
    await comment(number, 'mona', '/deny not during the freeze\nmore words');
    const request = await status(created.id);
    expect(request).toMatchObject({
      status: 'denied',
      decidedBy: 'github:mona',
      decisionReason: 'not during the freeze',
    });
    const issue = await until(() =>
      h.fake.issues(REPO).find((i) => i.number === number && i.state === 'closed'),
    );
    expect(issue.labels).toEqual(['agentgate', 'agentgate:denied']);
    expect(issue.state_reason).toBe('not_planned');
  });

  it('never counts a bot, and never answers one', async () => {
    const created = await createRequest({ action: 'deploy:production' });
    const { number } = await issueOf(created.id);
    h.fake.setPermission(REPO, 'deploy-bot[bot]', 'admin');
    const c = h.fake.addComment(REPO, number, 'deploy-bot[bot]', '/approve', 'Bot');
    expect((await h.deliver('issue_comment', commentPayload(REPO, number, c))).status).toBe(200);
    await h.settled();
    expect((await status(created.id)).status).toBe('pending');
    expect(
      h.fake.comments(REPO, number).filter((x) => x.user.type === 'Bot' && x.body.includes('not counted')),
    ).toEqual([]);
  });

  it('counts a redelivered webhook once', async () => {
    const created = await createRequest({ action: 'payments.refund', params: { amount: 40 } });
    const { number } = await issueOf(created.id);
    const c = h.fake.addComment(REPO, number, 'bob', '/approve');
    const payload = commentPayload(REPO, number, c);
    const first = await h.deliver('issue_comment', payload);
    const again = await h.deliver('issue_comment', payload, { id: first.id });
    expect([first.status, again.status]).toEqual([200, 200]);
    await until(() => c.reactions.length > 0);
    await h.settled();
    expect(c.reactions).toEqual(['+1']);
    const audit = (await h.admin('GET', `/api/requests/${created.id}/audit`)).body;
    expect(audit.filter((e: any) => e.eventType === 'vote')).toHaveLength(1);
  });

  it('never counts an edited comment', async () => {
    const created = await createRequest({ action: 'deploy:production' });
    const { number } = await issueOf(created.id);
    const c = h.fake.addComment(REPO, number, 'mona', 'looks risky');
    h.fake.editComment(REPO, number, c.id, '/approve');
    const payload = commentPayload(REPO, number, { ...c, body: '/approve' });
    payload.action = 'edited';
    payload.changes = { body: { from: 'looks risky' } };
    expect((await h.deliver('issue_comment', payload)).status).toBe(200);
    await h.handle.reconciler?.reconcileAll();
    await h.settled();
    expect((await status(created.id)).status).toBe('pending');
    expect(c.reactions).toEqual([]);
  });

  it('refuses a forged signature: 400 and nothing happens', async () => {
    const created = await createRequest({ action: 'deploy:production' });
    const { number } = await issueOf(created.id);
    const c = h.fake.addComment(REPO, number, 'mona', '/approve');
    const forged = await h.deliver('issue_comment', commentPayload(REPO, number, c), {
      secret: 'not-the-secret',
    });
    expect(forged.status).toBe(400);
    await h.settled();
    expect((await status(created.id)).status).toBe('pending');
    expect(c.reactions).toEqual([]);
  });
});

describe('closing and other decisions', () => {
  it('denies a request whose issue an approver closes without a decision, recording who closed it', async () => {
    const created = await createRequest({ action: 'deploy:production' });
    const { number } = await issueOf(created.id);
    h.fake.closeIssue(REPO, number, 'mona');
    expect((await h.deliver('issues', closedPayload(REPO, number, 'mona'))).status).toBe(200);
    const request = await status(created.id);
    expect(request).toMatchObject({
      status: 'denied',
      decidedBy: 'github:mona',
      decisionReason: 'Closed the issue without a decision.',
    });
    await until(() =>
      h.fake
        .issues(REPO)
        .find((i) => i.number === number)
        ?.labels.includes('agentgate:denied'),
    );
  });

  it('reflects an API decision, a cancellation and an expiry on the issue', async () => {
    const byApi = await createRequest({ action: 'deploy:production' });
    const cancelled = await createRequest({ action: 'deploy:production' });
    const expiring = await createRequest({ action: 'deploy:production', timeout: 2 });
    const issues = await Promise.all([byApi, cancelled, expiring].map((r) => issueOf(r.id)));

    expect(
      (await h.admin('POST', `/api/requests/${byApi.id}/decide`, { decision: 'approved', reason: 'hotfix' }))
        .status,
    ).toBe(200);
    expect(
      (await h.agent('POST', `/api/requests/${cancelled.id}/cancel`, { reason: 'no longer needed' })).status,
    ).toBe(200);

    const expected = ['approved', 'cancelled', 'expired'];
    for (const [i, { number }] of issues.entries()) {
      const issue = await until(
        () => h.fake.issues(REPO).find((x) => x.number === number && x.state === 'closed'),
        `issue ${number} closed`,
      );
      expect(issue.labels).toEqual(['agentgate', `agentgate:${expected[i]}`]);
      const final = h.fake.comments(REPO, number).find((c) => c.body.includes('agentgate:decision'));
      expect(final?.body).toContain(
        expected[i] === 'expired'
          ? '**Expired**'
          : expected[i] === 'approved'
            ? '`api:admin`'
            : '**Cancelled**',
      );
      // The API decision is labelled an override; the requester's cancel is not one.
      if (expected[i] === 'approved') {
        expect(final?.body).toContain(
          '✅ **Approved** by `api:admin` — an **operator override** through the AgentGate API, with 0 of 1 approval the policy asks for.',
        );
      } else {
        expect(final?.body).not.toContain('override');
      }
    }
  });

  it('refuses an override the policy forbids: the issue stays open and a maintainer still decides', async () => {
    const created = await createRequest({ action: 'deploy:locked' });
    const { number } = await issueOf(created.id);

    const refused = await h.admin('POST', `/api/requests/${created.id}/decide`, { decision: 'approved' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('override_forbidden');
    expect(refused.body.error).toContain('rule "locked-deploys"');
    expect(refused.body.error).toContain(
      `Review it on GitHub instead (${(await status(created.id)).review.url})`,
    );
    expect(await status(created.id)).toMatchObject({ status: 'pending' });

    await comment(number, 'mona', '/approve');
    await until(async () => (await status(created.id)).status === 'approved', 'approved by mona');
    const issue = await until(
      () => h.fake.issues(REPO).find((x) => x.number === number && x.state === 'closed'),
      `issue ${number} closed`,
    );
    expect(issue.labels).toEqual(['agentgate', 'agentgate:approved']);
    const finals = h.fake.comments(REPO, number).filter((c) => c.body.includes('agentgate:decision'));
    expect(finals).toHaveLength(1);
    expect(finals[0]?.body).toContain('✅ **Approved** by @mona.');
    expect(finals[0]?.body).not.toContain('override');
  });
});
