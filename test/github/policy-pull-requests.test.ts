/**
 * Policy changes reviewed as pull requests, end to end: the real server in GitHub mode, the fake
 * GitHub holding the repository's commits and pull requests, and signed `pull_request` webhooks
 * adapted from `@octokit/webhooks-examples`. What a reviewer sees — the `AgentGate policy` check
 * run (conclusion, title, summary, annotations) and the one impact comment — is asserted, and the
 * check output is snapshotted (request ids and SHAs normalized) so a change to it is a visible diff.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCheckRun } from '../fakes/fake-github.js';
import { pullRequestPayload } from './check-payloads.js';
import { type Harness, pushPayload, REPO, startHarness, until } from './harness.js';

const MAIN = `rules:
  - name: reads-are-safe
    description: Reading never needs a human
    if: { action: "read_*" }
    decision: auto_approve
  - name: emails-need-review
    description: Someone with write access reads every outgoing email
    if: { action: send_email }
    decision: route_to_human
    route: { approvers: { permission: write }, count: 1 }
  - name: big-payments
    if:
      action: "payments.*"
      params.amount: { gt: 1000 }
    decision: route_to_human
    route: { approvers: { teams: [acme/finance] }, count: 2, timeout: 4h }
  - name: never-drop-prod
    if: { action: "db.drop*" }
    decision: auto_deny
`;

const TESTS = `cases:
  - name: reads go through
    request: { action: read_file }
    expect: auto_approve
  - name: big payments need two people from finance
    request: { action: payments.send, params: { amount: 5000 } }
    expect: route_to_human
    requires:
      - { rule: big-payments, count: 2 }
  - name: drops are denied
    request: { action: db.drop_table }
    expect: auto_deny
`;

const BASE_FILES = {
  'policies/main.yaml': MAIN,
  'policies/tests/main.yaml': TESTS,
  'README.md': '# payments\n',
};

let h: Harness;
let baseSha: string;
let nextPull = 100;

beforeAll(async () => {
  h = await startHarness();
  baseSha = h.fake.commit(REPO, 'main', BASE_FILES);
  await h.policies.refresh(REPO, baseSha);
  // Past requests of the repository: what every pull request below is replayed against.
  for (const to of ['ana@acme.com', 'bo@acme.com', 'cy@acme.com', 'press@example.org']) {
    await create({ action: 'send_email', params: { to, subject: 'Numbers' } });
  }
  await create({ action: 'read_file', params: { path: 'README.md' } });
  await create({ action: 'payments.send', params: { amount: 5000 } });
  await create({ action: 'db.drop_table', params: { table: 'users' } });
});
afterAll(() => h.close());

async function create(body: Record<string, unknown>) {
  const res = await h.agent('POST', '/api/requests', body);
  expect(res.status).toBe(201);
  return res.body;
}

/** `pull_request.<action>` for pull request `number` of REPO as GitHub sends it, at its current head. */
const prPayload = (action: string, number: number) =>
  pullRequestPayload(REPO, number, { head: h.fake.pullHeadOf(REPO, number), base: baseSha }, { action });

/** Opens a pull request from a branch with `files` (on top of the base) and delivers `opened`. */
async function openPull(
  branch: string,
  files: Record<string, string>,
): Promise<{ number: number; head: string }> {
  const number = nextPull++;
  const head = h.fake.commit(REPO, branch, { ...BASE_FILES, ...files });
  h.fake.openPullRequest(REPO, { number, head: branch });
  const res = await h.deliver('pull_request', prPayload('opened', number));
  expect(res.status).toBe(200);
  return { number, head };
}

async function pushTo(branch: string, number: number, files: Record<string, string>): Promise<string> {
  const head = h.fake.commit(REPO, branch, { ...BASE_FILES, ...files });
  const res = await h.deliver('pull_request', prPayload('synchronize', number));
  expect(res.status).toBe(200);
  return head;
}

function completedRun(sha: string): Promise<FakeCheckRun> {
  return until(
    () =>
      h.fake
        .checkRuns(REPO)
        .find((r) => r.head_sha === sha && r.name === 'AgentGate policy' && r.status === 'completed'),
    `the policy check run on ${sha}`,
  );
}

