/**
 * What a policy pull request publishes (issue #16): the `AgentGate policy` check run and the impact
 * comment show counts, never a past request's id, params, context or requester — on the
 * repository's own pull requests, on `<owner>/.github` (other repositories' requests: counts per
 * decision change only, no repository or action names) and not at all on pull requests from forks.
 * The comment is recognised by the app's own login; the check always completes (a 400-character
 * test name, a job that fails for good) and runs again on "Re-run" and "Re-run all checks".
 * Real server, fake GitHub, signed webhooks adapted from `@octokit/webhooks-examples`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_APP_ID, FAKE_BOT_LOGIN, type FakeCheckRun } from '../fakes/fake-github.js';
import { keyClient } from '../helpers/http.js';
import { pullRequestPayload } from './check-payloads.js';
import { example, type Harness, INSTALLATION_ID, REPO, startHarness, until } from './harness.js';

const SHARED_REPO = 'acme/.github';
const OTHER_REPO = 'acme/secret-project';
const MARKER = '<!-- agentgate:policy-impact -->';

const POLICY = `rules:
  - name: emails-need-review
    if: { action: send_email }
    decision: route_to_human
    route: { approvers: { permission: write }, count: 1 }
`;
/** Lets every email through: the change a reviewer must see, as counts. */
const WIDENED = POLICY.replace(
  'decision: route_to_human\n    route: { approvers: { permission: write }, count: 1 }',
  'decision: auto_approve',
);
const TESTS = `cases:
  - name: emails are reviewed
    request: { action: send_email }
    expect: route_to_human
`;

const WIDENED_TESTS = TESTS.replace('expect: route_to_human', 'expect: auto_approve');

/** Strings of past requests that must never reach a pull request. */
const HOSTILE = {
  param: 'HOSTILE-PARAM-c0ffee',
  context: 'HOSTILE-CONTEXT-decade',
  requester: 'HOSTILE-REQUESTER-facade',
  otherParam: 'HOSTILE-OTHER-REPO-PARAM-beef',
  otherAction: 'send_email',
};

let h: Harness;
let nextPull = 300;
const requestIds: string[] = [];

beforeAll(async () => {
  h = await startHarness({ policies: { 'main.yaml': POLICY, 'tests/main.yaml': TESTS } });
  h.fake.addRepo(SHARED_REPO, { installationId: INSTALLATION_ID, policies: { 'shared.yaml': POLICY } });
  h.fake.addRepo(OTHER_REPO, { installationId: INSTALLATION_ID });
  const hostile = await keyClient(h.server.url, h.server.adminKey, HOSTILE.requester, ['request:create']);
  for (let i = 0; i < 3; i++) {
    const res = await hostile.api('POST', '/api/requests', {
      action: 'send_email',
      params: { to: `${HOSTILE.param}-${i}@example.com`, subject: HOSTILE.param },
      context: { task: HOSTILE.context, pullRequestTitle: HOSTILE.context },
    });
    expect(res.status).toBe(201);
    requestIds.push(res.body.id);
  }
  // Requests of a repository that has no policies of its own: the shared ones decide them.
  for (let i = 0; i < 2; i++) {
    const res = await h.admin('POST', '/api/requests', {
      action: HOSTILE.otherAction,
      params: { to: HOSTILE.otherParam },
      context: { repository: OTHER_REPO, task: HOSTILE.context },
    });
    expect(res.status).toBe(201);
    requestIds.push(res.body.id);
  }
});
afterAll(() => h.close());

const prPayload = (repository: string, number: number, headRepository = repository) =>
  pullRequestPayload(
    repository,
    number,
    { head: h.fake.pullHeadOf(repository, number), base: h.fake.headOf(repository) },
    { headRepository },
  );

/** Opens a pull request changing `files` (on top of the default branch) and delivers `opened`. */
async function openPull(
  repository: string,
  files: Record<string, string>,
  options: { fromFork?: string; before?: (number: number) => void } = {},
): Promise<{ number: number; head: string }> {
  const number = nextPull++;
  const head = h.fake.commit(repository, `change-${number}`, {
    ...h.fake.filesAt(h.fake.headOf(repository)),
    ...files,
  });
  h.fake.openPullRequest(repository, {
    number,
    head: `change-${number}`,
    ...(options.fromFork && { headRepository: options.fromFork }),
  });
  options.before?.(number);
  const res = await h.deliver('pull_request', prPayload(repository, number, options.fromFork));
  expect(res.status).toBe(200);
  return { number, head };
}

const policyRuns = (repository: string, sha: string) =>
  h.fake.checkRuns(repository).filter((r) => r.head_sha === sha && r.name === 'AgentGate policy');

