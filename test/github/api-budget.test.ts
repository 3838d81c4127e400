/**
 * The GitHub API budget (docs/github-app.md, "API budget"), counted against the fake GitHub as
 * GitHub's rate limit counts: a request's whole lifecycle (created, two votes, decided) within 6
 * counted calls, for the issue flow and the check-run flow; a pending hour of reconciliation
 * passes with nothing new costs 0 counted calls (only 304s). Signed webhooks from
 * `@octokit/webhooks-examples`; time moves by a manual clock, never by sleeping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/manual-clock.js';
import { buttonPayload } from './check-payloads.js';
import { commentPayload, type Harness, pushPayload, REPO, startHarness, until } from './harness.js';

const POLICIES = {
  'budget.yaml': `
rules:
  - name: payments
    if: { action: "payments.*" }
    decision: route_to_human
    route:
      approvers: { users: [alice, bob] }
      count: 2
  - name: deploys
    if: { action: "deploy" }
    decision: route_to_human
    route:
      approvers: { permission: write }
      count: 2
      via: check
`,
};

/** The reconciliation interval (the default). */
const INTERVAL_MS = 5 * 60 * 1000;

let h: Harness;
const clock = new ManualClock(Date.now());

beforeAll(async () => {
  h = await startHarness({ policies: POLICIES, clock });
  for (const login of ['alice', 'bob']) h.fake.setPermission(REPO, login, 'write');
  h.fake.commit(REPO, 'feature', { 'src/app.ts': 'export const v = 1;\n' });
  h.fake.openPullRequest(REPO, { number: 7, head: 'feature' });
  // The repository's policies are read once, before anything is counted.
  expect((await h.admin('GET', `/api/policies?repository=${REPO}`)).status).toBe(200);
});
afterAll(() => h.close());

/** Counts the calls made by `work` (and the jobs it set off), as GitHub's rate limit would. */
async function spent(work: () => Promise<unknown>) {
  const from = h.fake.calls.length;
  await work();
  await h.settled();
  return { ...h.fake.apiCalls(from), calls: h.fake.countedCalls(from) };
}

async function createRequest(body: Record<string, unknown>): Promise<string> {
  const res = await h.agent('POST', '/api/requests', body);
  expect(res.status).toBe(201);
  return res.body.id;
}

const statusOf = async (id: string) => (await h.agent('GET', `/api/requests/${id}`)).body.status;

/** One reconciliation pass per interval for an hour: 12 passes, the clock moved between them. */
async function pendingHour() {
  return spent(async () => {
    for (let pass = 0; pass < 60 / 5; pass += 1) {
      clock.advance(INTERVAL_MS);
      const report = await h.handle.reconciler?.reconcileAll();
      expect(report?.failures).toBe(0);
    }
  });
}

