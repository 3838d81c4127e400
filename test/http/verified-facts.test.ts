/**
 * Verified facts win (issue #15, DESIGN §11): what a GitHub Actions job's OIDC token says about its
 * repository, commit, pull request, ref, event and environment cannot be contradicted by the body,
 * and a token minted for another AgentGate server is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../helpers/http.js';
import { actionsClaims, type OidcIssuer, startOidcIssuer } from '../helpers/oidc-issuer.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const AUDIENCE = 'https://gate-a.example.com';
const MERGE_SHA = 'c'.repeat(40);
const HEAD_SHA = 'd'.repeat(40);
const MAIN_SHA = 'b'.repeat(40);

/** A `pull_request` run for PR 7: its ref is the merge ref, its sha the merge commit. */
const pullRequestClaims = (overrides: Record<string, unknown> = {}) =>
  actionsClaims({
    sub: 'repo:acme/app:pull_request',
    event_name: 'pull_request',
    ref: 'refs/pull/7/merge',
    sha: MERGE_SHA,
    head_ref: 'feature',
    base_ref: 'main',
    workflow_ref: 'acme/app/.github/workflows/gate.yml@refs/pull/7/merge',
    job_workflow_ref: 'acme/app/.github/workflows/gate.yml@refs/pull/7/merge',
    ...overrides,
  });

/** A ChatOps run: a comment on PR 12; ref and sha are the default branch's. */
const issueCommentClaims = () => actionsClaims({ event_name: 'issue_comment', run_id: '9100' });

let issuer: OidcIssuer;
let t: TestServer;

beforeAll(async () => {
  issuer = await startOidcIssuer();
  t = await startTestServer({
    oidc: { issuer: issuer.issuer, audience: AUDIENCE },
    policies: {
      'facts.yaml': [
        'rules:',
        '  - name: pr-runs-need-review',
        '    if: { requester.event: pull_request, requester.pullRequest: { gt: 0 } }',
        '    decision: route_to_human',
        '    route: { approvers: { users: [alice] }, via: check }',
        '  - name: production-environment-only',
        '    if: { action: "deploy:*", requester.environment: { ne: production } }',
        '    decision: auto_deny',
        '    reason: Deploys run in the production environment',
        '  - name: reads',
        '    if: { action: "read_*" }',
        '    decision: auto_approve',
      ].join('\n'),
    },
  });
});
afterAll(async () => {
  await t.close();
  await issuer.close();
});

const asJob = async (claims: Record<string, unknown> = actionsClaims()) =>
  apiClient(t.url, await issuer.mint(claims, { audience: AUDIENCE }));
const storedCount = async () =>
  (await apiClient(t.url, t.adminKey)('GET', '/api/requests?limit=1')).body.pagination.total as number;

describe('the OIDC audience', () => {
  it('is announced in GET /health', async () => {
    const res = await fetch(`${t.url}/health`);
    expect(await res.json()).toMatchObject({ status: 'ok', oidcAudience: AUDIENCE });
  });

  it("refuses a token minted for another AgentGate server (401 naming this server's audience)", async () => {
    for (const audience of ['https://gate-b.example.com', 'agentgate']) {
      const api = apiClient(t.url, await issuer.mint(actionsClaims(), { audience }));
      const res = await api('POST', '/api/requests', { action: 'read_file' });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'unauthorized' });
      expect(res.body.error).toContain(`its audience is not "${AUDIENCE}"`);
    }
    const api = await asJob();
    expect((await api('POST', '/api/requests', { action: 'read_file' })).status).toBe(201);
  });
});

