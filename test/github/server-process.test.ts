import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/fake-github.js';
import { type Api, apiClient } from '../helpers/http.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { useTempDir } from '../helpers/temp-dir.js';
import {
  commentPayload,
  deliver,
  generatePrivateKey,
  INSTALLATION_ID,
  REPO,
  until,
  WEBHOOK_SECRET,
} from './harness.js';

const POLICIES = {
  'review.yaml': `
rules:
  - name: deploys
    if: { action: "deploy:*" }
    decision: route_to_human
    route:
      approvers: { permission: maintain }
      count: 1
  - name: payments
    if: { action: "payments.*" }
    decision: route_to_human
    route:
      approvers: { users: [alice, bob] }
      count: 2
`,
};

/** Waits long enough for paced writes. */
const SLOW = 30_000;
const ADMIN_KEY = `agk_${'k'.repeat(43)}`;
/** Removed by its own hook, even when stopping the server times out. */
const dir = useTempDir('agentgate-github-')();
let fake: FakeGitHub;
let server: ServerProcess;
let admin: Api;

beforeAll(async () => {
  fake = await new FakeGitHub().start();
  fake.addRepo(REPO, { installationId: INSTALLATION_ID, policies: POLICIES });
  fake.setPermission(REPO, 'mona', 'maintain');
  fake.setPermission(REPO, 'alice', 'write');
  fake.setPermission(REPO, 'bob', 'write');
  server = await startServerProcess({
    APP_ID: '4242',
    PRIVATE_KEY: generatePrivateKey(),
    WEBHOOK_SECRET,
    GHE_HOST: fake.host,
    GHE_PROTOCOL: 'http',
    ADMIN_API_KEY: ADMIN_KEY,
    DATABASE_URL: join(dir, 'agentgate.db'),
    AGENTGATE_REPOSITORY: REPO,
    AGENTGATE_POLICY_DIR: join(dir, 'no-local-policies'),
    AGENTGATE_PUBLIC_URL: 'https://agentgate.example.com',
  });
  admin = apiClient(server.url, ADMIN_KEY);
}, 60_000);

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await fake?.stop();
});

async function issueNumberOf(id: string): Promise<number> {
  const url = await until(
    async () => (await admin('GET', `/api/requests/${id}`)).body.review?.url,
    'issue URL',
    SLOW,
  );
  return Number(String(url).split('/').pop());
}

async function say(number: number, login: string, body: string, id?: string) {
  const comment = fake.addComment(REPO, number, login, body);
  const res = await deliver(
    server.url,
    'issue_comment',
    commentPayload(REPO, number, comment),
    id ? { id } : {},
  );
  expect(res.status).toBe(200);
  return { comment, delivery: res.id };
}

// Probot's Octokit paces writes as GitHub asks (about one a second), so a decision takes seconds to show.
describe('agentgate serve as a GitHub App', { timeout: 60_000 }, () => {
  it('says it runs in github mode', async () => {
    const health = (await fetch(`${server.url}/health`).then((r) => r.json())) as { mode: string };
    expect(health.mode).toBe('github');
  });

  it('expiry closes the issue', async () => {
    const created = (await admin('POST', '/api/requests', { action: 'deploy:production', timeout: 6 })).body;
    const number = await issueNumberOf(created.id);
    const issue = await until(
      () => fake.issues(REPO).find((i) => i.number === number && i.state === 'closed'),
      'the expired issue closed',
      SLOW,
    );
    expect(issue.labels).toEqual(['agentgate', 'agentgate:expired']);
    expect((await admin('GET', `/api/requests/${created.id}`)).body.status).toBe('expired');
  });

  it('request → issue → unqualified /approve answered → qualified /approve wakes the waiting agent', async () => {
    const agent = apiClient(server.url, ADMIN_KEY);
    const created = (
      await agent('POST', '/api/requests', { action: 'deploy:production', params: { sha: 'abc' } })
    ).body;
    expect(created.status).toBe('pending');
    const number = await issueNumberOf(created.id);
    const issue = fake.issues(REPO).find((i) => i.number === number);
    expect(issue?.title).toContain('deploy:production');
    expect(issue?.body).toContain(`https://agentgate.example.com/requests/${created.id}`);

    const waiting = agent('GET', `/api/requests/${created.id}/wait?timeout=30`);
    await say(number, 'alice', '/approve');
    await until(
      () =>
        fake.comments(REPO, number).some((c) => c.body.includes('@alice, your `/approve` was not counted')),
      'the reply to alice',
      SLOW,
    );
    expect((await agent('GET', `/api/requests/${created.id}`)).body.status).toBe('pending');

    await say(number, 'mona', '/approve lgtm');
    const decided = (await waiting).body;
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'github:mona', decisionReason: 'lgtm' });
    await until(
      () => fake.issues(REPO).find((i) => i.number === number)?.state === 'closed',
      'issue closed',
      SLOW,
    );
  });

  it('needs two distinct people, and a redelivered webhook counts once', async () => {
    const created = (await admin('POST', '/api/requests', { action: 'payments.payout' })).body;
    const number = await issueNumberOf(created.id);
    const first = await say(number, 'alice', '/approve');
    // GitHub redelivers the same delivery; alice approving in a new comment is still one person.
    expect(
      (
        await deliver(server.url, 'issue_comment', commentPayload(REPO, number, first.comment), {
          id: first.delivery,
        })
      ).status,
    ).toBe(200);
    await say(number, 'alice', '/approve again');
    const pending = (await admin('GET', `/api/requests/${created.id}`)).body;
    expect(pending.status).toBe('pending');
    expect(pending.review.requirements[0].approvedBy).toEqual(['github:alice']);
    await say(number, 'bob', '/approve');
    expect((await admin('GET', `/api/requests/${created.id}`)).body).toMatchObject({ status: 'approved' });
  });

  it('/deny denies at once', async () => {
    const created = (await admin('POST', '/api/requests', { action: 'deploy:production' })).body;
    const number = await issueNumberOf(created.id);
    await say(number, 'mona', '/deny not today');
    expect((await admin('GET', `/api/requests/${created.id}`)).body).toMatchObject({
      status: 'denied',
      decidedBy: 'github:mona',
    });
    await until(
      () =>
        fake
          .issues(REPO)
          .find((i) => i.number === number)
          ?.labels.includes('agentgate:denied'),
      'denied label',
      SLOW,
    );
  });
});
