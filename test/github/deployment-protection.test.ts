/**
 * The app as a custom deployment protection rule (issue #18, docs/deployments.md), end to end: the
 * real server in GitHub mode, signed `deployment_protection_rule` and `workflow_run` deliveries, and
 * the fake GitHub recording the answers its runs accept (like GitHub, only while a run waits on that
 * environment). Expiry and "answer lost" run on a manual clock; nothing sleeps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleClient } from '../console/console-client.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { buttonPayload, reviewPayload } from './check-payloads.js';
import { protectionRulePayload, workflowRunCompletedPayload } from './deployment-payloads.js';
import { commentPayload, type Harness, REPO, startHarness, until } from './harness.js';

const POLICIES = {
  'deployments.yaml': `
rules:
  - name: staging-deploys
    description: Staging is disposable
    if: { action: "deploy:staging" }
    decision: auto_approve
    reason: Staging is disposable
  - name: sandbox-frozen
    if: { action: "deploy:sandbox" }
    decision: auto_deny
    reason: The sandbox is frozen this week
  - name: production-deploys
    description: A maintainer approves each production deployment
    if:
      action: "deploy:production"
      requester.type: github_deployment
    decision: route_to_human
    route:
      approvers: { permission: maintain }
      count: 1
      via: issue
      timeout: 1h
  - name: eu-on-the-commit
    if: { action: "deploy:Production-EU" }
    decision: route_to_human
    route:
      approvers: { permission: maintain }
      count: 1
      via: check
      timeout: 1h
`,
};

const CALLBACK = /\/actions\/runs\/\d+\/deployment_protection_rule$/;

function setUp(h: Harness) {
  for (const environment of ['staging', 'sandbox', 'production', 'Production EU']) {
    h.fake.protectEnvironment(REPO, environment);
  }
  h.fake.setPermission(REPO, 'mona', 'maintain');
  h.fake.setPermission(REPO, 'octocat', 'admin'); // the deployer: may not approve their own
}

/** A run waiting on `environment`, and GitHub's delivery about it. */
async function deploy(
  h: Harness,
  environment: string,
  options: { pullRequests?: number[]; deliver?: boolean } = {},
) {
  const { run, deployment } = h.fake.startDeployment(REPO, {
    environment,
    ...(options.pullRequests && { pullRequests: options.pullRequests }),
  });
  if (options.deliver !== false) {
    const res = await h.deliver(
      'deployment_protection_rule',
      protectionRulePayload(h.fake, REPO, run, deployment),
    );
    expect(res.status).toBe(200);
  }
  return { run, deployment };
}

async function requestOf(h: Harness, runId: number) {
  const { body } = await h.admin('GET', '/api/requests?limit=100');
  return (body.requests as any[]).find((r) => r.requester.runId === String(runId));
}

const reviewsOf = (h: Harness, runId: number) =>
  h.fake.deploymentReviews(REPO).filter((r) => r.runId === runId);

const auditTypes = async (h: Harness, id: string) =>
  ((await h.admin('GET', `/api/requests/${id}/audit`)).body as any[]).map((e) => e.eventType);

