/**
 * GitHub under real conditions (issue #16): a GitHub that does the work and then answers 502, drops
 * the connection or never answers, with the HTTP client retrying exactly as in production
 * (`@octokit/plugin-retry` through the real `connectGitHub`). Every request still gets exactly one
 * issue or check run and one final comment; two requests on one commit get runs GitHub shows side
 * by side; a run's details link opens a page a reviewer can read; a decided request's run always
 * completes; and every GitHub link is built from the configured GitHub (Enterprise Server here:
 * the fake is reached as `GHE_HOST`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectGitHub } from '../../app/adapters/github/connect-github.js';
import { githubWebUrl } from '../../app/github/github-config.js';
import { createLogger } from '../../app/logger.js';
import { GitHubError } from '../../app/ports/github-gateway.js';
import { checkRunDetailsUrl } from '../../app/render/github-links.js';
import { type FakeCheckRun, FakeGitHub } from '../fakes/fake-github.js';
import { connectTestGitHubApp, generatePrivateKey } from '../helpers/github-app.js';
import { apiClient } from '../helpers/http.js';
import { actionsClaims, type OidcIssuer, startOidcIssuer } from '../helpers/oidc-issuer.js';
import { rerunPayload } from './check-payloads.js';
import { type Harness, REPO, startHarness, until, WEBHOOK_SECRET } from './harness.js';

const POLICIES = {
  'deploys.yaml': `
rules:
  - name: production-deploys
    if: { action: "deploy:production" }
    decision: route_to_human
    route:
      approvers: { permission: maintain }
      count: 1
  - name: staging-on-the-commit
    if: { action: "deploy:staging" }
    decision: route_to_human
    route:
      approvers: { permission: maintain }
      count: 1
      via: check
`,
};

let h: Harness;
let issuer: OidcIssuer;
/** Pull request #7 from branch `feature`. */
let head: string;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  h = await startHarness({
    policies: POLICIES,
    retries: 'production',
    // The fake never answers a 'hang': the client gives up after this.
    githubTimeoutMs: 300,
    oidc: { issuer: issuer.issuer },
  });
  h.fake.setPermission(REPO, 'mona', 'maintain');
  head = h.fake.commit(REPO, 'feature', { 'src/app.ts': 'export const v = 1;\n' });
  h.fake.openPullRequest(REPO, { number: 7, head: 'feature' });
});
afterAll(async () => {
  await h.close();
  await issuer.close();
});

const status = async (id: string) => (await h.admin('GET', `/api/requests/${id}`)).body;

async function create(body: Record<string, unknown>, api = h.agent) {
  const res = await api('POST', '/api/requests', body);
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

/** Waits until the request shows where it is reviewed, then until nothing is left to do. */
async function reviewUrlOf(id: string): Promise<string> {
  const url = await until(async () => (await status(id)).review?.url, `the review URL of ${id}`);
  await h.settled();
  return url;
}

const issuesOf = (id: string) =>
  h.fake.issues(REPO).filter((i) => i.body.includes(`<!-- agentgate:request:${id} -->`));
const runsOf = (id: string) => h.fake.checkRuns(REPO).filter((r) => r.external_id === id);

describe('exactly one issue per request', () => {
  it.each([
    ['answers 502', { status: 502 }],
    ['drops the connection', { outcome: 'drop' as const }],
    ['never answers', { outcome: 'hang' as const }],
  ])('when GitHub creates the issue and then %s', async (_, failure) => {
    const before = h.fake.callsTo('POST', /\/issues$/);
    h.fake.failNext('POST', /\/issues$/, { afterApplying: true, ...failure });
    const { id } = await create({ action: 'deploy:production' });
    const url = await reviewUrlOf(id);
    const issues = issuesOf(id);
    expect(issues).toHaveLength(1);
    expect(url).toBe(`https://github.test/${REPO}/issues/${issues[0]?.number}`);
    // The client did not send the creation again; the job's next attempt found the issue instead.
    expect(h.fake.callsTo('POST', /\/issues$/) - before).toBe(1);
  });

  it('posts one final comment when GitHub posts it and answers 502', async () => {
    const { id } = await create({ action: 'deploy:production' });
    await reviewUrlOf(id);
    const [issue] = issuesOf(id);
    h.fake.failNext('POST', /\/issues\/\d+\/comments$/, { status: 502, afterApplying: true });
    const decided = await h.admin('POST', `/api/requests/${id}/decide`, {
      decision: 'approved',
      reason: 'ok',
    });
    expect(decided.status).toBe(200);
    await until(() => h.fake.issues(REPO).find((i) => i.number === issue?.number && i.state === 'closed'));
    await h.settled();
    const finals = h.fake
      .comments(REPO, issue?.number as number)
      .filter((c) => c.body.includes(`agentgate:decision:${id}`));
    expect(finals).toHaveLength(1);
    expect(issuesOf(id)[0]?.labels).toContain('agentgate:approved');
  });
});

describe('exactly one check run per request', () => {
  it.each([
    ['answers 502', { status: 502 }],
    ['drops the connection', { outcome: 'drop' as const }],
    ['never answers', { outcome: 'hang' as const }],
  ])('when GitHub creates the run and then %s', async (_, failure) => {
    h.fake.failNext('POST', /\/check-runs$/, { afterApplying: true, ...failure });
    const { id } = await create({ action: 'deploy:staging', context: { sha: head } });
    const url = await reviewUrlOf(id);
    expect(runsOf(id)).toHaveLength(1);
    expect(url).toBe(runsOf(id)[0]?.html_url);
  });
});

describe('a re-run', () => {
  it('rewrites the one run from stored state, even when GitHub applies the update and answers 502', async () => {
    const { id } = await create({ action: 'deploy:staging', context: { sha: head } });
    const url = await reviewUrlOf(id);
    const [first] = runsOf(id);
    h.fake.failNext('PATCH', /\/check-runs\/\d+$/, { status: 502, afterApplying: true });
    expect((await h.deliver('check_run', rerunPayload(REPO, first as FakeCheckRun, 'mona'))).status).toBe(
      200,
    );
    await h.settled();
    const runs = runsOf(id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: first?.name, conclusion: 'action_required' });
    expect((await status(id)).review.url).toBe(url);
  });
});