describe('the issue flow', () => {
  let id: string;
  let number: number;

  it('costs 6 counted calls from creation to decision: open, progress + reaction, reaction + comment + close', async () => {
    const created = await spent(async () => {
      id = await createRequest({ action: 'payments.refund', params: { amount: 10 } });
    });
    // One call: the issue, with its assignees (no assignability lookups when GitHub takes them all).
    expect(created.calls).toEqual([`POST /repos/${REPO}/issues`]);
    number = h.fake.issues(REPO).at(-1)?.number as number;
    expect(h.fake.issues(REPO).at(-1)?.assignees).toEqual(['alice', 'bob']);

    const first = await spent(async () => {
      const c = h.fake.addComment(REPO, number, 'alice', '/approve');
      expect((await h.deliver('issue_comment', commentPayload(REPO, number, c))).status).toBe(200);
    });
    expect(first.calls.sort()).toEqual([
      `PATCH /repos/${REPO}/issues/${number}`,
      `POST /repos/${REPO}/issues/comments/${h.fake.comments(REPO, number).at(-1)?.id}/reactions`,
    ]);

    const second = await spent(async () => {
      const c = h.fake.addComment(REPO, number, 'bob', '/approve');
      expect((await h.deliver('issue_comment', commentPayload(REPO, number, c))).status).toBe(200);
    });
    // The final comment (no listing of comments first), one write for body, labels and state (the
    // labels came with the comment's webhook: no re-reading of the issue), and the reaction.
    expect(second.calls.sort()).toEqual(
      [
        `PATCH /repos/${REPO}/issues/${number}`,
        `POST /repos/${REPO}/issues/${number}/comments`,
        expect.stringMatching(new RegExp(`^POST /repos/${REPO}/issues/comments/\\d+/reactions$`)),
      ].sort(),
    );
    expect(await statusOf(id)).toBe('approved');
    const issue = h.fake.issues(REPO).find((i) => i.number === number);
    expect(issue).toMatchObject({ state: 'closed', labels: ['agentgate', 'agentgate:approved'] });

    const total = created.counted + first.counted + second.counted;
    expect(total).toBe(6);
    expect(created.errors + first.errors + second.errors).toBe(0);
  });

  it('costs 0 counted calls per pending hour when nothing changes: every pass is a 304', async () => {
    const pendingId = await createRequest({ action: 'payments.refund', params: { amount: 11 } });
    await h.settled();
    // The first pass after a change reads the issue once (it has no comments: nothing more); the
    // deployment pass reads the installations, their repositories and each one's waiting runs.
    const first = await spent(() => h.handle.reconciler?.reconcileAll() as Promise<unknown>);
    expect(first.calls.filter((c) => !c.includes('/actions/') && !c.includes('installation'))).toEqual([
      expect.stringMatching(new RegExp(`^GET /repos/${REPO}/issues/\\d+$`)),
      ...(first.calls.includes('GET /app') ? ['GET /app'] : []),
    ]);
    expect(first.calls).toEqual(
      expect.arrayContaining([
        'GET /app/installations',
        'GET /installation/repositories',
        `GET /repos/${REPO}/actions/runs`,
      ]),
    );
    const hour = await pendingHour();
    expect(hour).toMatchObject({ counted: 0, errors: 0, calls: [] });
    // Per pass, conditional reads: the issue of this request (the decided one is not read), and the
    // deployment pass's three (installations, repositories, waiting runs: none).
    expect(hour.notModified).toBe(12 * (1 + 3));
    expect(await statusOf(pendingId)).toBe('pending');
  });

  it('reads the comments again only after the issue changed, and a missed command is still counted', async () => {
    const pendingId = await createRequest({ action: 'payments.refund', params: { amount: 12 } });
    await h.settled();
    await h.handle.reconciler?.reconcileAll();
    const issue = h.fake.issues(REPO).at(-1);
    if (!issue) throw new Error('no issue');
    h.fake.addComment(REPO, issue.number, 'alice', '/approve'); // its webhook is lost

    const caughtUp = await spent(() => h.handle.reconciler?.reconcileAll() as Promise<unknown>);
    expect(caughtUp.calls).toEqual(
      expect.arrayContaining([
        `GET /repos/${REPO}/issues/${issue.number}`,
        `GET /repos/${REPO}/issues/${issue.number}/comments`,
      ]),
    );
    const request = (await h.agent('GET', `/api/requests/${pendingId}`)).body;
    expect(request.review.requirements[0].approvedBy).toEqual(['github:alice']);

    // Our own writes (progress, reaction) changed the issue once more; after that, nothing.
    await h.handle.reconciler?.reconcileAll();
    const hour = await pendingHour();
    expect(hour).toMatchObject({ counted: 0, errors: 0 });
  });
});

describe('the final write of an issue', () => {
  it('after a decision made elsewhere (the API), reads the issue once to keep a label added by hand', async () => {
    const id = await createRequest({ action: 'payments.refund', params: { amount: 13 } });
    await h.settled();
    const issue = h.fake.issues(REPO).at(-1);
    if (!issue) throw new Error('no issue');
    issue.labels.push('finance-review'); // a person labels the issue on GitHub
    const decided = await spent(async () => {
      const res = await h.admin('POST', `/api/requests/${id}/decide`, { decision: 'denied', reason: 'no' });
      expect(res.status).toBe(200);
    });
    expect(decided.calls).toEqual([
      `POST /repos/${REPO}/issues/${issue.number}/comments`,
      `GET /repos/${REPO}/issues/${issue.number}`,
      `PATCH /repos/${REPO}/issues/${issue.number}`,
    ]);
    expect(issue).toMatchObject({
      state: 'closed',
      labels: ['finance-review', 'agentgate', 'agentgate:denied'],
    });
  });
});