describe('deployment protection rules', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ policies: POLICIES, console: {} });
    setUp(h);
  });
  afterAll(() => h.close());

  it('answers an auto-approved environment at once, from verified facts only', async () => {
    const { run, deployment } = await deploy(h, 'staging', { pullRequests: [7] });
    await h.settled();
    expect(reviewsOf(h, run.id)).toEqual([
      expect.objectContaining({ environment_name: 'staging', state: 'approved' }),
    ]);
    const [answer] = reviewsOf(h, run.id);
    expect(answer?.comment).toMatch(
      /^AgentGate req_\w+: Approved by policy rule "staging-deploys": Staging is disposable\. Request: https:\/\/agentgate\.example\.com\/requests\/req_\w+$/,
    );
    const request = await requestOf(h, run.id);
    expect(request).toMatchObject({
      action: 'deploy:staging',
      status: 'approved',
      decidedBy: 'policy',
      params: { environment: 'staging', ref: 'main', sha: deployment.sha },
      context: { environment: 'staging', runId: String(run.id), sha: deployment.sha, pullRequest: 7 },
      requester: {
        type: 'github_deployment',
        repository: REPO,
        environment: 'staging',
        actor: 'octocat',
        event: 'push',
        ref: 'main',
        sha: deployment.sha,
        runId: String(run.id),
        deploymentId: deployment.id,
        pullRequests: [7],
        pullRequest: 7,
      },
    });
    expect(await auditTypes(h, request.id)).toEqual([
      'created',
      'evaluated',
      'approved',
      'deployment_answered',
    ]);
    expect(h.fake.run(REPO, run.id).status).toBe('in_progress');
  });

  it('rejects an auto-denied environment at once, with the rule and its reason', async () => {
    const { run } = await deploy(h, 'sandbox');
    await h.settled();
    const [answer] = reviewsOf(h, run.id);
    expect(answer).toMatchObject({ state: 'rejected' });
    expect(answer?.comment).toContain(
      'Rejected by policy rule "sandbox-frozen": The sandbox is frozen this week.',
    );
    expect(h.fake.run(REPO, run.id)).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('routes production to a maintainer in an issue: the deployer and a stranger are refused, a maintainer approves', async () => {
    const { run } = await deploy(h, 'production');
    const request = await until(async () => {
      const r = await requestOf(h, run.id);
      return r?.review?.url ? r : null;
    }, 'the issue');
    expect(request.status).toBe('pending');
    const number = Number(/\/issues\/(\d+)$/.exec(request.review.url)?.[1]);
    const issue = h.fake.issues(REPO).find((i) => i.number === number);
    expect(issue?.body).toContain('deployment of `main` to environment `production`');
    expect(issue?.body).toContain("verified by GitHub's deployment protection rule");
    expect(issue?.body).toContain('Deployment (from GitHub, verified)');
    expect(issue?.body).not.toContain('Context from the agent (unverified)');

    for (const login of ['eve', 'octocat']) {
      const c = h.fake.addComment(REPO, number, login, '/approve');
      expect((await h.deliver('issue_comment', commentPayload(REPO, number, c))).status).toBe(200);
    }
    await h.settled();
    expect(reviewsOf(h, run.id)).toEqual([]);
    expect((await requestOf(h, run.id)).status).toBe('pending');
    const replies = h.fake.comments(REPO, number).filter((c) => c.user.login === 'agentgate[bot]');
    expect(replies.map((c) => c.body).join('\n')).toMatch(/own request|requester/i);

    const mona = h.fake.addComment(REPO, number, 'mona', '/approve looks good');
    expect((await h.deliver('issue_comment', commentPayload(REPO, number, mona))).status).toBe(200);
    await h.settled();
    const answers = reviewsOf(h, run.id);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.state).toBe('approved');
    expect(answers[0]?.comment).toContain('Approved by @mona (rule production-deploys)');
    expect(answers[0]?.comment).toContain(`Review: ${request.review.url}`);
    expect(answers[0]?.comment).toContain(`Request: https://agentgate.example.com/requests/${request.id}`);
  });

  it('reviews an environment routed via check on the deployment commit, with the check run buttons', async () => {
    const { run, deployment } = await deploy(h, 'Production EU');
    const request = await until(async () => {
      const r = await requestOf(h, run.id);
      return r?.review?.url ? r : null;
    }, 'the check run');
    expect(request.action).toBe('deploy:Production-EU');
    expect(request.requester.environment).toBe('Production EU');
    const check = h.fake.checkRuns(REPO).find((c) => c.external_id === request.id);
    expect(check?.head_sha).toBe(deployment.sha);
    expect(check?.output.summary ?? '').toContain("the deployment's commit");
    if (!check) throw new Error('no check run');
    expect((await h.deliver('check_run', buttonPayload(REPO, check, 'deny', 'mona'))).status).toBe(200);
    await h.settled();
    expect(reviewsOf(h, run.id)).toEqual([
      expect.objectContaining({ environment_name: 'Production EU', state: 'rejected' }),
    ]);
    expect(reviewsOf(h, run.id)[0]?.comment).toContain('Rejected by @mona');
  });

  it('counts an approving review of the one pull request GitHub lists for the deployment', async () => {
    const head = h.fake.commit(REPO, 'feature', { 'app.txt': 'v2' });
    h.fake.openPullRequest(REPO, { number: 11, head: 'feature' });
    const { run, deployment } = h.fake.startDeployment(REPO, {
      environment: 'Production EU',
      ref: 'feature',
      pullRequests: [11],
    });
    expect(deployment.sha).toBe(head);
    const res = await h.deliver(
      'deployment_protection_rule',
      protectionRulePayload(h.fake, REPO, run, deployment),
    );
    expect(res.status).toBe(200);
    const request = await until(async () => {
      const r = await requestOf(h, run.id);
      return r?.review?.url ? r : null;
    }, 'the check run');
    expect(request.review.boundPullRequest).toBe(11);
    const approval = h.fake.addReview(REPO, 11, 'mona', 'APPROVED', 'ship it');
    expect((await h.deliver('pull_request_review', reviewPayload(REPO, 11, head, approval))).status).toBe(
      200,
    );
    await h.settled();
    expect(reviewsOf(h, run.id)).toEqual([expect.objectContaining({ state: 'approved' })]);
    expect(reviewsOf(h, run.id)[0]?.comment).toContain('Approved by @mona');
  });

  it("shows the deployment's facts in the web console as GitHub's, not as an agent's word", async () => {
    const { run } = await deploy(h, 'production');
    const request = await until(() => requestOf(h, run.id), 'the request');
    const client = new ConsoleClient(h.server.url);
    expect((await client.signIn(h.server.adminKey)).status).toBe(303);
    const page = await (await client.get(`/requests/${request.id}`)).text();
    expect(page).toContain('GitHub deployment (verified by GitHub’s deployment protection rule)');
    expect(page).toContain('from GitHub, verified');
    expect(page).not.toContain('unverified — written by the agent');
  });

  it('retries an answer GitHub fails with 5xx and delivers it exactly once', async () => {
    h.fake.failNext('POST', CALLBACK, { status: 502, times: 3 });
    const before = h.fake.calls.length;
    const { run } = await deploy(h, 'staging');
    await until(() => reviewsOf(h, run.id).length > 0, 'the answer to be accepted', 60_000);
    await h.settled();
    const posts = h.fake.calls.slice(before).filter((c) => c.method === 'POST' && CALLBACK.test(c.path));
    expect(posts.map((c) => c.status)).toEqual([502, 502, 502, 204]);
    expect(reviewsOf(h, run.id)).toHaveLength(1);
  });

  it('makes one request of a redelivered event, and of the same deployment delivered twice', async () => {
    const { run, deployment } = h.fake.startDeployment(REPO, { environment: 'production' });
    const payload = protectionRulePayload(h.fake, REPO, run, deployment);
    const first = await h.deliver('deployment_protection_rule', payload);
    await h.deliver('deployment_protection_rule', payload, { id: first.id });
    await h.deliver('deployment_protection_rule', payload);
    await h.settled();
    const { body } = await h.admin('GET', '/api/requests?limit=100');
    expect((body.requests as any[]).filter((r) => r.requester.runId === String(run.id))).toHaveLength(1);
  });

  it('cancels a pending request whose run was cancelled, and answers nothing', async () => {
    const { run } = await deploy(h, 'production');
    const request = await until(() => requestOf(h, run.id), 'the request');
    h.fake.endRun(REPO, run.id, 'cancelled');
    const res = await h.deliver('workflow_run', workflowRunCompletedPayload(REPO, h.fake.run(REPO, run.id)));
    expect(res.status).toBe(200);
    await h.settled();
    const after = await requestOf(h, run.id);
    expect(after).toMatchObject({ status: 'cancelled', decidedBy: `github-deployment:${REPO}` });
    expect(after.decisionReason).toContain('The workflow run ended on GitHub (cancelled)');
    expect(reviewsOf(h, run.id)).toEqual([]);
    expect(await auditTypes(h, request.id)).not.toContain('deployment_answered');
  });

  it("records GitHub's refusal of an answer for a run that ended, and does not retry it", async () => {
    const { run } = await deploy(h, 'production');
    const request = await until(async () => {
      const r = await requestOf(h, run.id);
      return r?.review?.url ? r : null;
    }, 'the issue');
    h.fake.endRun(REPO, run.id, 'cancelled'); // its workflow_run delivery is lost
    const before = h.fake.calls.length;
    const decided = await h.admin('POST', `/api/requests/${request.id}/decide`, { decision: 'approved' });
    expect(decided.status).toBe(200);
    await h.settled();
    const posts = h.fake.calls.slice(before).filter((c) => c.method === 'POST' && CALLBACK.test(c.path));
    expect(posts.map((c) => c.status)).toEqual([422]);
    expect(await auditTypes(h, request.id)).toContain('deployment_answer_refused');
  });

  it('refuses a forged delivery and a callback URL naming another repository', async () => {
    const { run, deployment } = h.fake.startDeployment(REPO, { environment: 'staging' });
    const payload = protectionRulePayload(h.fake, REPO, run, deployment);
    const forged = await h.deliver('deployment_protection_rule', payload, { secret: 'not-the-secret' });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    const elsewhere = {
      ...payload,
      deployment_callback_url: `${h.fake.baseUrl}/repos/evil/repo/actions/runs/${run.id}/deployment_protection_rule`,
    };
    const wrong = await h.deliver('deployment_protection_rule', elsewhere);
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('deployment_callback_url');
    await h.settled();
    expect(await requestOf(h, run.id)).toBeUndefined();
    expect(reviewsOf(h, run.id)).toEqual([]);
  });
});

