/**
 * An `issue_comment` (ChatOps) run on a pull request: `GITHUB_SHA` is the default branch's head,
 * so the Action reads the pull request's head from the GitHub API with the job's token and gates
 * that commit (issue #15). The committed bundle runs as a process against the real server, with a
 * local OIDC issuer and a small fake of GitHub's pulls endpoint.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../helpers/http.js';
import { actionsClaims, type OidcIssuer, startOidcIssuer } from '../helpers/oidc-issuer.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { inputEnv, runAction, runEnv } from './run-action.js';

const MAIN = 'b'.repeat(40);
const PR_HEAD = 'd'.repeat(40);
const JOB_TOKEN = 'ghs_job_token_for_the_test';

let issuer: OidcIssuer;
let t: TestServer;
let github: Server;
let githubUrl: string;
/** Authorization headers the fake GitHub saw, per path. */
const seen: Array<{ path: string; authorization: string | undefined }> = [];
const tempDir = useTempDir('agentgate-chatops-');

beforeAll(async () => {
  issuer = await startOidcIssuer();
  t = await startTestServer({
    oidc: { issuer: issuer.issuer },
    policies: {
      'main.yaml': [
        'rules:',
        '  - name: merges-need-review',
        '    if: { action: "merge*" }',
        '    decision: route_to_human',
        '    route: { approvers: { users: [alice] }, via: check }',
      ].join('\n'),
    },
  });
  github = createServer((req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${JOB_TOKEN}`) return json(401, { message: 'Bad credentials' });
    if (req.url === '/repos/acme/app/pulls/12') {
      return json(200, {
        number: 12,
        state: 'open',
        head: { ref: 'feature', sha: PR_HEAD },
        base: { ref: 'main', sha: MAIN },
      });
    }
    return json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
  githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.close();
  await issuer.close();
  await new Promise<void>((resolve) => github.close(() => resolve()));
});

let run = 500;
/** A `/merge` comment on pull request `pr` of acme/app, as the runner sets it up. */
function aCommentRun(pr: number, inputs: Record<string, string> = {}): Record<string, string> {
  run += 1;
  issuer.runClaims = actionsClaims({ run_id: String(run), event_name: 'issue_comment' });
  const eventPath = join(tempDir('event-'), 'event.json');
  writeFileSync(
    eventPath,
    JSON.stringify({
      action: 'created',
      issue: {
        number: pr,
        pull_request: { url: `https://api.github.com/repos/acme/app/pulls/${pr}` },
      },
      comment: { id: 1, body: '/merge', user: { login: 'octocat' } },
      repository: { full_name: 'acme/app' },
    }),
  );
  return {
    ...runEnv({ GITHUB_RUN_ID: String(run), GITHUB_EVENT_NAME: 'issue_comment', GITHUB_SHA: MAIN }),
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_API_URL: githubUrl,
    ACTIONS_ID_TOKEN_REQUEST_URL: issuer.tokenRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.tokenRequestToken,
    ...inputEnv({
      'server-url': t.url,
      action: 'merge',
      wait: 'false',
      'github-token': JOB_TOKEN,
      ...inputs,
    }),
  };
}

describe('an issue_comment run on a pull request', () => {
  it("gates the pull request's head commit, not the default branch's, bound to that pull request", async () => {
    const result = await runAction(aCommentRun(12));
    expect(result.code).toBe(0);
    expect(result.outputs.sha).toBe(PR_HEAD);
    expect(seen.at(-1)).toEqual({ path: '/repos/acme/app/pulls/12', authorization: `Bearer ${JOB_TOKEN}` });
    expect(result.stdout).toContain(`::add-mask::${JOB_TOKEN}`);

    const request = (
      await apiClient(t.url, t.adminKey)('GET', `/api/requests/${result.outputs['request-id']}`)
    ).body;
    expect(request.context).toMatchObject({ sha: PR_HEAD, pullRequest: 12, eventName: 'issue_comment' });
    expect(request.requester).toMatchObject({ event: 'issue_comment', sha: MAIN, pullRequest: null });
    expect(request.review).toMatchObject({ via: 'check', boundPullRequest: 12 });
  });

  it("fails, saying which permission to give, when the pull request's head cannot be read", async () => {
    const unknown = await runAction(aCommentRun(13));
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain(
      '::error::Could not read the head commit of pull request #13 (GitHub answered 404); give the job "permissions: pull-requests: read"',
    );
    const noToken = await runAction(aCommentRun(12, { 'github-token': '' }));
    expect(noToken.code).toBe(1);
    expect(noToken.stdout).toContain('pass the job token in the "github-token" input');
    // Nothing was asked of the server in either case.
    const listed = (await apiClient(t.url, t.adminKey)('GET', '/api/requests?action=merge')).body.requests;
    expect(listed.map((r: { context: { pullRequest?: number } }) => r.context.pullRequest)).not.toContain(13);
  });

  it('a comment on a plain issue gates the run’s commit, reading nothing from GitHub', async () => {
    const before = seen.length;
    const env = aCommentRun(12);
    writeFileSync(
      env.GITHUB_EVENT_PATH as string,
      JSON.stringify({ action: 'created', issue: { number: 12 } }),
    );
    const result = await runAction(env);
    expect(result.code).toBe(0);
    expect(result.outputs.sha).toBe(MAIN);
    expect(seen.length).toBe(before);
  });
});
