/**
 * Human review on a commit (`via: check`), end to end through the real server: an agent's request
 * gated on a commit becomes the check run `AgentGate: <action> (<short id>)` in the fake GitHub; signed webhooks
 * carry button clicks, pull request reviews and PR comments; the check run is what a reviewer
 * sees, so each case reads it (and snapshots it, normalized, under __snapshots__/check-run/).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeCheckRun } from '../fakes/fake-github.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { actionsClaims, type OidcIssuer, startOidcIssuer } from '../helpers/oidc-issuer.js';
import {
  buttonPayload,
  dismissedReviewPayload,
  pullRequestCommentPayload,
  rerunPayload,
  reviewPayload,
} from './check-payloads.js';
import { type Harness, REPO, startHarness, until } from './harness.js';

const POLICIES = {
  'deploys.yaml': `
rules:
  - name: production-deploys
    description: A maintainer approves production deploys, on the commit being deployed
    if: { action: "deploy:production" }
    decision: route_to_human
    route:
      approvers: { permission: maintain }
      count: 1
      via: check
  - name: two-person-migrations
    description: Two of the database owners approve a schema migration
    if: { action: "db.migrate" }
    decision: route_to_human
    route:
      approvers: { users: [alice, bob, mona] }
      count: 2
      via: check
`,
};

let h: Harness;
let issuer: OidcIssuer;
/**
 * A key bound to the repository: it may bind a request to the pull request it names (DESIGN §11),
 * so reviews there count. `h.agent` is bound to no repository: what it names stays unverified.
 */
let deployBot: Api;
/** Pull request #7 from branch `feature`; its head moves when the test commits to `feature`. */
let head: string;
let pushes = 0;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  h = await startHarness({ policies: POLICIES, sweepIntervalMs: 100, oidc: { issuer: issuer.issuer } });
  deployBot = (
    await keyClient(h.server.url, h.server.adminKey, 'deploy-bot', ['request:create', 'request:read'], {
      repository: REPO,
    })
  ).api;
  h.fake.setPermission(REPO, 'mona', 'maintain');
  h.fake.setPermission(REPO, 'max', 'admin');
  h.fake.setPermission(REPO, 'walt', 'write');
  for (const login of ['alice', 'bob']) h.fake.setPermission(REPO, login, 'write');
  head = h.fake.commit(REPO, 'feature', { 'src/app.ts': 'export const v = 1;\n' });
  h.fake.openPullRequest(REPO, { number: 7, head: 'feature', author: 'octocat' });
});
afterAll(async () => {
  await h.close();
  await issuer.close();
});
// Each case starts on a new head of PR #7, so requests earlier cases left pending are not on it.
beforeEach(() => {
  pushes += 1;
  head = h.fake.commit(REPO, 'feature', { 'src/app.ts': `export const v = ${100 + pushes};\n` });
});

/** A request by `h.agent`, a key bound to no repository: the pull request it names is not bound. */
async function createRequest(body: Record<string, unknown>, api: Api = h.agent) {
  const res = await api('POST', '/api/requests', body);
  expect(res.status).toBe(201);
  return res.body;
}

/** A request by the repository's own key: bound to the pull request it names. */
async function createBound(body: Record<string, unknown>) {
  const created = await createRequest(body, deployBot);
  expect(created.review.boundPullRequest).toBe(pullRequestIn(body));
  return created;
}

const pullRequestIn = (body: Record<string, unknown>) =>
  Number((body.context as Record<string, unknown> | undefined)?.pullRequest ?? Number.NaN) || null;

async function comment(login: string, body: string) {
  const c = h.fake.addComment(REPO, 7, login, body);
  const res = await h.deliver('issue_comment', pullRequestCommentPayload(REPO, 7, c));
  expect(res.status).toBe(200);
  return c;
}

/** The app's replies to review or comment `id` on PR #7. */
const repliesTo = (id: number) =>
  h.fake.comments(REPO, 7).filter((c) => c.body.includes(`<!-- agentgate:reply:${id} -->`));

const status = async (id: string) => (await h.agent('GET', `/api/requests/${id}`)).body;

/** Waits for the request's check run and its URL on the request. */
async function checkRunOf(id: string): Promise<FakeCheckRun> {
  const request = await until(async () => {
    const body = await status(id);
    return body.review?.url ? body : null;
  }, `the check run of ${id}`);
  const run = h.fake.checkRuns(REPO).find((r) => r.external_id === id);
  if (!run) throw new Error('check run not in the fake');
  expect(request.review.url).toBe(run.html_url);
  return run;
}

const latestRunOf = (id: string) =>
  h.fake
    .checkRuns(REPO)
    .filter((r) => r.external_id === id)
    .at(-1);