/** What the Checks tab shows, with request ids and commit SHAs that change every run normalized. */
function asReviewerSees(run: FakeCheckRun) {
  const normalize = (text: string | null) =>
    (text ?? '')
      .replace(/req_[0-9a-z]+/g, 'req_…')
      .replace(/\b[0-9a-f]{40}\b/g, '<sha>')
      .replace(/`[0-9a-f]{7}`/g, '`<sha>`');
  return {
    conclusion: run.conclusion,
    title: normalize(run.output.title),
    summary: normalize(run.output.summary),
    text: normalize(run.output.text),
    annotations: run.output.annotations,
  };
}

const impactComments = (number: number) =>
  h.fake.comments(REPO, number).filter((c) => c.body.includes('<!-- agentgate:policy-impact -->'));

describe('a pull request that breaks a policy file', () => {
  it('fails with an annotation on each offending line, and writes no comment', async () => {
    const broken = MAIN.replace('decision: auto_deny', 'decison: auto_deny').replace(
      'params.amount: { gt: 1000 }',
      'params.amount: { gtt: 1000 }',
    );
    const { number, head } = await openPull('broken', { 'policies/main.yaml': broken });
    const run = await completedRun(head);
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toMatch(/^\d+ errors? in the policies$/);
    const lines = broken.split('\n');
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    const failures = run.output.annotations.filter((a) => a.annotation_level === 'failure');
    expect(failures.map((a) => [a.path, a.start_line])).toEqual(
      expect.arrayContaining([
        ['policies/main.yaml', lineOf('gtt:')],
        ['policies/main.yaml', lineOf('decison:')],
      ]),
    );
    expect(failures.find((a) => a.start_line === lineOf('gtt:'))?.message).toMatch(/big-payments.*gtt/);
    expect(run.output.summary).toContain('Policy tests (`policies/tests/`) were not run');
    expect(asReviewerSees(run)).toMatchSnapshot();
    expect(impactComments(number)).toEqual([]);
  });
});

describe('a pull request that fails a policy test', () => {
  it('fails with the failing case annotated on its line in the test file', async () => {
    const oneApprover = MAIN.replace('count: 2, timeout: 4h', 'count: 1, timeout: 4h');
    const { head } = await openPull('one-approver', { 'policies/main.yaml': oneApprover });
    const run = await completedRun(head);
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('1 of 3 policy tests fail');
    const caseLine = TESTS.split('\n').findIndex((l) => l.includes('big payments need two')) + 1;
    expect(run.output.annotations).toContainEqual(
      expect.objectContaining({
        path: 'policies/tests/main.yaml',
        start_line: caseLine,
        annotation_level: 'failure',
        title: 'Policy test failed: big payments need two people from finance',
      }),
    );
    // The replay still shows what the change does: the payment needs one approval instead of two.
    expect(run.output.summary).toContain('fewer humans');
    expect(asReviewerSees(run)).toMatchSnapshot();
  });
});

describe('a pull request that is fine', () => {
  it('succeeds with no widening, no annotation and no comment', async () => {
    const deploys = `${MAIN}  - name: production-deploys
    if: { action: "deploy:production" }
    decision: route_to_human
    route: { approvers: { permission: maintain }, count: 1 }
`;
    const tests = `${TESTS}  - name: production deploys need a maintainer
    request: { action: "deploy:production" }
    expect: route_to_human
    rules: [production-deploys]
`;
    const { number, head } = await openPull('deploys', {
      'policies/main.yaml': deploys,
      'policies/tests/main.yaml': tests,
    });
    const run = await completedRun(head);
    expect(run.conclusion).toBe('success');
    expect(run.output.title).toBe('Valid — no past request would be decided differently');
    expect(run.output.annotations).toEqual([]);
    expect(run.output.summary).toContain('✅ 4 policy tests pass.');
    expect(asReviewerSees(run)).toMatchSnapshot();
    await h.settled();
    expect(impactComments(number)).toEqual([]);
  });
});

