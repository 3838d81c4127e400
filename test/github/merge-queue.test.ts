/**
 * Merge queues (issue #16, item 6): a branch that requires `AgentGate: <action>` can use a merge
 * queue. On `merge_group.checks_requested` (the `@octokit/webhooks-examples` payload, signed like
 * GitHub), the requests gated on the queued pull request's head get check runs of the same names on
 * the merge-queue commit: decided ones with the same conclusion, pending ones in progress until the
 * request is decided. A pull request that changes policies gets the `AgentGate policy` check there too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCheckRun } from '../fakes/fake-github.js';
import { buttonPayload, rerunPayload } from './check-payloads.js';
import { example, type Harness, INSTALLATION_ID, REPO, startHarness, until } from './harness.js';

const POLICIES = {
  'deploys.yaml': `rules:
  - name: production-deploys
    if: { action: "deploy:production" }
    decision: route_to_human
    route: { approvers: { users: [mona] }, count: 1, via: check }
  - name: staging-deploys
    if: { action: "deploy:staging" }
    decision: route_to_human
    route: { approvers: { users: [mona] }, count: 1, via: check }
`,
};

let h: Harness;
let prHead: string;
let queueSha: string;
let queueRef: string;

beforeAll(async () => {
  h = await startHarness({ policies: POLICIES });
  h.fake.setPermission(REPO, 'mona', 'write');
  // Pull request #7 changes the policies too (a valid new rule), so the policy check runs on the queue's commit.
  prHead = h.fake.commit(REPO, 'feature', {
    ...h.fake.filesAt(h.fake.headOf(REPO)),
    'policies/reads.yaml':
      'rules:\n  - name: reads\n    if: { action: "read_*" }\n    decision: auto_approve\n',
    'src/app.ts': 'export const v = 2;\n',
  });
  h.fake.openPullRequest(REPO, { number: 7, head: 'feature' });
  queueRef = `refs/heads/gh-readonly-queue/main/pr-7-${prHead}`;
  queueSha = h.fake.commit(REPO, queueRef.replace('refs/heads/', ''), h.fake.filesAt(prHead));
});
afterAll(() => h.close());

async function gated(action: string): Promise<{ id: string; run: FakeCheckRun }> {
  const res = await h.agent('POST', '/api/requests', { action, context: { sha: prHead, pullRequest: 7 } });
  expect(res.status).toBe(201);
  const run = await until(
    () => h.fake.checkRuns(REPO).find((r) => r.external_id === res.body.id && r.head_sha === prHead),
    `the check run of ${action}`,
  );
  return { id: res.body.id, run };
}

function mergeGroupPayload() {
  const payload = example('merge_group', (e) => e.action === 'checks_requested' && e.installation);
  payload.repository = { ...payload.repository, full_name: REPO, name: 'payments' };
  payload.installation = { ...payload.installation, id: INSTALLATION_ID };
  payload.merge_group = {
    ...payload.merge_group,
    head_sha: queueSha,
    head_ref: queueRef,
    base_sha: h.fake.headOf(REPO),
    base_ref: 'refs/heads/main',
  };
  return payload;
}

const onQueue = (name: string) =>
  h.fake.checkRuns(REPO).filter((r) => r.head_sha === queueSha && r.name === name);

describe('a pull request entering the merge queue', () => {
  let approved: { id: string; run: FakeCheckRun };
  let pending: { id: string; run: FakeCheckRun };

  it('gets the decisions of its head carried over: same names, same conclusions, pending in progress', async () => {
    approved = await gated('deploy:production');
    pending = await gated('deploy:staging');
    expect((await h.deliver('check_run', buttonPayload(REPO, approved.run, 'approve', 'mona'))).status).toBe(
      200,
    );
    await until(() => approved.run.conclusion === 'success', 'the approval');

    expect((await h.deliver('merge_group', mergeGroupPayload())).status).toBe(200);
    const [production] = await until(() => {
      const runs = onQueue(approved.run.name);
      return runs.length > 0 ? runs : null;
    }, 'the carried-over production run');
    const [staging] = await until(() => {
      const runs = onQueue(pending.run.name);
      return runs.length > 0 ? runs : null;
    }, 'the carried-over staging run');
    expect(production).toMatchObject({
      name: approved.run.name,
      status: 'completed',
      conclusion: 'success',
    });
    expect(production?.output.summary).toContain('pull request #7');
    expect(production?.details_url).toBe(approved.run.html_url);
    expect(staging).toMatchObject({
      name: pending.run.name,
      status: 'in_progress',
      conclusion: null,
    });
    expect(staging?.actions).toEqual([]); // nobody decides here: the summary links the run with the buttons
    expect(staging?.output.summary).toContain(pending.run.html_url);
  });

  it('runs the AgentGate policy check on the queue’s commit when the pull request changes policies', async () => {
    const run = await until(
      () => onQueue('AgentGate policy').find((r) => r.status === 'completed'),
      'the policy check on the merge-queue commit',
    );
    expect(run.conclusion).toBe('success');
    expect(run.output.summary).toContain('Not replayed on a merge-queue commit');
    await h.settled();
    expect(h.fake.comments(REPO, 7)).toEqual([]);
  });

  it('completes the pending run when the request is decided', async () => {
    expect((await h.deliver('check_run', buttonPayload(REPO, pending.run, 'deny', 'mona'))).status).toBe(200);
    const staging = await until(
      () => onQueue(pending.run.name).find((r) => r.status === 'completed'),
      'the carried-over run to complete',
    );
    expect(staging.conclusion).toBe('failure');
    expect(pending.run.conclusion).toBe('failure');
  });

  it('adds no second run when the event comes again, and "Re-run" on a copy rewrites it', async () => {
    expect((await h.deliver('merge_group', mergeGroupPayload())).status).toBe(200);
    await h.settled();
    expect(onQueue(approved.run.name)).toHaveLength(1);
    expect(onQueue(pending.run.name)).toHaveLength(1);
    const [copy] = onQueue(pending.run.name);
    if (!copy) throw new Error('no copy');
    copy.output.title = 'stale';
    expect((await h.deliver('check_run', rerunPayload(REPO, copy, 'mona'))).status).toBe(200);
    await until(() => copy.output.title !== 'stale', 'the copy refreshed');
    expect(copy.conclusion).toBe('failure');
    expect(onQueue(pending.run.name)).toHaveLength(1);
  });

  it('carries nothing over for a ref it does not understand (fail closed)', async () => {
    const payload = mergeGroupPayload();
    payload.merge_group.head_ref = 'refs/heads/not-a-queue';
    const before = h.fake.checkRuns(REPO).length;
    expect((await h.deliver('merge_group', payload)).status).toBe(200);
    await h.settled();
    expect(h.fake.checkRuns(REPO)).toHaveLength(before);
  });
});