async function waitForRun(id: string, probe: (run: FakeCheckRun) => boolean, what: string) {
  return until(() => {
    const run = latestRunOf(id);
    return run && probe(run) ? run : null;
  }, what);
}

async function click(run: FakeCheckRun, identifier: string, login: string) {
  const res = await h.deliver('check_run', buttonPayload(REPO, run, identifier, login));
  expect(res.status).toBe(200);
}

async function review(login: string, state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED', body = '') {
  const r = h.fake.addReview(REPO, 7, login, state, body);
  const res = await h.deliver('pull_request_review', reviewPayload(REPO, 7, h.fake.pullHeadOf(REPO, 7), r));
  expect(res.status).toBe(200);
  return r;
}

/** What a reviewer sees in the Checks tab, with ids, SHAs and times made stable for the snapshot. */
function asSeen(run: FakeCheckRun, requestId: string): string {
  const sha = run.head_sha;
  const version = h.fake.headOf(REPO);
  const stable = (text: string | null) =>
    (text ?? '')
      .replaceAll(requestId, 'req_ID')
      .replaceAll(`(${requestId.slice(-6)})`, '(SHORT_ID)')
      .replaceAll(sha.slice(0, 7), 'SHA_HEAD')
      .replaceAll(version.slice(0, 7), 'SHA_POLICY')
      .replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/g, 'YYYY-MM-DD HH:MM UTC')
      .replace(/\/runs\/\d+/g, '/runs/RUN_ID')
      .replace(/#(pullrequestreview|issuecomment)-\d+/g, '#$1-ID');
  return [
    `# ${stable(run.name)}`,
    '',
    `- status: ${run.status}`,
    `- conclusion: ${run.conclusion}`,
    `- title: ${stable(run.output.title)}`,
    `- buttons: ${run.actions.map((a) => `[${a.label}] (${a.identifier}: ${a.description})`).join(' ') || 'none'}`,
    '',
    '## Summary',
    '',
    stable(run.output.summary),
    '',
    '## Text',
    '',
    stable(run.output.text),
    '',
  ].join('\n');
}

