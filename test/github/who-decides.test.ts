/**
 * Nobody unrelated decides (issue #15, items 3 and 4), tried as an attacker on a public repository
 * would, through the real server, signed webhooks and the fake GitHub (which, like GitHub on a
 * public repository, answers `read` to the permission endpoint for anyone):
 * - a stranger's `/approve` under `permission: read` is refused; a real read-level collaborator counts;
 * - closing the issue denies only when the closer could have denied; a stranger's, a bot's or a
 *   commit's close reopens the issue with a comment saying who can decide;
 * - a team in an organization the app is not installed on is "not a member", logged once, and
 *   never fails the vote of a listed user (nor reconciliation).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../app/logger.js';
import { reviewPayload } from './check-payloads.js';
import { closedPayload, commentPayload, type Harness, REPO, startHarness, until } from './harness.js';

const POLICIES = {
  'rules.yaml': `
rules:
  - name: readers
    description: Anyone who can read the repository may publish docs
    if: { action: "docs.*" }
    decision: route_to_human
    route:
      approvers: { permission: read }
      count: 1
  - name: readers-on-commit
    if: { action: "site.preview" }
    decision: route_to_human
    route:
      approvers: { permission: read }
      count: 1
      via: check
  - name: production-deploys
    if: { action: "deploy:production" }
    decision: route_to_human
    route:
      approvers: { permission: maintain }
      count: 1
  - name: payments
    if: { action: "payments.*" }
    decision: route_to_human
    route:
      approvers: { users: [alice], teams: [other-org/x] }
      count: 1
`,
};

const logLines: Array<{ msg: string; team?: string }> = [];
let h: Harness;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  h = await startHarness({ policies: POLICIES, log: createLogger('warn', sink) });
  h.fake.setPermission(REPO, 'rita', 'read'); // a read-level collaborator
  h.fake.setPermission(REPO, 'mona', 'maintain');
  h.fake.setPermission(REPO, 'walt', 'write');
  h.fake.setPermission(REPO, 'alice', 'write');
  h.fake.setPermission(REPO, 'stale[bot]', 'admin');
});
afterAll(() => h.close());

async function createRequest(action: string) {
  const res = await h.agent('POST', '/api/requests', { action });
  expect(res.status).toBe(201);
  expect(res.body.status).toBe('pending');
  const request = await until(async () => {
    const { body } = await h.agent('GET', `/api/requests/${res.body.id}`);
    return body.review?.url ? body : null;
  }, `the issue of ${res.body.id}`);
  return { id: request.id as string, number: Number(/\/issues\/(\d+)$/.exec(request.review.url)?.[1]) };
}

async function comment(number: number, login: string, body: string) {
  const c = h.fake.addComment(REPO, number, login, body);
  expect((await h.deliver('issue_comment', commentPayload(REPO, number, c))).status).toBe(200);
  return c;
}

async function close(number: number, login: string, options: { type?: string; commitId?: string } = {}) {
  h.fake.closeIssue(REPO, number, login, options);
  expect((await h.deliver('issues', closedPayload(REPO, number, login, options.type))).status).toBe(200);
  await h.settled();
}

const status = async (id: string) => (await h.agent('GET', `/api/requests/${id}`)).body;
const issue = (number: number) => h.fake.issues(REPO).find((i) => i.number === number);
const reopenComments = (number: number) =>
  h.fake.comments(REPO, number).filter((c) => c.body.includes('<!-- agentgate:reopened:'));

describe('permission: read on a public repository', () => {
  it("refuses a stranger's /approve (GitHub says read) and counts a read-level collaborator's", async () => {
    const { id, number } = await createRequest('docs.publish');
    const eve = await comment(number, 'eve', '/approve ship it');
    const reply = await until(
      () => h.fake.comments(REPO, number).find((c) => c.body.includes('`/approve` was not counted')),
      'a reply to eve',
    );
    expect(reply.body).toContain('@eve');
    expect(reply.body).toContain('you are not one of the approvers');
    expect(eve.reactions).toEqual([]);
    expect((await status(id)).review.requirements[0].approvedBy).toEqual([]);
    // GitHub was asked whether eve is a collaborator: she is not.
    expect(h.fake.calls).toContainEqual(
      expect.objectContaining({ method: 'GET', path: `/api/v3/repos/${REPO}/collaborators/eve` }),
    );

    await comment(number, 'rita', '/approve');
    expect(await status(id)).toMatchObject({ status: 'approved', decidedBy: 'github:rita' });
  });

  it("does not count a stranger's approving pull request review either", async () => {
    const sha = h.fake.commit(REPO, 'docs', { 'docs/index.md': '# Docs\n' });
    h.fake.openPullRequest(REPO, { number: 9, head: 'docs', author: 'octocat' });
    const created = await h.admin('POST', '/api/requests', {
      action: 'site.preview',
      context: { sha, pullRequest: 9 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await until(() => h.fake.checkRuns(REPO).some((r) => r.external_id === id), 'the check run');
    const approve = async (login: string) => {
      const r = h.fake.addReview(REPO, 9, login, 'APPROVED', 'lgtm');
      expect((await h.deliver('pull_request_review', reviewPayload(REPO, 9, sha, r))).status).toBe(200);
    };
    await approve('eve');
    await h.settled();
    expect(await status(id)).toMatchObject({ status: 'pending' });
    expect((await status(id)).review.requirements[0].approvedBy).toEqual([]);
    await approve('rita');
    expect(await status(id)).toMatchObject({ status: 'approved', decidedBy: 'github:rita' });
  });
});

describe('closing the issue', () => {
  it("reopens a stranger's close and says who can decide, without mentioning anyone", async () => {
    const { id, number } = await createRequest('docs.publish');
    await close(number, 'eve');
    expect((await status(id)).status).toBe('pending');
    expect(issue(number)?.state).toBe('open');
    const [note, ...more] = reopenComments(number);
    expect(more).toEqual([]);
    expect(note?.body).toContain('`eve` closed this issue, but is not one of the approvers of this request');
    expect(note?.body).toContain(
      'Who can decide: **readers**: 1 approval from any collaborator with read access or more',
    );
    expect(note?.body).not.toContain('@');
    const audit = (await h.admin('GET', `/api/requests/${id}/audit`)).body;
    expect(audit.map((e: any) => e.eventType)).not.toContain('denied');
  });

  it('reopens the close of someone with a role too low, naming the approvers in code spans', async () => {
    const { id, number } = await createRequest('payments.refund');
    await close(number, 'walt');
    expect((await status(id)).status).toBe('pending');
    expect(issue(number)?.state).toBe('open');
    const note = reopenComments(number)[0]?.body ?? '';
    expect(note).toContain('`walt` closed this issue');
    expect(note).toContain('from `alice` or members of `other-org/x`');
    expect(note).not.toMatch(/@\w/);
  });

  it('denies when a read-level collaborator closes it (they could /deny)', async () => {
    const { id, number } = await createRequest('docs.publish');
    await close(number, 'rita');
    expect(await status(id)).toMatchObject({
      status: 'denied',
      decidedBy: 'github:rita',
      decisionReason: 'Closed the issue without a decision.',
    });
    expect(issue(number)).toMatchObject({ state: 'closed' });
    expect(issue(number)?.labels).toContain('agentgate:denied');
    expect(reopenComments(number)).toEqual([]);
    const audit = (await h.admin('GET', `/api/requests/${id}/audit`)).body;
    expect(audit.find((e: any) => e.eventType === 'vote')?.details.source).toBe('github:issue_closed');
  });

  it('never lets a bot decide by closing, whatever its role', async () => {
    const { id, number } = await createRequest('deploy:production');
    await close(number, 'stale[bot]', { type: 'Bot' });
    expect((await status(id)).status).toBe('pending');
    expect(issue(number)?.state).toBe('open');
    expect(reopenComments(number)[0]?.body).toContain(
      '`stale[bot]` closed this issue, but bots never decide',
    );
  });

  it('never lets a commit decide: `closes #N` merged by a maintainer reopens the issue', async () => {
    const { id, number } = await createRequest('deploy:production');
    const commitId = 'c0ffee1234567890c0ffee1234567890c0ffee12';
    await close(number, 'mona', { commitId });
    expect((await status(id)).status).toBe('pending');
    expect(issue(number)?.state).toBe('open');
    const note = reopenComments(number)[0]?.body ?? '';
    expect(note).toContain('Commit `c0ffee1` closed this issue');
    expect(note).toContain('A commit never decides a request');
    expect(note).toContain('anyone with maintain access or more');

    // Mona can still decide, by closing it herself.
    await close(number, 'mona');
    expect(await status(id)).toMatchObject({ status: 'denied', decidedBy: 'github:mona' });
  });

  it('leaves the issue of a decided request closed', async () => {
    const { id, number } = await createRequest('deploy:production');
    await comment(number, 'mona', '/approve');
    await until(() => issue(number)?.state === 'closed', 'the issue closed by the decision');
    // GitHub's webhook for our own close, and a stranger's close seen later.
    expect((await h.deliver('issues', closedPayload(REPO, number, 'agentgate[bot]', 'Bot'))).status).toBe(
      200,
    );
    await close(number, 'eve');
    expect((await status(id)).status).toBe('approved');
    expect(issue(number)?.state).toBe('closed');
    expect(reopenComments(number)).toEqual([]);
  });

  it('handles a missed close at reconciliation, once', async () => {
    const { id, number } = await createRequest('docs.publish');
    h.fake.closeIssue(REPO, number, 'eve'); // no webhook
    const first = await h.handle.reconciler?.reconcileAll();
    await h.settled();
    expect(first?.failures).toBe(0);
    expect(issue(number)?.state).toBe('open');
    expect(reopenComments(number)).toHaveLength(1);
    // The webhook arriving late, and another pass, see the same close: nothing more.
    expect((await h.deliver('issues', closedPayload(REPO, number, 'eve'))).status).toBe(200);
    await h.handle.reconciler?.reconcileAll();
    await h.settled();
    expect(reopenComments(number)).toHaveLength(1);
    expect((await status(id)).status).toBe('pending');
  });

  it('decides nothing while GitHub does not list the close yet, and handles it at reconciliation', async () => {
    const { id, number } = await createRequest('deploy:production');
    const closed = issue(number);
    if (!closed) throw new Error('no issue');
    closed.state = 'closed'; // GitHub's events lag its webhook: no `closed` event yet
    expect((await h.deliver('issues', closedPayload(REPO, number, 'mona'))).status).toBe(500);
    expect((await status(id)).status).toBe('pending');
    h.fake.closeIssue(REPO, number, 'walt', { commitId: 'feed'.repeat(10) }); // the event, at last
    expect((await h.handle.reconciler?.reconcileAll())?.failures).toBe(0);
    await h.settled();
    expect((await status(id)).status).toBe('pending');
    expect(issue(number)?.state).toBe('open');
    expect(reopenComments(number)[0]?.body).toContain('Commit `feedfee` closed this issue');
  });

  it('does nothing when the issue was reopened before the webhook was handled', async () => {
    const { id, number } = await createRequest('deploy:production');
    h.fake.closeIssue(REPO, number, 'eve');
    const reopened = issue(number);
    if (!reopened) throw new Error('no issue');
    reopened.state = 'open';
    h.fake.issueEvents(REPO, number).push({
      id: 1,
      event: 'reopened',
      actor: { login: 'mona', type: 'User' },
      commit_id: null,
      created_at: new Date(Date.now() + 1000).toISOString(),
    });
    expect((await h.deliver('issues', closedPayload(REPO, number, 'eve'))).status).toBe(200);
    await h.settled();
    expect((await status(id)).status).toBe('pending');
    expect(reopenComments(number)).toEqual([]);
  });
});

describe('a team in an organization without the app', () => {
  const teamLines = () => logLines.filter((l) => l.team === 'other-org/x');

  it('is "not a member": a stranger is refused, the listed user counts, one log line', async () => {
    const { id, number } = await createRequest('payments.transfer');
    await comment(number, 'eve', '/approve');
    await until(
      () => h.fake.comments(REPO, number).some((c) => c.body.includes('`/approve` was not counted')),
      'a reply to eve',
    );
    expect((await status(id)).status).toBe('pending');
    await comment(number, 'alice', '/approve');
    expect(await status(id)).toMatchObject({ status: 'approved', decidedBy: 'github:alice' });
    expect(teamLines()).toHaveLength(1);
    expect(teamLines()[0]?.msg).toContain('team other-org/x cannot be read (GitHub answered 404');
  });

  it('does not make reconciliation fail (and retry) on every pass', async () => {
    const { id, number } = await createRequest('payments.transfer');
    h.fake.addComment(REPO, number, 'alice', '/approve'); // its webhook was missed
    const report = await h.handle.reconciler?.reconcileAll();
    expect(report).toMatchObject({ failures: 0, recovered: 1 });
    expect((await status(id)).status).toBe('approved');
    expect((await h.handle.reconciler?.reconcileAll())?.failures).toBe(0);
    expect(teamLines()).toHaveLength(1);
  });
});