function completedRun(repository: string, sha: string, probe: (r: FakeCheckRun) => boolean = () => true) {
  return until(
    () => policyRuns(repository, sha).find((r) => r.status === 'completed' && probe(r)),
    `the policy check run on ${sha}`,
  );
}

/** Everything on the pull request anyone who can read it sees. */
function published(repository: string, number: number, run: FakeCheckRun): string {
  return JSON.stringify([run.output, h.fake.comments(repository, number).map((c) => c.body)]);
}

function expectNoRequestData(text: string) {
  for (const value of [
    HOSTILE.param,
    HOSTILE.context,
    HOSTILE.requester,
    HOSTILE.otherParam,
    ...requestIds,
  ]) {
    expect(text).not.toContain(value);
  }
  expect(text).not.toMatch(/req_[0-9a-z]{6,}/);
}

describe('a policy pull request on the repository itself', () => {
  it('shows counts per action and decision change, and no request id, param, context or requester', async () => {
    const { number, head } = await openPull(REPO, {
      'policies/main.yaml': WIDENED,
      'policies/tests/main.yaml': WIDENED_TESTS,
    });
    const run = await completedRun(REPO, head);
    expect(run.conclusion).toBe('success');
    expect(run.output.title).toBe('Valid — ⚠️ widens: 3 of 3 past requests need fewer humans');
    expect(run.output.summary).toContain('**`send_email`: route_to_human → auto_approve ×3**');
    const comment = await until(
      () => h.fake.comments(REPO, number).find((c) => c.body.includes(MARKER)),
      'the impact comment',
    );
    expect(comment.user.login).toBe(FAKE_BOT_LOGIN);
    expect(comment.body).toContain('route_to_human → auto_approve ×3');
    expectNoRequestData(published(REPO, number, run));
  });

  it('never edits someone else’s comment carrying the marker, nor takes it for its own', async () => {
    const forged = `${MARKER}\nAll good, nothing changes — merge away.`;
    const { number, head } = await openPull(
      REPO,
      { 'policies/main.yaml': WIDENED.replace('emails-need-review', 'emails-go-out') },
      {
        before: (n) => {
          h.fake.addComment(REPO, n, 'mallory', forged);
          h.fake.addComment(REPO, n, 'other-app[bot]', forged, 'Bot');
        },
      },
    );
    await completedRun(REPO, head);
    const ours = await until(
      () => h.fake.comments(REPO, number).find((c) => c.user.login === FAKE_BOT_LOGIN),
      'our own impact comment',
    );
    expect(ours.body).toContain(MARKER);
    expect(ours.body).toContain('route_to_human → auto_approve ×3');
    const others = h.fake.comments(REPO, number).filter((c) => c.user.login !== FAKE_BOT_LOGIN);
    expect(others.map((c) => [c.user.login, c.body])).toEqual([
      ['mallory', forged],
      ['other-app[bot]', forged],
    ]);
  });
});

describe('a pull request from a fork', () => {
  it('gets the policy check (validation and tests) and no impact report', async () => {
    const broken = `${WIDENED}  - name: typo\n    if: { action: x }\n    decison: auto_deny\n`;
    const { number, head } = await openPull(
      REPO,
      { 'policies/main.yaml': broken },
      { fromFork: 'mallory/payments' },
    );
    const failed = await completedRun(REPO, head);
    expect(failed.conclusion).toBe('failure');
    expect(failed.output.annotations.some((a) => a.annotation_level === 'failure')).toBe(true);

    const { number: second, head: valid } = await openPull(
      REPO,
      { 'policies/main.yaml': WIDENED },
      { fromFork: 'mallory/payments' },
    );
    const run = await completedRun(REPO, valid);
    expect(run.conclusion).toBe('failure'); // the widening breaks the repository's own policy test
    expect(run.output.summary).toContain('1 of 1 policy test fail');
    expect(run.output.summary).toContain('No impact report for a pull request from a fork');
    expect(run.output.summary).not.toContain('Replayed');
    expect(run.output.title).not.toMatch(/past requests/);
    await h.settled();
    expect(h.fake.comments(REPO, number)).toEqual([]);
    expect(h.fake.comments(REPO, second)).toEqual([]);
    expectNoRequestData(published(REPO, second, run));
  });
});