describe('a request gated on a commit', () => {
  it('gets a check run on that commit: action_required, Approve/Deny buttons, the review URL', async () => {
    const created = await createBound({
      action: 'deploy:production',
      params: { service: 'api', version: '2.4.1' },
      urgency: 'high',
      context: { sha: head, pullRequest: 7, workflow: 'deploy' },
    });
    expect(created.review.via).toBe('check');
    const run = await checkRunOf(created.id);
    expect(run).toMatchObject({
      name: `AgentGate: deploy:production (${created.id.slice(-6)})`,
      head_sha: head,
      status: 'completed',
      conclusion: 'action_required',
      // The server has a public URL: the details link opens the request's web console page.
      details_url: `https://agentgate.example.com/requests/${created.id}`,
    });
    expect(run.actions.map((a) => a.identifier)).toEqual(['approve', 'deny']);
    for (const a of run.actions) {
      expect(a.label.length).toBeLessThanOrEqual(20);
      expect(a.description.length).toBeLessThanOrEqual(40);
    }
    expect(run.output.title).toBe('Waiting for approval: 0 of 1 approval');
    expect(run.output.summary).toContain('A maintainer approves production deploys');
    expect(run.output.summary).toContain('anyone with maintain access or more');
    await expect(asSeen(run, created.id)).toMatchFileSnapshot('__snapshots__/check-run/pending.md');
    // No issue for a request reviewed on a commit.
    expect(h.fake.issues(REPO).filter((i) => i.body.includes(created.id))).toEqual([]);
  });

  it('is approved by a qualified user clicking Approve: the run concludes success, buttons gone', async () => {
    const created = await createRequest({ action: 'deploy:production', context: { sha: head } });
    const run = await checkRunOf(created.id);
    const waiting = h.agent('GET', `/api/requests/${created.id}/wait?timeout=30`);
    await click(run, 'approve', 'mona');
    const decided = (await waiting).body;
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'github:mona' });
    expect(decided.review.votes[0]).toMatchObject({ voter: 'github:mona', source: 'github:check_run' });
    const done = await waitForRun(created.id, (r) => r.conclusion === 'success', 'the run to succeed');
    expect(done.actions).toEqual([]);
    expect(done.output.title).toBe('Approved by @mona');
    expect(done.output.summary).toContain('### ✅ Approved by @mona');
    await expect(asSeen(done, created.id)).toMatchFileSnapshot(
      '__snapshots__/check-run/approved-by-button.md',
    );
    const audit = (await h.admin('GET', `/api/requests/${created.id}/audit`)).body;
    expect(audit.some((e: any) => e.eventType === 'reflected' && e.details.status === 'approved')).toBe(true);
  });

  it('refuses an unqualified clicker, and the run says so; nothing is counted', async () => {
    const created = await createRequest({ action: 'deploy:production', context: { sha: head } });
    const run = await checkRunOf(created.id);
    await click(run, 'approve', 'walt'); // write access, the rule needs maintain
    const seen = await waitForRun(
      created.id,
      (r) => r.output.summary?.includes('### Not counted') ?? false,
      'the refusal on the run',
    );
    expect(seen.output.summary).toContain('@walt clicked **Approve**');
    expect(seen.conclusion).toBe('action_required');
    expect(seen.actions).toHaveLength(2);
    const request = await status(created.id);
    expect(request.status).toBe('pending');
    expect(request.review.requirements[0].approvedBy).toEqual([]);
    await expect(asSeen(seen, created.id)).toMatchFileSnapshot(
      '__snapshots__/check-run/unqualified-click.md',
    );
    const audit = (await h.admin('GET', `/api/requests/${created.id}/audit`)).body;
    expect(audit.find((e: any) => e.eventType === 'vote_refused')).toMatchObject({
      actor: 'github:walt',
      details: { source: 'github:check_run' },
    });
    // A button of another app's run (or an unknown identifier) is not ours.
    await click({ ...run, external_id: 'req_not_ours' }, 'approve', 'mona');
    await click(run, 'merge', 'mona');
    expect((await status(created.id)).status).toBe('pending');
  });

  it('shows progress (1 of 2) after one approval, then is approved by an /approve comment on the PR', async () => {
    const created = await createBound({ action: 'db.migrate', context: { sha: head, pullRequest: 7 } });
    const run = await checkRunOf(created.id);
    await click(run, 'approve', 'alice');
    const progress = await waitForRun(
      created.id,
      (r) => r.output.title === 'Waiting for approval: 1 of 2 approvals',
      'progress on the run',
    );
    expect(progress.output.summary).toContain('**Progress: 1 of 2 approvals** (approved so far by @alice)');
    await expect(asSeen(progress, created.id)).toMatchFileSnapshot('__snapshots__/check-run/progress.md');

    const c = h.fake.addComment(REPO, 7, 'bob', '/approve schema reviewed');
    const res = await h.deliver('issue_comment', pullRequestCommentPayload(REPO, 7, c));
    expect(res.status).toBe(200);
    const decided = await status(created.id);
    expect(decided).toMatchObject({
      status: 'approved',
      decidedBy: 'github:bob',
      decisionReason: 'schema reviewed',
    });
    expect(decided.review.requirements[0].approvedBy).toEqual(['github:alice', 'github:bob']);
    await until(() => c.reactions.includes('+1'), 'a reaction to the PR comment');
    const done = await waitForRun(created.id, (r) => r.conclusion === 'success', 'the run to succeed');
    expect(done.output.summary).toContain('> schema reviewed');
    // Each approval links to where it was cast: the check run's button, the PR comment.
    expect(decided.review.votes.map((v: any) => v.url)).toEqual([run.html_url, c.html_url]);
    expect(done.output.summary).toContain(
      `- ✅ approved by \`alice\` — [**Approve** button of the check run](${run.html_url})`,
    );
    expect(done.output.summary).toContain(`- ✅ approved by \`bob\` — [\`/approve\` comment](${c.html_url})`);
  });

  it('is approved by an approving PR review, with the review text as the reason', async () => {
    const created = await createBound({
      action: 'deploy:production',
      context: { sha: head, pullRequest: '7' },
    });
    await checkRunOf(created.id);
    // A comment-only review is not a vote.
    await review('mona', 'COMMENTED', 'looks fine so far');
    expect((await status(created.id)).status).toBe('pending');
    const r = await review('mona', 'APPROVED', 'Deploy window confirmed with on-call.');
    expect(await status(created.id)).toMatchObject({
      status: 'approved',
      decidedBy: 'github:mona',
      decisionReason: 'Deploy window confirmed with on-call.',
    });
    const done = await waitForRun(created.id, (x) => x.conclusion === 'success', 'the run to succeed');
    expect(done.output.summary).toContain(`[approving pull request review](${r.html_url})`);
    await expect(asSeen(done, created.id)).toMatchFileSnapshot(
      '__snapshots__/check-run/approved-by-review.md',
    );
  });

  it('is denied by a review requesting changes: the run concludes failure', async () => {
    const created = await createBound({
      action: 'deploy:production',
      context: { sha: head, pullRequest: 7 },
    });
    await checkRunOf(created.id);
    await review('max', 'CHANGES_REQUESTED', 'Not during the freeze.');
    expect(await status(created.id)).toMatchObject({
      status: 'denied',
      decidedBy: 'github:max',
      decisionReason: 'Not during the freeze.',
    });
    const done = await waitForRun(created.id, (r) => r.conclusion === 'failure', 'the run to fail');
    expect(done.output.title).toBe('Denied by @max');
    expect(done.actions).toEqual([]);
    await expect(asSeen(done, created.id)).toMatchFileSnapshot('__snapshots__/check-run/denied-by-review.md');
  });

  it('expires: the run concludes timed_out', async () => {
    const created = await createRequest({ action: 'deploy:production', context: { sha: head }, timeout: 1 });
    await checkRunOf(created.id);
    const done = await waitForRun(created.id, (r) => r.conclusion === 'timed_out', 'the run to time out');
    expect((await status(created.id)).status).toBe('expired');
    expect(done.output.title).toBe('Expired');
    expect(done.output.summary).toContain('### ⌛ Expired — nobody decided before');
    await expect(asSeen(done, created.id)).toMatchFileSnapshot('__snapshots__/check-run/expired.md');
  });

  it('shows a cancellation as cancelled', async () => {
    const created = await createRequest({ action: 'deploy:production', context: { sha: head } });
    await checkRunOf(created.id);
    expect(
      (await h.agent('POST', `/api/requests/${created.id}/cancel`, { reason: 'superseded' })).status,
    ).toBe(200);
    const done = await waitForRun(created.id, (r) => r.conclusion === 'cancelled', 'the run cancelled');
    expect(done.output.summary).toContain('> superseded');
  });

  it('refuses a PR reviewer who is not an approver, with a reply on the PR', async () => {
    const created = await createBound({
      action: 'deploy:production',
      context: { sha: head, pullRequest: 7 },
    });
    await checkRunOf(created.id);
    const r = await review('walt', 'APPROVED', 'lgtm');
    const reply = await until(
      () => h.fake.comments(REPO, 7).find((c) => c.body.includes(`agentgate:reply:${r.id}`)),
      'a reply to walt',
    );
    expect(reply.body).toContain('@walt, your approving review was not counted');
    expect(reply.body).toContain(created.id);
    expect(reply.body).toContain('anyone with maintain access or more');
    expect((await status(created.id)).status).toBe('pending');
    // The refusal shows on the run too.
    await waitForRun(
      created.id,
      (run) => run.output.summary?.includes('@walt reviewed with **Approve**') ?? false,
      'the refused review on the run',
    );
  });
});