describe('the check-run flow', () => {
  it('costs 5 counted calls from creation to decision: the run, then a permission lookup and a run update per vote', async () => {
    const head = h.fake.pullHeadOf(REPO, 7);
    let id = '';
    const created = await spent(async () => {
      id = await createRequest({ action: 'deploy', context: { sha: head, pullRequest: 7 } });
    });
    expect(created.calls).toEqual([`POST /repos/${REPO}/check-runs`]);
    const run = h.fake.checkRuns(REPO).find((r) => r.external_id === id);
    if (!run) throw new Error('no check run');

    const votes = [];
    for (const login of ['alice', 'bob']) {
      votes.push(
        await spent(async () => {
          expect((await h.deliver('check_run', buttonPayload(REPO, run, 'approve', login))).status).toBe(200);
        }),
      );
    }
    for (const [i, vote] of votes.entries()) {
      expect(vote.calls).toEqual([
        `GET /repos/${REPO}/collaborators/${['alice', 'bob'][i]}/permission`,
        `PATCH /repos/${REPO}/check-runs/${run.id}`,
      ]);
    }
    expect(await statusOf(id)).toBe('approved');
    await until(() => run.conclusion === 'success', 'the run to succeed');
    expect(created.counted + (votes[0]?.counted ?? 0) + (votes[1]?.counted ?? 0)).toBe(5);
  });

  it('costs 0 counted calls per pending hour when nothing changes: the PR, its reviews and comments are 304s', async () => {
    const head = h.fake.pullHeadOf(REPO, 7);
    await createRequest({ action: 'deploy', context: { sha: head, pullRequest: 7 } });
    await h.settled();
    const first = await spent(() => h.handle.reconciler?.reconcileAll() as Promise<unknown>);
    expect(first.counted).toBeLessThanOrEqual(3); // read once in full after a change
    const hour = await pendingHour();
    expect(hour).toMatchObject({ counted: 0, errors: 0, calls: [] });
    // Per pass: the issues of the two issue requests above still pending, the PR, reviews, comments,
    // and the deployment pass's three reads.
    expect(hour.notModified).toBe(12 * (2 + 3 + 3));
  });
});

describe('policies on push', () => {
  it('a push of many commits, none touching policies/, reads nothing; a force-push with no commits refreshes', async () => {
    const sha = h.fake.commit(REPO, 'main', h.fake.filesAt(h.fake.headOf(REPO)));
    const many = pushPayload(REPO, 'refs/heads/main', sha, ['src/app.ts']);
    many.commits = Array.from({ length: 300 }, (_, i) => ({
      ...many.commits[0],
      id: `${i}`.padStart(40, '0'),
    }));
    const quiet = await spent(() => h.deliver('push', many));
    expect(quiet.calls).toEqual([]);

    // The default branch moved back to an older commit with other policies: no commits listed.
    const older = h.fake.commit(REPO, 'main', {
      'policies/budget.yaml': POLICIES['budget.yaml'].replace(
        'count: 2\n  - name: deploys',
        'count: 1\n  - name: deploys',
      ),
    });
    const forced = pushPayload(REPO, 'refs/heads/main', older, []);
    forced.forced = true;
    forced.commits = [];
    forced.head_commit = null;
    expect((await h.deliver('push', forced)).status).toBe(200);
    const shown = (await h.admin('GET', `/api/policies?repository=${REPO}`)).body;
    expect(shown.version).toBe(older);
  });

  it('a push whose list is at GitHub cap of 2,048 commits refreshes, whatever the listed ones touch', async () => {
    const sha = h.fake.commit(REPO, 'main', h.fake.filesAt(h.fake.headOf(REPO)));
    const capped = pushPayload(REPO, 'refs/heads/main', sha, ['README.md']);
    capped.commits = Array.from({ length: 2048 }, (_, i) => ({
      ...capped.commits[0],
      id: `${i}`.padStart(40, '0'),
    }));
    expect((await h.deliver('push', capped)).status).toBe(200);
    expect((await h.admin('GET', `/api/policies?repository=${REPO}`)).body.version).toBe(sha);
  });
});

describe('the metric', () => {
  it('exports the calls by outcome, with bounded labels', async () => {
    const text = (await h.admin('GET', '/metrics')).body as string;
    const value = (outcome: string) =>
      Number(
        new RegExp(`^agentgate_github_api_calls_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(
          text,
        )?.[1],
      );
    expect(value('counted')).toBeGreaterThan(0);
    expect(value('not_modified')).toBeGreaterThanOrEqual(12 * 5);
    expect(value('error')).toBeGreaterThanOrEqual(0);
    const outcomes = [...text.matchAll(/^agentgate_github_api_calls_total\{outcome="([^"]+)"\}/gm)].map(
      (m) => m[1],
    );
    expect(outcomes.sort()).toEqual(['counted', 'error', 'not_modified']);
  });
});