describe('a body that contradicts the token', () => {
  const cases: Array<[string, () => Record<string, unknown>, Record<string, unknown>, string]> = [
    ['another repository', actionsClaims, { repository: 'victim/payments' }, 'context.repository'],
    ['another commit on a push run', actionsClaims, { sha: 'e'.repeat(40) }, 'context.sha'],
    ['a sha that is not a commit', actionsClaims, { sha: 42 }, 'context.sha'],
    ['another pull request on a PR run', pullRequestClaims, { pullRequest: 8 }, 'context.pullRequest'],
    ['another ref', actionsClaims, { ref: 'refs/heads/release' }, 'context.ref'],
    ['another event', pullRequestClaims, { eventName: 'push' }, 'context.eventName'],
    ['another run', actionsClaims, { runId: '1' }, 'context.runId'],
    [
      'an environment the job does not run in',
      actionsClaims,
      { environment: 'production' },
      'context.environment',
    ],
  ];

  it.each(cases)(
    'is refused with 422 contradicts_token naming the field: %s',
    async (_name, claims, context, field) => {
      const before = await storedCount();
      const api = await asJob(claims());
      const res = await api('POST', '/api/requests', { action: 'deploy:production', context });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('contradicts_token');
      expect(res.body.details).toEqual({ field });
      expect(res.body.error).toMatch(
        new RegExp(`^${field.replace('.', '\\.')} .* contradicts this job's GitHub Actions OIDC token`),
      );
      expect(await storedCount()).toBe(before);
    },
  );

  it('names the fact to the user: the PR the run is for', async () => {
    const api = await asJob(pullRequestClaims());
    const res = await api('POST', '/api/requests', { action: 'deploy:x', context: { pullRequest: 8 } });
    expect(res.body.error).toBe(
      'context.pullRequest 8 contradicts this job\'s GitHub Actions OIDC token, whose "ref" claim is ' +
        '"refs/pull/7/merge". This workflow runs for pull request #7, so only that pull request can ' +
        'approve it. Leave it out: the server takes it from the token.',
    );
  });

  it('is refused on a dry run too: another repository to evaluate for', async () => {
    const api = await asJob();
    const res = await api('POST', '/api/policies/evaluate', {
      action: 'read_file',
      repository: 'victim/payments',
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'contradicts_token', details: { field: 'repository' } });
    const ownContext = await api('POST', '/api/policies/evaluate', {
      action: 'read_file',
      context: { sha: 'e'.repeat(40) },
    });
    expect(ownContext.body).toMatchObject({ code: 'contradicts_token', details: { field: 'context.sha' } });
    expect((await api('POST', '/api/policies/evaluate', { action: 'read_file' })).body.decision).toBe(
      'auto_approve',
    );
  });
});

describe('a pull_request run', () => {
  it("binds its PR from the token and gates the PR's head, which the token cannot name", async () => {
    const api = await asJob(pullRequestClaims());
    const res = await api('POST', '/api/requests', {
      action: 'merge:feature',
      context: { sha: HEAD_SHA, ref: 'refs/pull/7/merge', eventName: 'pull_request' },
    });
    expect(res.status).toBe(201);
    expect(res.body.context).toEqual({
      sha: HEAD_SHA,
      ref: 'refs/pull/7/merge',
      eventName: 'pull_request',
      pullRequest: 7,
    });
    expect(res.body.requester).toMatchObject({ event: 'pull_request', pullRequest: 7, sha: MERGE_SHA });
    // Matched by `requester.event` and `requester.pullRequest`: never by what the body claims.
    expect(res.body.policyDecision.rules).toEqual(['pr-runs-need-review']);
    expect(res.body.review).toMatchObject({ via: 'check', boundPullRequest: 7 });
  });

  it('may name its own PR, as a number or a string', async () => {
    const api = await asJob(pullRequestClaims({ run_id: '9200' }));
    for (const pullRequest of [7, '7']) {
      const res = await api('POST', '/api/requests', { action: 'merge:feature', context: { pullRequest } });
      expect(res.status).toBe(201);
      expect(res.body.review.boundPullRequest).toBe(7);
    }
  });
});

describe('an issue_comment (ChatOps) run', () => {
  it("gates the PR head the Action names, bound to the PR it names: the token names main's commit and no PR", async () => {
    const api = await asJob(issueCommentClaims());
    const res = await api('POST', '/api/requests', {
      action: 'merge:chatops',
      context: { sha: HEAD_SHA, pullRequest: 12, eventName: 'issue_comment' },
    });
    expect(res.status).toBe(201);
    expect(res.body.context).toEqual({ sha: HEAD_SHA, pullRequest: 12, eventName: 'issue_comment' });
    expect(res.body.requester).toMatchObject({ event: 'issue_comment', pullRequest: null, sha: MAIN_SHA });
    expect(res.body.review.boundPullRequest).toBe(12);
  });
});

describe('policies on verified facts', () => {
  it('match requester.environment: a job outside the production environment is denied', async () => {
    const outside = await asJob();
    const denied = await outside('POST', '/api/requests', { action: 'deploy:api' });
    expect(denied.body).toMatchObject({
      status: 'denied',
      decisionReason: 'Deploys run in the production environment',
    });
    const inside = await asJob(actionsClaims({ environment: 'production', run_id: '9300' }));
    const routed = await inside('POST', '/api/requests', {
      action: 'deploy:api',
      context: { environment: 'production' },
    });
    expect(routed.body.status).toBe('pending');
    expect(routed.body.requester.environment).toBe('production');
  });
});