describe('a new push', () => {
  it('does not carry approvals over: a review of the new head does not count for the old commit', async () => {
    const old = head;
    const created = await createBound({ action: 'db.migrate', context: { sha: old, pullRequest: 7 } });
    const run = await checkRunOf(created.id);
    await click(run, 'approve', 'alice');
    await waitForRun(created.id, (r) => r.output.title?.includes('1 of 2') ?? false, 'progress');

    head = h.fake.commit(REPO, 'feature', { 'src/app.ts': 'export const v = 2;\n' });
    await review('bob', 'APPROVED', 'new version is fine');
    const c = h.fake.addComment(REPO, 7, 'mona', '/approve');
    await h.deliver('issue_comment', pullRequestCommentPayload(REPO, 7, c));
    const request = await status(created.id);
    expect(request.status).toBe('pending');
    expect(request.review.requirements[0].approvedBy).toEqual(['github:alice']);

    // A request on the new commit starts from nothing; the old commit's approval is not in it.
    const next = await createBound({ action: 'db.migrate', context: { sha: head, pullRequest: 7 } });
    const nextRun = await checkRunOf(next.id);
    expect(nextRun.head_sha).toBe(head);
    expect(nextRun.output.title).toBe('Waiting for approval: 0 of 2 approvals');
    // The old commit's own button still works: the request is about that commit.
    await click(run, 'approve', 'bob');
    expect((await status(created.id)).status).toBe('approved');
    expect((await status(next.id)).status).toBe('pending');
  });

  it('a request bound to another pull request ignores reviews of this one', async () => {
    const created = await createBound({
      action: 'deploy:production',
      context: { sha: head, pullRequest: 8 },
    });
    await checkRunOf(created.id);
    await review('mona', 'APPROVED');
    expect((await status(created.id)).status).toBe('pending');
  });
});