describe('deployment protection rules: recovery and expiry (manual clock)', () => {
  let h: Harness;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    h = await startHarness({ policies: POLICIES, clock, sweepIntervalMs: 60_000 });
    setUp(h);
    h.fake.protectEnvironment(REPO, 'other-app-env', 999); // another app's rule: not ours to answer
  });
  afterAll(() => h.close());

  const reconcile = async () => {
    const reconciler = h.handle.reconciler;
    if (!reconciler) throw new Error('no reconciler');
    const report = await reconciler.reconcileAll();
    await h.settled();
    return report.deployments;
  };

  it('finds a missed delivery by reconciliation, once, and leaves other apps’ environments alone', async () => {
    const { run } = await deploy(h, 'staging', { deliver: false });
    const other = await deploy(h, 'other-app-env', { deliver: false });
    expect(await reconcile()).toMatchObject({ recovered: 1, failures: 0 });
    expect(reviewsOf(h, run.id)).toEqual([expect.objectContaining({ state: 'approved' })]);
    expect(await requestOf(h, other.run.id)).toBeUndefined();
    expect(await reconcile()).toMatchObject({ recovered: 0, resent: 0 });
    const { body } = await h.admin('GET', '/api/requests?limit=100');
    expect((body.requests as any[]).filter((r) => r.requester.runId === String(run.id))).toHaveLength(1);
  });

  it('rejects an expired request with its reason', async () => {
    const { run } = await deploy(h, 'production');
    const request = await until(() => requestOf(h, run.id), 'the request');
    clock.advance(61 * 60 * 1000);
    expect(await h.server.server.requests.expireDue()).toBeGreaterThanOrEqual(1);
    await h.settled();
    const [answer] = reviewsOf(h, run.id);
    expect(answer?.state).toBe('rejected');
    expect(answer?.comment).toMatch(
      /Rejected: nobody approved it before .* UTC, when the request expired \(rule production-deploys\)/,
    );
    expect((await requestOf(h, run.id)).status).toBe('expired');
    expect(await auditTypes(h, request.id)).toContain('deployment_answered');
  });

  it('sends a decision again when its answer was lost and GitHub still waits', async () => {
    // The answer is refused once with a 404 (as if the run could not be found for a moment): the
    // job gives up, and GitHub still waits on the run.
    h.fake.failNext('POST', CALLBACK, { status: 404 });
    const { run } = await deploy(h, 'staging');
    await h.settled();
    expect(reviewsOf(h, run.id)).toEqual([]);
    const request = await requestOf(h, run.id);
    expect(await auditTypes(h, request.id)).toContain('deployment_answer_refused');
    expect(await reconcile()).toMatchObject({ resent: 0 }); // too soon: it may still be on its way
    clock.advance(5 * 60 * 1000);
    expect(await reconcile()).toMatchObject({ resent: 1 });
    expect(reviewsOf(h, run.id)).toEqual([expect.objectContaining({ state: 'approved' })]);
    expect(await auditTypes(h, request.id)).toEqual(
      expect.arrayContaining(['deployment_answer_resent', 'deployment_answered']),
    );
    expect(await reconcile()).toMatchObject({ resent: 0 });
  });

  it('cancels the pending request of a run that ended while its webhook was missed', async () => {
    const { run } = await deploy(h, 'production');
    await until(() => requestOf(h, run.id), 'the request');
    h.fake.endRun(REPO, run.id, 'cancelled');
    expect(await reconcile()).toMatchObject({ cancelled: 1 });
    expect((await requestOf(h, run.id)).status).toBe('cancelled');
    expect(reviewsOf(h, run.id)).toEqual([]);
  });
});
