/**
 * The gateway calls behind the policy check run, against the fake GitHub: a pull request's files
 * (every page), check runs with more annotations than GitHub takes in one write, and a comment
 * edited in place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectGitHub } from '../../app/adapters/github/connect-github.js';
import { createLogger } from '../../app/logger.js';
import type { CheckAnnotation, GitHubGateway } from '../../app/ports/github-gateway.js';
import { FakeGitHub } from '../fakes/fake-github.js';
import { generatePrivateKey, INSTALLATION_ID, NoRetryOctokit, REPO, WEBHOOK_SECRET } from './harness.js';

let fake: FakeGitHub;
let gateway: GitHubGateway;

beforeAll(async () => {
  fake = await new FakeGitHub().start();
  fake.addRepo(REPO, { installationId: INSTALLATION_ID, policies: { 'a.yaml': 'rules: []\n' } });
  gateway = connectGitHub(
    {
      appId: '123',
      privateKey: generatePrivateKey(),
      webhookSecret: WEBHOOK_SECRET,
      gheHost: fake.host,
      gheProtocol: 'http',
    },
    createLogger('silent'),
    { Octokit: NoRetryOctokit as any },
  ).gateway;
});
afterAll(() => fake.stop());

describe('pull request files', () => {
  it('lists every changed file across pages, with renames and removals', async () => {
    const base = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`src/f${i}.ts`, `${i}`]));
    fake.commit(REPO, 'main', { ...base, 'policies/old.yaml': 'rules: []\n' });
    fake.commit(REPO, 'many', {
      ...Object.fromEntries(Object.keys(base).map((path) => [path, 'changed'])),
      'policies/new.yaml': 'rules: []\n',
    });
    fake.openPullRequest(REPO, { number: 7, head: 'many' });
    const files = await gateway.listPullRequestFiles(REPO, 7);
    expect(files).toHaveLength(132);
    expect(files).toContainEqual({ path: 'policies/new.yaml', previousPath: null, status: 'added' });
    expect(files).toContainEqual({ path: 'policies/old.yaml', previousPath: null, status: 'removed' });
    expect(files.filter((f) => f.status === 'modified')).toHaveLength(130);
  });
});

describe('check runs', () => {
  const annotation = (i: number): CheckAnnotation => ({
    path: 'policies/a.yaml',
    startLine: i + 1,
    endLine: i + 1,
    startColumn: 3,
    endColumn: 3,
    level: i % 2 === 0 ? 'failure' : 'warning',
    message: `problem ${i}`,
    title: `title ${i}`,
  });

  it('creates a run with 120 annotations in writes of at most 50, and completes it with an update', async () => {
    const sha = fake.headOf(REPO);
    const created = await gateway.createCheckRun(REPO, {
      name: 'AgentGate policy',
      headSha: sha,
      status: 'in_progress',
      title: 'Checking',
      summary: 'Reading the policies',
      annotations: Array.from({ length: 120 }, (_, i) => annotation(i)),
    });
    const run = fake.checkRuns(REPO).find((r) => r.id === created.id);
    expect(created.url).toBe(run?.html_url);
    expect(run?.output.annotations).toHaveLength(120);
    expect(run?.output.annotations[119]).toEqual({
      path: 'policies/a.yaml',
      start_line: 120,
      end_line: 120,
      start_column: 3,
      end_column: 3,
      annotation_level: 'warning',
      message: 'problem 119',
      title: 'title 119',
    });
    const writes = fake.calls.filter((c) => c.path.includes('/check-runs'));
    expect(writes.map((c) => c.method)).toEqual(['POST', 'PATCH', 'PATCH']);

    await gateway.updateCheckRun(REPO, created.id, {
      status: 'completed',
      conclusion: 'failure',
      title: '2 errors',
      summary: 'See the annotations',
      text: 'details',
    });
    expect(run).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      output: { title: '2 errors', summary: 'See the annotations', text: 'details' },
    });
    expect(await gateway.listCheckRuns(REPO, sha, 'AgentGate policy')).toMatchObject([
      { id: created.id, status: 'completed', conclusion: 'failure' },
    ]);
  });
});

describe('comments', () => {
  it('edits a comment in place', async () => {
    const comment = await gateway.createComment(REPO, 7, 'first');
    await gateway.updateComment(REPO, comment.id, 'second');
    expect(fake.comments(REPO, 7).map((c) => c.body)).toEqual(['second']);
    await expect(gateway.updateComment(REPO, 999_999, 'x')).rejects.toMatchObject({ status: 404 });
  });
});