describe('one human action approves one request (#15)', () => {
  it("an unbound key's request naming another author's PR is not approved by a review there; its button and `/approve <id>` still decide", async () => {
    // PR #7 is octocat's; billing-bot's key is bound to no repository, so it names PR #7 unverified.
    const deploy = await createRequest({
      action: 'deploy:production',
      context: { sha: head, pullRequest: 7 },
    });
    const other = await createRequest({
      action: 'deploy:production',
      context: { sha: head, pullRequest: 7 },
    });
    expect(deploy.review.boundPullRequest).toBeNull();
    const run = await checkRunOf(deploy.id);
    await checkRunOf(other.id);
    expect(run.output.summary).toContain('(names pull request #7, not bound: reviews there do not count)');

    // An ordinary code review of the PR: approves nothing, and says so once.
    const r = await review('mona', 'APPROVED', 'LGTM');
    expect((await status(deploy.id)).status).toBe('pending');
    expect((await status(other.id)).status).toBe('pending');
    await h.settled();
    const [reply, ...more] = repliesTo(r.id);
    expect(more).toEqual([]);
    expect(reply?.body).toContain('`mona`: your approving review was not counted for any request');
    expect(reply?.body).toContain('not bound to pull request #7');
    expect(reply?.body).toContain(
      `| \`deploy:production\` | \`${deploy.id}\` | [\`${run.name}\`](${run.html_url}) | \`/approve ${deploy.id}\` |`,
    );
    expect(reply?.body).not.toMatch(/@mona\b/);
    // A bare /approve neither; mona was just told which requests wait here, so no second reply: a 😕.
    const bare = await comment('mona', '/approve');
    expect((await status(deploy.id)).status).toBe('pending');
    await h.settled();
    expect(repliesTo(bare.id)).toHaveLength(0);
    expect(bare.reactions).toEqual(['confused']);
    // Someone else doing the same is told once.
    const max = await comment('max', '/approve');
    await h.settled();
    expect(repliesTo(max.id)).toHaveLength(1);

    // The check run's button decides the one it belongs to…
    await click(run, 'approve', 'mona');
    expect(await status(deploy.id)).toMatchObject({ status: 'approved', decidedBy: 'github:mona' });
    // …and `/approve <id>` the one it names, and only that one.
    const pick = await comment('max', `/approve ${other.id} checked the diff`);
    const decided = await status(other.id);
    expect(decided).toMatchObject({
      status: 'approved',
      decidedBy: 'github:max',
      decisionReason: 'checked the diff',
    });
    expect(decided.review.votes[0]).toMatchObject({ source: 'github:comment', url: pick.html_url });
    await until(() => pick.reactions.includes('+1'), 'a reaction to the pick');
  });

  it('a request bound by the workflow token (refs/pull/7/merge), an admin key or the repository key IS approved by a review', async () => {
    const job = apiClient(
      h.server.url,
      await issuer.mint(
        actionsClaims({
          repository: REPO,
          sub: `repo:${REPO}:pull_request`,
          ref: 'refs/pull/7/merge',
          sha: head,
          event_name: 'pull_request',
        }),
      ),
    );
    for (const [who, api] of [
      ['oidc', job],
      ['admin', h.admin],
      ['repository key', deployBot],
    ] as const) {
      pushes += 1;
      head = h.fake.commit(REPO, 'feature', { 'src/app.ts': `export const v = ${100 + pushes};\n` });
      // The token names its PR itself; keys name it in the context.
      const context = who === 'oidc' ? { sha: head } : { sha: head, pullRequest: 7 };
      const created = await createRequest({ action: 'deploy:production', context }, api);
      expect(created.review.boundPullRequest, who).toBe(7);
      await checkRunOf(created.id);
      const r = await review('mona', 'APPROVED', `ok (${who})`);
      expect(await status(created.id), who).toMatchObject({
        status: 'approved',
        decisionReason: `ok (${who})`,
      });
      expect((await status(created.id)).review.votes[0].url).toBe(r.html_url);
    }
  });

  it('one review on a PR with two pending bound requests approves none and replies once listing both; `/approve <id>` and `/deny <id>` pick one each', async () => {
    const a = await createBound({ action: 'deploy:production', context: { sha: head, pullRequest: 7 } });
    const b = await createBound({ action: 'db.migrate', context: { sha: head, pullRequest: 7 } });
    const runA = await checkRunOf(a.id);
    const runB = await checkRunOf(b.id);

    const r = h.fake.addReview(REPO, 7, 'mona', 'APPROVED', 'ship it');
    const payload = reviewPayload(REPO, 7, head, r);
    expect((await h.deliver('pull_request_review', payload)).status).toBe(200);
    // Redelivered (a new delivery id, as "Redeliver" in GitHub's settings sends it): still one reply.
    expect((await h.deliver('pull_request_review', payload)).status).toBe(200);
    await h.settled();
    expect((await status(a.id)).status).toBe('pending');
    expect((await status(b.id)).review.votes).toEqual([]);
    const replies = repliesTo(r.id);
    expect(replies).toHaveLength(1);
    const body = replies[0]?.body ?? '';
    expect(body).toContain(
      '`mona`: your approving review was not counted for any request: 2 requests wait for a decision on pull request #7',
    );
    expect(body).toContain(
      `| \`deploy:production\` | \`${a.id}\` | [\`${runA.name}\`](${runA.html_url}) | \`/approve ${a.id}\` |`,
    );
    expect(body).toContain(
      `| \`db.migrate\` | \`${b.id}\` | [\`${runB.name}\`](${runB.html_url}) | \`/approve ${b.id}\` |`,
    );
    expect(body).toContain('`/approve <request id> [reason]`');
    expect(body).not.toMatch(/@\w/);

    // A bare /deny is just as ambiguous.
    const bareDeny = await comment('max', '/deny');
    await h.settled();
    expect(repliesTo(bareDeny.id)).toHaveLength(1);
    expect((await status(a.id)).status).toBe('pending');

    // `/approve <id>` picks exactly one (the id in a code span, as the reply shows it).
    const pick = await comment('mona', `/approve \`${a.id}\``);
    expect(await status(a.id)).toMatchObject({ status: 'approved', decidedBy: 'github:mona' });
    expect((await status(b.id)).review.votes).toEqual([]);
    await until(() => pick.reactions.includes('+1'), 'a reaction to the pick');
    // `/deny <id> reason` denies that one.
    const deny = await comment('alice', `/deny ${b.id} wrong migration order`);
    expect(await status(b.id)).toMatchObject({
      status: 'denied',
      decidedBy: 'github:alice',
      decisionReason: 'wrong migration order',
    });
    await until(() => deny.reactions.includes('-1'), 'a reaction to the deny');
    const done = await waitForRun(b.id, (x) => x.conclusion === 'failure', 'the run to fail');
    expect(done.output.summary).toContain(`- ❌ denied by \`alice\` — [\`/deny\` comment](${deny.html_url})`);
  });

  it('answers `/approve <id>` naming a request that is not decided on this pull request, and counts nothing', async () => {
    const elsewhere = await createBound({
      action: 'deploy:production',
      context: { sha: head, pullRequest: 8 },
    });
    const decided = await createBound({
      action: 'deploy:production',
      context: { sha: head, pullRequest: 7 },
    });
    await checkRunOf(elsewhere.id);
    const run = await checkRunOf(decided.id);
    await click(run, 'deny', 'max');
    expect((await status(decided.id)).status).toBe('denied');
    const older = head;
    const onOld = await createBound({ action: 'deploy:production', context: { sha: older, pullRequest: 7 } });
    await checkRunOf(onOld.id);
    pushes += 1;
    head = h.fake.commit(REPO, 'feature', { 'src/app.ts': `export const v = ${100 + pushes};\n` });

    const cases: Array<[string, string]> = [
      [`/approve ${elsewhere.id}`, `is bound to pull request #8, not #7`],
      [`/approve ${decided.id}`, 'is already **denied** (`github:max`), and a decision is final'],
      [
        `/approve ${onOld.id}`,
        `is gated on commit \`${older.slice(0, 7)}\`, and the head of this pull request is \`${head.slice(0, 7)}\``,
      ],
      ['/approve req_doesnotexist', 'no request `req_doesnotexist` exists in this repository'],
    ];
    for (const [command, why] of cases) {
      const c = await comment('mona', command);
      await h.settled();
      const replies = repliesTo(c.id);
      expect(replies, command).toHaveLength(1);
      expect(replies[0]?.body, command).toContain(`\`mona\`: your \`${command}\` was not counted: `);
      expect(replies[0]?.body, command).toContain(why);
      expect(c.reactions, command).toEqual([]);
    }
    expect((await status(elsewhere.id)).status).toBe('pending');
    expect((await status(onOld.id)).status).toBe('pending');
  });
});

