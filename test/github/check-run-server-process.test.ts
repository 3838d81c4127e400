import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeCheckRun, FakeGitHub } from '../fakes/fake-github.js';
import { type Api, apiClient } from '../helpers/http.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { buttonPayload, reviewPayload } from './check-payloads.js';
import { deliver, generatePrivateKey, INSTALLATION_ID, REPO, until, WEBHOOK_SECRET } from './harness.js';

const POLICIES = {
  'deploys.yaml': `
rules:
  - name: production-deploys
    if: { action: "deploy:production" }
    decision: route_to_human
    route:
      approvers: { permission: maintain }
      count: 1
      via: check
`,
};

/** Probot paces writes (about one a second): a decision takes seconds to show. */
const SLOW = 30_000;
const ADMIN_KEY = `agk_${'c'.repeat(43)}`;
/** Removed by its own hook, even when stopping the server times out. */
const dir = useTempDir('agentgate-checks-')();
let fake: FakeGitHub;
let server: ServerProcess;
let agent: Api;
let head: string;

beforeAll(async () => {
  fake = await new FakeGitHub().start();
  fake.addRepo(REPO, { installationId: INSTALLATION_ID, policies: POLICIES });
  fake.setPermission(REPO, 'mona', 'maintain');
  fake.setPermission(REPO, 'walt', 'write');
  head = fake.commit(REPO, 'feature', { 'src/app.ts': 'export {};\n' });
  fake.openPullRequest(REPO, { number: 3, head: 'feature' });
  server = await startServerProcess({
    APP_ID: '4243',
    PRIVATE_KEY: generatePrivateKey(),
    WEBHOOK_SECRET,
    GHE_HOST: fake.host,
    GHE_PROTOCOL: 'http',
    ADMIN_API_KEY: ADMIN_KEY,
    DATABASE_URL: join(dir, 'agentgate.db'),
    AGENTGATE_REPOSITORY: REPO,
    AGENTGATE_POLICY_DIR: join(dir, 'no-local-policies'),
  });
  agent = apiClient(server.url, ADMIN_KEY);
}, 60_000);

afterAll(async () => {
  if (process.env.DUMP_SERVER_LOG) console.log(server?.stdout(), server?.stderr());
  server?.child.kill('SIGTERM');
  await server?.exited;
  await fake?.stop();
});

/** The request's run once the request records it (clicks before that are not yet the request's). */
async function createdRunOf(id: string) {
  const url = await until(
    async () => (await agent('GET', `/api/requests/${id}`)).body.review?.url,
    'review URL',
    SLOW,
  );
  const run = fake.checkRuns(REPO).find((r) => r.external_id === id);
  expect(run?.html_url).toBe(url);
  return run as FakeCheckRun;
}

async function runOf(id: string, probe: (run: FakeCheckRun) => boolean, what: string) {
  return until(
    () => {
      const run = fake.checkRuns(REPO).find((r) => r.external_id === id);
      return run && probe(run) ? run : null;
    },
    what,
    SLOW,
  );
}

describe('agentgate serve: review on a commit', { timeout: 60_000 }, () => {
  it('check run → refused click shown → qualified click approves, wakes the agent, run succeeds', async () => {
    const created = (
      await agent('POST', '/api/requests', {
        action: 'deploy:production',
        context: { sha: head, pullRequest: 3 },
      })
    ).body;
    expect(created).toMatchObject({ status: 'pending', review: { via: 'check' } });
    const run = await createdRunOf(created.id);
    expect(run.conclusion).toBe('action_required');
    expect(run.name).toBe(`AgentGate: deploy:production (${created.id.slice(-6)})`);
    expect(run.head_sha).toBe(head);

    const waiting = agent('GET', `/api/requests/${created.id}/wait?timeout=40`);
    // A forged click is refused before anything is read.
    const forged = await deliver(server.url, 'check_run', buttonPayload(REPO, run, 'approve', 'mona'), {
      secret: 'not-the-secret',
    });
    expect(forged.status).toBe(400);

    expect((await deliver(server.url, 'check_run', buttonPayload(REPO, run, 'approve', 'walt'))).status).toBe(
      200,
    );
    await runOf(
      created.id,
      (r) => r.output.summary?.includes('@walt clicked **Approve**') ?? false,
      'the refusal',
    );
    expect((await agent('GET', `/api/requests/${created.id}`)).body.status).toBe('pending');

    const click = buttonPayload(REPO, run, 'approve', 'mona');
    const first = await deliver(server.url, 'check_run', click);
    expect(first.status).toBe(200);
    // GitHub's "Redeliver" of the same delivery changes nothing.
    expect((await deliver(server.url, 'check_run', click, { id: first.id })).status).toBe(200);
    const decided = (await waiting).body;
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'github:mona' });
    expect(decided.review.votes).toHaveLength(1);
    const done = await runOf(created.id, (r) => r.conclusion === 'success', 'the run to succeed');
    expect(done.actions).toEqual([]);
    expect(done.output.title).toBe('Approved by @mona');
  });

  it('a review requesting changes denies, and the run fails', async () => {
    const created =
      // The admin key names the pull request, so it binds it: reviews there count (DESIGN §11).
      (
        await agent('POST', '/api/requests', {
          action: 'deploy:production',
          context: { sha: head, pullRequest: 3 },
        })
      ).body;
    await createdRunOf(created.id);
    const review = fake.addReview(REPO, 3, 'mona', 'CHANGES_REQUESTED', 'Roll back first.');
    const res = await deliver(server.url, 'pull_request_review', reviewPayload(REPO, 3, head, review));
    expect(res.status).toBe(200);
    const done = await runOf(created.id, (r) => r.conclusion === 'failure', 'the run to fail');
    expect(done.output.summary).toContain('> Roll back first.');
    expect((await agent('GET', `/api/requests/${created.id}`)).body).toMatchObject({
      status: 'denied',
      decidedBy: 'github:mona',
      decisionReason: 'Roll back first.',
    });
  });
});