describe('a pull request on <owner>/.github', () => {
  it('shows other repositories’ requests as counts only: no repository or action name, no request data', async () => {
    const { number, head } = await openPull(SHARED_REPO, { 'policies/shared.yaml': WIDENED });
    const run = await completedRun(SHARED_REPO, head);
    expect(run.output.title).toBe('Valid — ⚠️ widens: 2 of 2 past requests need fewer humans');
    expect(run.output.summary).toContain('- ⚠️ **route_to_human → auto_approve ×2**');
    const comment = await until(
      () => h.fake.comments(SHARED_REPO, number).find((c) => c.body.includes(MARKER)),
      'the impact comment',
    );
    const seen = published(SHARED_REPO, number, run);
    expect(comment.body).toContain('route_to_human → auto_approve ×2');
    expect(seen).not.toContain(OTHER_REPO);
    expect(seen).not.toContain('secret-project');
    expect(seen).not.toContain(`\`${HOSTILE.otherAction}\``);
    expect(seen).not.toContain(`${HOSTILE.otherAction}:`);
    expectNoRequestData(seen);
  });
});

describe('the check always completes', () => {
  it('with a policy test named with 400 characters (the annotation title is cut to GitHub’s 255)', async () => {
    const name = `emails are reviewed ${'x'.repeat(380)}`;
    const tests = `cases:\n  - name: ${name}\n    request: { action: send_email }\n    expect: route_to_human\n`;
    const { head } = await openPull(REPO, {
      'policies/main.yaml': WIDENED,
      'policies/tests/main.yaml': tests,
    });
    const run = await completedRun(REPO, head);
    expect(run.conclusion).toBe('failure');
    const annotation = run.output.annotations.find((a) => a.path === 'policies/tests/main.yaml');
    expect(annotation?.title?.length).toBeLessThanOrEqual(255);
    expect(annotation?.title).toMatch(/^Policy test failed: emails are reviewed x+…$/);
    expect(run.output.text).toContain(name);
  });

  it('concludes `failure` with the error when the job fails for good, never left in progress', async () => {
    h.fake.failNext('GET', /\/contents\/policies(\/|%2F)tests$/i, { status: 422 });
    const { head } = await openPull(REPO, { 'policies/main.yaml': `${POLICY}# reworded\n` });
    const run = await completedRun(REPO, head);
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('AgentGate could not check the policies');
    expect(run.output.summary).toContain('while running the policy tests');
    expect(run.output.summary).toContain('GitHub answered 422');
    expect(run.output.summary).toContain('Click **Re-run** to try again');
    expect(policyRuns(REPO, head)).toHaveLength(1);
  });
});

describe('re-runs', () => {
  it('"Re-run" on AgentGate policy checks again, into the same run', async () => {
    h.fake.failNext('GET', /\/contents\/policies(\/|%2F)tests$/i, { status: 422 });
    const { number, head } = await openPull(REPO, { 'policies/main.yaml': `${POLICY}# again\n` });
    const failed = await completedRun(REPO, head);
    expect(failed.output.title).toBe('AgentGate could not check the policies');
    const payload = example('check_run', (e) => e.action === 'rerequested' && e.installation);
    payload.repository = { ...payload.repository, full_name: REPO, name: 'payments' };
    payload.installation = { id: INSTALLATION_ID };
    payload.check_run = {
      ...payload.check_run,
      id: failed.id,
      name: failed.name,
      head_sha: head,
      external_id: failed.external_id,
      pull_requests: [],
    };
    expect(failed.external_id).toBe(`pull:${number}`);
    expect((await h.deliver('check_run', payload)).status).toBe(200);
    const again = await completedRun(REPO, head, (r) => r.conclusion === 'success');
    expect(again.id).toBe(failed.id);
    expect(again.output.title).toBe('Valid — no past request would be decided differently');
    expect(policyRuns(REPO, head)).toHaveLength(1);
  });

  it('"Re-run all checks" (check_suite.rerequested) checks again', async () => {
    h.fake.failNext('GET', /\/contents\/policies(\/|%2F)tests$/i, { status: 422 });
    const { number, head } = await openPull(REPO, { 'policies/main.yaml': `${POLICY}# once more\n` });
    const failed = await completedRun(REPO, head);
    expect(failed.conclusion).toBe('failure');
    const payload = example('check_suite', (e) => e.action === 'rerequested' && e.installation);
    payload.repository = { ...payload.repository, full_name: REPO, name: 'payments' };
    payload.installation = { id: INSTALLATION_ID };
    payload.check_suite = {
      ...payload.check_suite,
      head_sha: head,
      head_branch: `change-${number}`,
      app: { ...payload.check_suite.app, id: FAKE_APP_ID },
      pull_requests: [],
    };
    expect((await h.deliver('check_suite', payload)).status).toBe(200);
    const again = await completedRun(REPO, head, (r) => r.conclusion === 'success');
    expect(again.id).toBe(failed.id);
  });
});