describe('GitHub answering 5xx', () => {
  it('creates the run once even when GitHub created it but answered 502; a click before the link counts', async () => {
    h.fake.failNext('POST', /\/check-runs$/, { status: 502, afterApplying: true });
    h.fake.failNext('GET', /\/check-runs$/, { status: 502, times: 4 });
    const created = await createRequest({ action: 'deploy:production', context: { sha: head } });
    const run = await until(() => latestRunOf(created.id), 'the run GitHub created');
    expect((await status(created.id)).review.url).toBeNull(); // not linked yet: GitHub's answer was lost
    // A click with another commit is not this request's.
    await click({ ...run, head_sha: 'e'.repeat(40) }, 'approve', 'mona');
    expect((await status(created.id)).status).toBe('pending');
    await click(run, 'approve', 'mona');
    expect(await status(created.id)).toMatchObject({ status: 'approved', decidedBy: 'github:mona' });
    const done = await waitForRun(
      created.id,
      (r) => r.conclusion === 'success',
      'the run found and completed',
    );
    expect(h.fake.checkRuns(REPO).filter((r) => r.external_id === created.id)).toEqual([done]);
  });
});

describe('missed webhooks', () => {
  it('are recovered by reconciliation: reviews and comments on the PR since the request, on its commit', async () => {
    // Earlier tests left /approve comments and approving reviews on PR #7: older than this request.
    const created = await createBound({ action: 'db.migrate', context: { sha: head, pullRequest: 7 } });
    await checkRunOf(created.id);
    h.fake.addReview(REPO, 7, 'bob', 'APPROVED', 'ok by me'); // webhooks never sent
    const edited = h.fake.addComment(REPO, 7, 'mona', '/deny wait');
    h.fake.editComment(REPO, 7, edited.id, '/deny wait (edited)');
    const missed = h.fake.addComment(REPO, 7, 'alice', '/approve');
    expect((await status(created.id)).status).toBe('pending');

    const report = await h.handle.reconciler?.reconcileAll();
    expect(report).toMatchObject({ failures: 0 });
    expect(report?.checkRuns).toBeGreaterThanOrEqual(1);
    const request = await status(created.id);
    expect(request).toMatchObject({ status: 'approved', decidedBy: 'github:alice' });
    expect(request.review.requirements[0].approvedBy).toEqual(['github:bob', 'github:alice']);
    expect(request.review.votes.map((v: any) => v.source)).toEqual(['github:review', 'github:comment']);
    // Read back from GitHub's lists, the votes still link to where they were cast.
    expect(request.review.votes.map((v: any) => v.url)).toEqual([
      expect.stringContaining('#pullrequestreview-'),
      missed.html_url,
    ]);
    await until(() => missed.reactions.includes('+1'), 'a reaction to the recovered comment');
    await waitForRun(created.id, (r) => r.conclusion === 'success', 'the run to succeed');
  });

  it('are recovered for a request bound to no pull request, from the open PRs whose head is its commit: only `/approve <id>` counts', async () => {
    const created = await createRequest({ action: 'db.migrate', context: { sha: head } });
    await checkRunOf(created.id);
    const r = h.fake.addReview(REPO, 7, 'bob', 'APPROVED', 'fine'); // webhooks never sent
    const bare = h.fake.addComment(REPO, 7, 'mona', '/approve');
    const first = h.fake.addComment(REPO, 7, 'alice', `/approve ${created.id}`);
    const missed = h.fake.addComment(REPO, 7, 'bob', `/approve ${created.id} fine`);

    const report = await h.handle.reconciler?.reconcileAll();
    expect(report).toMatchObject({ failures: 0 });
    const request = await status(created.id);
    expect(request).toMatchObject({ status: 'approved', decidedBy: 'github:bob', decisionReason: 'fine' });
    expect(request.review.votes.map((v: any) => [v.voter, v.source, v.url])).toEqual([
      ['github:alice', 'github:comment', first.html_url],
      ['github:bob', 'github:comment', missed.html_url],
    ]);
    expect(h.fake.calls.some((c) => c.method === 'GET' && c.path.endsWith(`/commits/${head}/pulls`))).toBe(
      true,
    );
    await until(() => missed.reactions.includes('+1'), 'a reaction to the recovered comment');
    // The review and the bare command were answered: not bound to this pull request.
    await until(() => repliesTo(r.id).length === 1 && repliesTo(bare.id).length === 1, 'the replies');
    expect(repliesTo(bare.id)[0]?.body).toContain('not bound to pull request #7');
    await waitForRun(created.id, (x) => x.conclusion === 'success', 'the run to succeed');
  });

  it('a review read back by reconciliation never approves a request created after it', async () => {
    const older = await createRequest({ action: 'db.migrate', context: { sha: head } }); // bound to none
    await checkRunOf(older.id);
    const r = h.fake.addReview(REPO, 7, 'mona', 'APPROVED', 'for the code'); // webhook never sent
    r.submitted_at = older.createdAt; // GitHub's clock: the review is as old as the first request
    const later = await createBound({ action: 'deploy:production', context: { sha: head, pullRequest: 7 } });
    await checkRunOf(later.id);

    const report = await h.handle.reconciler?.reconcileAll();
    expect(report).toMatchObject({ failures: 0 });
    expect((await status(later.id)).status).toBe('pending');
    expect((await status(older.id)).review.votes).toEqual([]);
    // Answered once: it was not bound to the request waiting when it was written.
    await h.settled();
    expect(repliesTo(r.id)).toHaveLength(1);
    expect(repliesTo(r.id)[0]?.body).toContain(older.id);
    expect(repliesTo(r.id)[0]?.body).not.toContain(later.id);
  });
});

