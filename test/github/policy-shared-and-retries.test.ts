/**
 * Policy pull requests beyond one repository's own policies: a pull request on `<owner>/.github`
 * (the owner's shared policies) replays the requests of the repositories that use them, and a
 * GitHub failure while reporting is retried into the same check run, never a second one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCheckRun } from '../fakes/fake-github.js';
import { pullRequestPayload } from './check-payloads.js';
import { type Harness, INSTALLATION_ID, REPO, startHarness, until } from './harness.js';

const SHARED_REPO = 'acme/.github';
const USER_REPO = 'acme/web';

const SHARED = `rules:
  - name: emails-need-review
    if: { action: send_email }
    decision: route_to_human
`;
const OWN = `rules:
  - name: payments-own-emails
    if: { action: send_email }
    decision: route_to_human
`;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ policies: { 'own.yaml': OWN } });
  h.fake.addRepo(SHARED_REPO, { installationId: INSTALLATION_ID, policies: { 'shared.yaml': SHARED } });
  h.fake.addRepo(USER_REPO, { installationId: INSTALLATION_ID });
  // acme/web has no policies of its own: the shared ones decide its requests. acme/payments has its own.
  for (const to of ['a@acme.com', 'b@acme.com']) {
    const res = await h.admin('POST', '/api/requests', {
      action: 'send_email',
      params: { to },
      context: { repository: USER_REPO },
    });
    expect(res.status).toBe(201);
    expect(res.body.repository).toBe(USER_REPO);
  }
  expect(
    (await h.agent('POST', '/api/requests', { action: 'send_email', params: { to: 'c@acme.com' } })).status,
  ).toBe(201);
});
afterAll(() => h.close());

async function openPull(repository: string, number: number, files: Record<string, string>): Promise<string> {
  const head = h.fake.commit(repository, `change-${number}`, files);
  h.fake.openPullRequest(repository, { number, head: `change-${number}` });
  const res = await h.deliver(
    'pull_request',
    pullRequestPayload(repository, number, {
      head: h.fake.pullHeadOf(repository, number),
      base: h.fake.headOf(repository),
    }),
  );
  expect(res.status).toBe(200);
  return head;
}

const completed = (repository: string, sha: string) =>
  until(
    () => h.fake.checkRuns(repository).find((r) => r.head_sha === sha && r.status === 'completed'),
    `the policy check run on ${sha}`,
  );

describe('a pull request on the owner\u2019s .github repository', () => {
  it('replays the requests of the repositories that use the shared policies, and only those', async () => {
    const head = await openPull(SHARED_REPO, 3, {
      'policies/shared.yaml': SHARED.replace('decision: route_to_human', 'decision: auto_approve'),
    });
    const run: FakeCheckRun = await completed(SHARED_REPO, head);
    expect(run.conclusion).toBe('success');
    expect(run.output.title).toBe('Valid — ⚠️ widens: 2 of 2 past requests need fewer humans');
    expect(run.output.summary).toContain(
      "Replayed the 2 recent requests of acme's repositories that use these shared policies",
    );
    // Other repositories' requests: counts per decision change only, no action or repository name.
    expect(run.output.summary).toContain('- ⚠️ **route_to_human → auto_approve ×2**');
    expect(run.output.summary).not.toContain('send_email');
    expect(run.output.summary).not.toContain(USER_REPO);
    const comments = await until(() => {
      const found = h.fake.comments(SHARED_REPO, 3);
      return found.length > 0 ? found : null;
    }, 'the impact comment');
    expect(comments).toHaveLength(1);
    // The active sets are untouched while the pull request is open.
    const { body } = await h.admin('GET', `/api/policies?repository=${USER_REPO}`);
    expect(body.rules.map((r: { name: string }) => r.name)).toEqual(['emails-need-review']);
    expect(body.version).toBe(h.fake.headOf(SHARED_REPO));
  });
});

describe('GitHub failing while the check is reported', () => {
  it('retries into the same check run and completes it', async () => {
    h.fake.failNext('PATCH', /\/check-runs\/\d+$/, { status: 502 });
    const head = await openPull(REPO, 9, { 'policies/own.yaml': `${OWN}    notes: reworded\n` });
    const run = await completed(REPO, head);
    expect(run.conclusion).toBe('failure'); // `notes` is not a rule key: an error, annotated
    expect(run.output.annotations.length).toBeGreaterThan(0);
    expect(h.fake.checkRuns(REPO).filter((r) => r.head_sha === head)).toHaveLength(1);
    const writes = h.fake.calls.filter((c) => c.path.startsWith(`/api/v3/repos/${REPO}/check-runs`));
    // created once; the first completion failed, the retry found the run in progress and completed it
    expect(writes.map((c) => c.method)).toEqual(['POST', 'PATCH', 'PATCH']);
  });
});
