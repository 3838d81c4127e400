/**
 * Webhook handlers with GitHub's API served by nock: real `@octokit/webhooks-examples` payloads,
 * signed as GitHub signs them, POSTed to the real server; every GitHub call AgentGate makes is a
 * mock below, and every mock must be used (nothing else may reach the network).
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectGitHub } from '../../app/adapters/github/connect-github.js';
import { createGitHubIntegration, requireInstallation } from '../../app/github/integration.js';
import { createLogger } from '../../app/logger.js';
import { GitHubPolicyProvider } from '../../app/services/github-policy-provider.js';
import { LocalPolicyProvider } from '../../app/services/local-policy-provider.js';
import { apiClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { deliver, example, generatePrivateKey, NoRetryOctokit, until, WEBHOOK_SECRET } from './harness.js';

const GITHUB = 'http://github.nock.test';
const API = `${GITHUB}/api/v3`;
const SHA = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';
const PRIVATE_KEY = generatePrivateKey();

/** The `issue_comment.created` example that carries an installation (Codertocat/Hello-World, id 1). */
const commentExample = () =>
  example('issue_comment', (e) => e.action === 'created' && e.installation !== undefined);

let server: TestServer;

async function start(): Promise<TestServer> {
  const log = createLogger('silent');
  const connection = connectGitHub(
    {
      appId: '1',
      privateKey: PRIVATE_KEY,
      webhookSecret: WEBHOOK_SECRET,
      gheHost: 'github.nock.test',
      gheProtocol: 'http',
    },
    log,
    { Octokit: NoRetryOctokit as any },
  );
  const policies = new GitHubPolicyProvider({
    gateway: connection.gateway,
    local: new LocalPolicyProvider('none', async () => new Map()),
    log,
  });
  return startTestServer({
    webhooks: false,
    defaultRepository: 'Codertocat/Hello-World',
    policyProvider: () => policies,
    repositoryCheck: requireInstallation(connection.gateway),
    integrations: [
      createGitHubIntegration({ connection, policies, retryBaseMs: 50, reconcileIntervalMs: 0 }),
    ],
  });
}

beforeEach(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  server = await start();
});
afterEach(async () => {
  await server.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

const repo = '/repos/Codertocat/Hello-World';

/** Installation lookup and token, default branch, no policies anywhere: the built-in default. */
function mockPolicyRead(scope: nock.Scope) {
  return scope
    .get(`${repo}/installation`)
    .matchHeader('authorization', /^bearer /i)
    .reply(200, { id: 1 })
    .post('/app/installations/1/access_tokens')
    .reply(201, { token: 'ghs_test', expires_at: new Date(Date.now() + 3600_000).toISOString() })
    .get(repo)
    .matchHeader('authorization', 'token ghs_test')
    .reply(200, { default_branch: 'main' })
    .get(`${repo}/branches/main`)
    .reply(200, { name: 'main', commit: { sha: SHA } })
    .get(`${repo}/contents/policies`)
    .query({ ref: SHA })
    .reply(404, { message: 'Not Found' })
    .get('/repos/Codertocat/.github/installation')
    .reply(404, { message: 'Not Found' });
}

describe('GitHub webhook handlers (nock)', () => {
  it('opens the issue, counts a qualified /approve from a signed webhook and reflects the decision', async () => {
    const scope = mockPolicyRead(nock(API))
      .post(`${repo}/issues`, (body) => {
        return (
          body.title === 'Approval needed: deploy:production' &&
          body.body.includes('<!-- agentgate:request:') &&
          JSON.stringify(body.labels) === JSON.stringify(['agentgate', 'agentgate:pending'])
        );
      })
      .reply(201, {
        number: 1,
        html_url: 'https://github.com/Codertocat/Hello-World/issues/1',
        title: 'Approval needed: deploy:production',
        body: '',
        state: 'open',
        labels: [],
      });
    const admin = apiClient(server.url, server.adminKey);
    const created = await admin('POST', '/api/requests', { action: 'deploy:production' });
    expect(created.status).toBe(201);
    expect(created.body.policyDecision.policyVersion).toBe(SHA);
    await until(
      async () => (await admin('GET', `/api/requests/${created.body.id}`)).body.review.url,
      'issue URL',
    );

    // Codertocat comments /approve; they have write access (the default policy's minimum).
    const payload = commentExample();
    payload.comment.body = '/approve ship it';
    // The issue's labels as GitHub sends them with the comment: the final write keeps `ops` without
    // reading the issue again.
    payload.issue.labels = [{ name: 'agentgate' }, { name: 'agentgate:pending' }, { name: 'ops' }];
    const comment = payload.comment.id;
    scope
      .get(`${repo}/collaborators/Codertocat/permission`)
      .reply(200, { permission: 'write', role_name: 'write', user: { login: 'Codertocat' } })
      .post(`${repo}/issues/comments/${comment}/reactions`, { content: '+1' })
      .reply(201, { id: 1, content: '+1' })
      .post(`${repo}/issues/1/comments`, (body) => body.body.includes('**Approved** by @Codertocat'))
      .reply(201, { id: 9, body: 'final', user: { login: 'agentgate[bot]', type: 'Bot' } })
      .patch(
        `${repo}/issues/1`,
        (body) =>
          body.state === 'closed' &&
          body.state_reason === 'completed' &&
          JSON.stringify(body.labels) === JSON.stringify(['ops', 'agentgate', 'agentgate:approved']) &&
          body.body.includes('1 of 1 approval'),
      )
      .reply(200, {});

    const res = await deliver(server.url, 'issue_comment', payload);
    expect(res.status).toBe(200);
    const decided = (await admin('GET', `/api/requests/${created.body.id}`)).body;
    expect(decided).toMatchObject({
      status: 'approved',
      decidedBy: 'github:Codertocat',
      decisionReason: 'ship it',
    });
    await until(() => scope.isDone(), `every GitHub call (pending: ${scope.pendingMocks().join(', ')})`);
    expect(scope.isDone()).toBe(true);
  });

  it('refuses a forged signature with 400 and calls GitHub for nothing', async () => {
    const payload = commentExample();
    payload.comment.body = '/approve';
    const res = await deliver(server.url, 'issue_comment', payload, { secret: 'wrong' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('signature does not match');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('matches the signature GitHub documents for its test vector', async () => {
    const { sign } = await import('@octokit/webhooks-methods');
    expect(await sign("It's a Secret to Everybody", 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('ignores comments that are not commands, and issues that are not requests', async () => {
    const payload = commentExample();
    const chatter = await deliver(server.url, 'issue_comment', payload);
    expect(chatter.status).toBe(200);
    payload.comment.body = '/approve';
    payload.comment.id += 1;
    const notOurs = await deliver(server.url, 'issue_comment', payload);
    expect(notOurs.status).toBe(200);
    // No interceptors were defined: any GitHub call would have failed the delivery (500).
  });

  it('refuses binding a key to a repository where the app is not installed', async () => {
    const scope = nock(API).get('/repos/acme/unknown/installation').reply(404, { message: 'Not Found' });
    const res = await apiClient(server.url, server.adminKey)('POST', '/api/api-keys', {
      name: 'ci',
      scopes: ['request:create'],
      repository: 'acme/unknown',
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('not_installed');
    expect(res.body.error).toContain('acme/unknown');
    expect(scope.isDone()).toBe(true);
  });
});