describe('a dismissed review', () => {
  async function dismiss(r: { id: number }, by: string) {
    const dismissed = h.fake.dismissReview(REPO, 7, r.id);
    const res = await h.deliver(
      'pull_request_review',
      dismissedReviewPayload(REPO, 7, h.fake.pullHeadOf(REPO, 7), dismissed, by),
    );
    expect(res.status).toBe(200);
  }

  it('withdraws its approval: 1 of 2 shown, then 0 of 2 on the check run', async () => {
    const created = await createBound({ action: 'db.migrate', context: { sha: head, pullRequest: 7 } });
    const run = await checkRunOf(created.id);
    const r = await review('alice', 'APPROVED', 'schema ok');
    await waitForRun(
      created.id,
      (x) => x.output.title === 'Waiting for approval: 1 of 2 approvals',
      'progress after the review',
    );

    await dismiss(r, 'max');
    const seen = await waitForRun(
      created.id,
      (x) => x.output.title === 'Waiting for approval: 0 of 2 approvals',
      'the approval withdrawn on the run',
    );
    expect(seen.conclusion).toBe('action_required');
    expect(seen.actions).toHaveLength(2);
    const request = await status(created.id);
    expect(request.status).toBe('pending');
    expect(request.review.requirements[0].approvedBy).toEqual([]);
    expect(request.review.votes).toEqual([]);
    const audit = (await h.admin('GET', `/api/requests/${created.id}/audit`)).body;
    expect(audit.find((e: any) => e.eventType === 'vote_withdrawn')).toMatchObject({
      actor: 'github:max',
      details: { voter: 'github:alice', source: 'github:review' },
    });

    // A click approval is not a review: dismissing bob's review leaves his click counted.
    await click(run, 'approve', 'bob');
    await waitForRun(created.id, (x) => x.output.title?.includes('1 of 2') ?? false, 'bob counted');
    await dismiss(h.fake.addReview(REPO, 7, 'bob', 'APPROVED'), 'max');
    expect((await status(created.id)).review.requirements[0].approvedBy).toEqual(['github:bob']);
  });

  it('does not reopen a decided request', async () => {
    const created = await createBound({
      action: 'deploy:production',
      context: { sha: head, pullRequest: 7 },
    });
    await checkRunOf(created.id);
    const r = await review('mona', 'APPROVED', 'ship it');
    expect((await status(created.id)).status).toBe('approved');
    await dismiss(r, 'max');
    const request = await status(created.id);
    expect(request).toMatchObject({ status: 'approved', decidedBy: 'github:mona' });
    expect(request.review.requirements[0].approvedBy).toEqual(['github:mona']);
    await waitForRun(created.id, (x) => x.conclusion === 'success', 'the run still succeeded');
  });
});