describe('two requests for one action on one commit', () => {
  it('get runs with different names, so GitHub shows both', async () => {
    const first = await create({ action: 'deploy:staging', context: { sha: head } });
    const second = await create({ action: 'deploy:staging', context: { sha: head } });
    await reviewUrlOf(first.id);
    await reviewUrlOf(second.id);
    const [a] = runsOf(first.id);
    const [b] = runsOf(second.id);
    expect(a?.name).toBe(`AgentGate: deploy:staging (${first.id.slice(-6)})`);
    expect(b?.name).toBe(`AgentGate: deploy:staging (${second.id.slice(-6)})`);
    expect(a?.name).not.toBe(b?.name);
    // A decision on one leaves the other as it was.
    await h.admin('POST', `/api/requests/${first.id}/decide`, { decision: 'denied', reason: 'no' });
    await h.settled();
    expect(runsOf(first.id)[0]).toMatchObject({ conclusion: 'failure', actions: [] });
    expect(runsOf(second.id)[0]).toMatchObject({ conclusion: 'action_required' });
  });
});

describe("a run's details link", () => {
  // The harness's server has a public URL, so runs link to the request's web console page; without
  // one, the order below (issue, bound pull request, commit) applies.
  it("opens the request's page in the web console, whatever pull request the request names", async () => {
    const bound = await create({ action: 'deploy:staging', context: { sha: head, pullRequest: 7 } }, h.admin);
    const named = await create({ action: 'deploy:staging', context: { sha: head, pullRequest: 999 } });
    for (const { id } of [bound, named]) {
      await reviewUrlOf(id);
      expect(runsOf(id)[0]?.details_url).toBe(`https://agentgate.example.com/requests/${id}`);
    }
  });

  it.each([
    [
      'the issue first',
      { issueUrl: 'https://ghe.acme.dev/a/b/issues/3', boundPullRequest: 7 },
      'https://ghe.acme.dev/a/b/issues/3',
    ],
    ['the pull request next', { issueUrl: null, boundPullRequest: 7 }, 'https://ghe.acme.dev/a/b/pull/7'],
    [
      'the commit last',
      { issueUrl: null, boundPullRequest: null },
      `https://ghe.acme.dev/a/b/commit/${'c'.repeat(40)}`,
    ],
  ])('prefers %s', (_, links, expected) => {
    expect(
      checkRunDetailsUrl({
        webUrl: 'https://ghe.acme.dev/',
        repository: 'a/b',
        sha: 'c'.repeat(40),
        ...links,
      }),
    ).toBe(expected);
  });
});

describe('a decided request', () => {
  it('completes its run even when GitHub refuses the final update for good', async () => {
    const { id } = await create({ action: 'deploy:staging', context: { sha: head } });
    await reviewUrlOf(id);
    h.fake.failNext('PATCH', /\/check-runs\/\d+$/, { status: 422 });
    await h.admin('POST', `/api/requests/${id}/decide`, { decision: 'approved', reason: 'ship it' });
    await h.settled();
    const [run] = runsOf(id);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'success', actions: [] });
    // Decided with the admin key: an operator override, and the bare run says so too.
    expect(run?.output.title).toBe('Approved by operator override (api:admin)');
    expect(run?.output.summary).toContain(id);
  });
});