describe('a pull request that silently widens auto-approval', () => {
  // Looks like a small exception for internal mail; it takes three past emails away from humans.
  const widening = MAIN.replace(
    '  - name: emails-need-review',
    `  - name: internal-mail-is-fine
    if: { action: send_email, params.to: { ends_with: "@acme.com" } }
    decision: auto_approve
  - name: emails-need-review`,
  ).replace(
    'if: { action: send_email }',
    'if: { action: send_email, not: { params.to: { ends_with: "@acme.com" } } }',
  );
  let number: number;
  let firstHead: string;

  it('passes (the set is valid, its tests pass) but the title, summary and an annotation on the rule say it widens', async () => {
    ({ number, head: firstHead } = await openPull('internal-mail', { 'policies/main.yaml': widening }));
    const run = await completedRun(firstHead);
    expect(run.conclusion).toBe('success');
    expect(run.output.title).toBe('Valid — ⚠️ widens: 3 of 7 past requests need fewer humans');
    expect(run.output.summary).toContain('**`send_email`: route_to_human → auto_approve ×3**');
    expect(run.output.summary).toContain('`internal-mail-is-fine` (policies/main.yaml:6)');
    expect(run.output.annotations).toEqual([
      expect.objectContaining({
        path: 'policies/main.yaml',
        start_line: 6,
        annotation_level: 'warning',
        title: 'Widens: rule "internal-mail-is-fine" lets 3 past requests through with fewer humans',
      }),
    ]);
    expect(asReviewerSees(run)).toMatchSnapshot();
  });

  it('comments once on the pull request with the impact', async () => {
    const [comment] = await until(
      () => (impactComments(number).length > 0 ? impactComments(number) : null),
      'the comment',
    );
    expect(impactComments(number)).toHaveLength(1);
    expect(comment?.body).toContain(
      'This change widens what agents may do: 3 requests would now be approved automatically.',
    );
    expect(comment?.body).not.toMatch(/(^|\s)@\w/); // a report never notifies anyone
    expect(comment?.body.replace(/req_[0-9a-z]+/g, 'req_…')).toMatchSnapshot();
  });

  it('leaves the comment alone when a push does not change the impact', async () => {
    const before = structuredClone(impactComments(number));
    const reworded = widening.replace('Reading never needs a human', 'Reads never need a human');
    const head = await pushTo('internal-mail', number, { 'policies/main.yaml': reworded });
    expect((await completedRun(head)).conclusion).toBe('success');
    expect(impactComments(number)).toEqual(before);
  });

  it('edits the same comment in place when a push changes the impact', async () => {
    const narrower = widening.replaceAll('ends_with: "@acme.com"', 'eq: "ana@acme.com"');
    const head = await pushTo('internal-mail', number, { 'policies/main.yaml': narrower });
    await completedRun(head);
    const comments = await until(
      () => (impactComments(number)[0]?.body.includes('×1') ? impactComments(number) : null),
      'the edited comment',
    );
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('route_to_human → auto_approve ×1');
  });

  it('never changes the active set while open', async () => {
    const { body } = await h.admin('GET', `/api/policies?repository=${REPO}`);
    expect(body.version).toBe(baseSha);
    const email = await create({ action: 'send_email', params: { to: 'ana@acme.com' } });
    expect(email.status).toBe('pending');
  });

  it('takes effect once merged: the push to the default branch activates it and later requests record it', async () => {
    const merged = h.fake.mergePullRequest(REPO, number);
    const push = await h.deliver(
      'push',
      pushPayload(REPO, 'refs/heads/main', merged, ['policies/main.yaml']),
    );
    expect(push.status).toBe(200);
    const email = await create({ action: 'send_email', params: { to: 'ana@acme.com' } });
    expect(email).toMatchObject({
      status: 'approved',
      decidedBy: 'policy',
      policyDecision: { decision: 'auto_approve', rules: ['internal-mail-is-fine'], policyVersion: merged },
    });
    expect((await h.admin('GET', `/api/policies?repository=${REPO}`)).body.version).toBe(merged);
    baseSha = merged;
  });
});

describe('pull requests that do not touch policies', () => {
  it('get no policy check run', async () => {
    const number = nextPull++;
    const head = h.fake.commit(REPO, 'docs', {
      ...h.fake.filesAt(baseSha),
      'README.md': '# payments, documented\n',
    });
    h.fake.openPullRequest(REPO, { number, head: 'docs' });
    const res = await h.deliver('pull_request', prPayload('opened', number));
    expect(res.status).toBe(200);
    await until(
      () => h.fake.calls.some((c) => c.path.endsWith(`/pulls/${number}/files`)),
      'the file list read',
    );
    await h.settled();
    expect(h.fake.checkRuns(REPO).filter((r) => r.head_sha === head)).toEqual([]);
  });
});