describe('re-run', () => {
  it('refreshes the same run from the stored state (never a second run); its buttons still count', async () => {
    const created = await createRequest({ action: 'db.migrate', context: { sha: head } });
    const first = await checkRunOf(created.id);
    await click(first, 'approve', 'alice');
    await waitForRun(created.id, (r) => r.output.title?.includes('1 of 2') ?? false, 'progress');
    // Someone edits the run behind AgentGate's back (another tool, a stale write): the re-run restores it.
    first.output.title = 'stale';
    const res = await h.deliver('check_run', rerunPayload(REPO, first, 'alice'));
    expect(res.status).toBe(200);
    await waitForRun(
      created.id,
      (r) => r.output.title === 'Waiting for approval: 1 of 2 approvals',
      'the refresh',
    );
    expect(h.fake.checkRuns(REPO).filter((r) => r.external_id === created.id)).toHaveLength(1);
    await click(first, 'approve', 'mona');
    await waitForRun(
      created.id,
      (r) => r.id === first.id && r.conclusion === 'success',
      'the run to succeed',
    );
    // A re-run of the decided run shows the decision again, still in the same run.
    first.output.title = 'stale';
    expect((await h.deliver('check_run', rerunPayload(REPO, first, 'alice'))).status).toBe(200);
    await waitForRun(created.id, (r) => r.output.title !== 'stale', 'the decided refresh');
    expect(h.fake.checkRuns(REPO).filter((r) => r.external_id === created.id)).toHaveLength(1);
  });
});

describe('via: check without a usable commit', () => {
  it.each([
    ['no context.sha', {}, 'the request has no `context.sha`'],
    ['a short SHA', { sha: 'abc1234' }, '`context.sha` is not a full 40-character commit SHA'],
    ['a commit not in the repository', { sha: 'f'.repeat(40) }, 'it is not a commit of `acme/payments`'],
  ])('%s: reviewed in an issue that says why', async (_case, context, why) => {
    const created = await createRequest({ action: 'deploy:production', context });
    const request = await until(async () => {
      const body = await status(created.id);
      return body.review?.url ? body : null;
    }, 'the review URL');
    expect(request.review.via).toBe('issue');
    expect(request.review.requirements[0].via).toBe('check');
    expect(request.review.url).toMatch(/\/issues\/\d+$/);
    const issue = h.fake.issues(REPO).find((i) => i.body.includes(created.id));
    expect(issue?.body).toContain('The routing rule asks for review on a commit (`via: check`)');
    expect(issue?.body).toContain(why);
    expect(h.fake.checkRuns(REPO).filter((r) => r.external_id === created.id && r.conclusion)).toEqual([]);
  });
});