describe('GitHub Enterprise Server', () => {
  it('derives the web address from GHE_HOST, and github.com without it', () => {
    expect(githubWebUrl({ gheHost: 'github.acme.dev', gheProtocol: 'https' })).toBe(
      'https://github.acme.dev',
    );
    expect(githubWebUrl({ gheHost: null, gheProtocol: 'https' })).toBe('https://github.com');
  });

  it("links a workflow's run on the configured GitHub, in the issue and on the check run", async () => {
    const job = apiClient(
      h.server.url,
      // A push run on the commit it gates: the token's `sha` is that commit.
      await issuer.mint(actionsClaims({ repository: REPO, run_id: '9001', sha: head })),
    );
    const runLink = `(${h.fake.url}/${REPO}/actions/runs/9001)`;

    const inIssue = await create({ action: 'deploy:production' }, job);
    await reviewUrlOf(inIssue.id);
    const body = issuesOf(inIssue.id)[0]?.body ?? '';
    expect(body).toContain(`[run 9001]${runLink}`);
    expect(body).not.toContain('github.com');

    const onCommit = await create({ action: 'deploy:staging', context: { sha: head } }, job);
    await reviewUrlOf(onCommit.id);
    const run = runsOf(onCommit.id)[0];
    expect(run?.output.summary).toContain(`[run 9001]${runLink}`);
    expect(JSON.stringify(run)).not.toContain('github.com');
  });
});

describe("the GitHub client's own retries", () => {
  let fake: FakeGitHub;
  beforeAll(async () => {
    fake = await new FakeGitHub().start();
    fake.addRepo(REPO, { installationId: 1 });
  });
  afterAll(() => fake.stop());

  const gateway = () =>
    connectTestGitHubApp({
      host: fake.host,
      webhookSecret: WEBHOOK_SECRET,
      log: createLogger('silent'),
      retries: 'production',
    }).connection.gateway;

  it('never sends a creation twice: the failure reaches the job, which looks before retrying', async () => {
    const github = gateway();
    fake.failNext('POST', /\/issues$/, { status: 502, afterApplying: true });
    const failed = await github
      .createIssue(REPO, { title: 't', body: 'b', labels: [], assignees: [] })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(GitHubError);
    expect((failed as GitHubError).transient).toBe(true);
    expect(fake.issues(REPO)).toHaveLength(1);
    expect(fake.callsTo('POST', /\/issues$/)).toBe(1);

    fake.failNext('POST', /\/issues\/1\/comments$/, { outcome: 'drop', afterApplying: true });
    const dropped = await github.createComment(REPO, 1, 'once').catch((error: unknown) => error);
    // No answer at all: "could not be reached", worth retrying later.
    expect((dropped as GitHubError).status).toBe(0);
    expect(fake.comments(REPO, 1)).toHaveLength(1);
  });

  it("never sends a creation twice with Probot's Octokit exactly as in production (throttling too)", async () => {
    const { gateway: github } = connectGitHub(
      {
        appId: '123',
        privateKey: generatePrivateKey(),
        webhookSecret: WEBHOOK_SECRET,
        gheHost: fake.host,
        gheProtocol: 'http',
      },
      createLogger('silent'),
    );
    const before = fake.callsTo('POST', /\/check-runs$/);
    fake.failNext('POST', /\/check-runs$/, { status: 502, afterApplying: true });
    const failed = await github
      .createCheckRun(REPO, {
        name: 'AgentGate: x (abcdef)',
        headSha: fake.headOf(REPO),
        status: 'completed',
        conclusion: 'neutral',
        title: 't',
        summary: 's',
        externalId: 'req_abcdef',
      })
      .catch((error: unknown) => error);
    expect((failed as GitHubError).status).toBe(502);
    expect(fake.callsTo('POST', /\/check-runs$/) - before).toBe(1);
    expect(fake.checkRuns(REPO).filter((r) => r.external_id === 'req_abcdef')).toHaveLength(1);
  });

  it('still retries reads GitHub answers with 502', async () => {
    const github = gateway();
    fake.failNext('GET', /\/issues\/1$/, { status: 502 });
    const before = fake.callsTo('GET', /\/issues\/1$/);
    expect((await github.getIssue(REPO, 1)).number).toBe(1);
    expect(fake.callsTo('GET', /\/issues\/1$/) - before).toBe(2);
  });
});
