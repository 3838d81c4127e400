/**
 * The `AgentGate policy` check when GitHub keeps failing: each retry reports into the run the first
 * attempt created, and when the retries run out the run is completed as `failure` with the error —
 * never left in progress. The job runner and a memory store are real; GitHub is a small stub that
 * answers 502 to every read of the policies.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createMemoryStore } from '../../app/adapters/memory/memory-store.js';
import { createLogger } from '../../app/logger.js';
import {
  type CheckRunInput,
  type GitHubCheckRun,
  GitHubError,
  type GitHubGateway,
} from '../../app/ports/github-gateway.js';
import { GitHubPolicyCheckService } from '../../app/services/github-policy-check.js';
import { JobRunner } from '../../app/services/job-runner.js';
import { ManualClock } from '../helpers/manual-clock.js';

const REPO = 'acme/payments';
const HEAD = 'a'.repeat(40);

let store: ReturnType<typeof createMemoryStore>;
afterEach(() => store.close());

let writes: Array<{ kind: 'create' | 'update'; input: Partial<CheckRunInput> }>;
let run: GitHubCheckRun | null;

const gateway = {
  listPullRequestFiles: async () => [{ path: 'policies/main.yaml', previousPath: null, status: 'modified' }],
  getPullRequest: async () => ({
    number: 5,
    htmlUrl: '',
    state: 'open',
    headSha: HEAD,
    baseSha: 'b'.repeat(40),
    author: { login: 'octocat', type: 'User' },
    headRepository: REPO,
  }),
  createCheckRun: async (_repo: string, input: CheckRunInput) => {
    writes.push({ kind: 'create', input });
    run = {
      id: 1,
      name: input.name,
      headSha: HEAD,
      url: '',
      externalId: input.externalId ?? null,
      status: 'in_progress',
      conclusion: null,
    };
    return { id: 1, url: '' };
  },
  updateCheckRun: async (_repo: string, _id: number, input: Partial<CheckRunInput>) => {
    writes.push({ kind: 'update', input });
    if (run && input.status === 'completed') run.status = 'completed';
  },
  listCheckRuns: async () => (run ? [run] : []),
  readYamlFiles: async () => {
    throw new GitHubError(502, `Could not read policies/ of ${REPO}: GitHub answered 502: Bad Gateway`);
  },
} as unknown as GitHubGateway;

beforeEach(() => {
  store = createMemoryStore();
  writes = [];
  run = null;
});

it('completes the run as failure with the error once the retries run out', async () => {
  const clock = new ManualClock();
  const log = createLogger('silent');
  const checks = new GitHubPolicyCheckService({ store, gateway, clock, log });
  const runner = new JobRunner({ store, clock, log, random: () => 0.5 });
  for (const [kind, config] of Object.entries(checks.jobKinds({ maxAttempts: 3, baseDelayMs: 1000 }))) {
    runner.register(kind, config);
  }
  await checks.enqueue({ repository: REPO, number: 5, headSha: HEAD, baseSha: 'b'.repeat(40) });
  for (let attempt = 1; attempt <= 3; attempt++) {
    expect(await runner.runOnce()).toBe(1);
    const completed = writes.filter((w) => w.input.status === 'completed');
    // Until the last attempt the run stays in progress, to be completed by a retry.
    expect(completed).toHaveLength(attempt === 3 ? 1 : 0);
    clock.advance(60_000);
  }
  expect(writes.filter((w) => w.kind === 'create')).toHaveLength(1);
  const last = writes.at(-1)?.input;
  expect(last).toMatchObject({
    status: 'completed',
    conclusion: 'failure',
    title: 'AgentGate could not check the policies',
  });
  expect(last?.summary).toContain('while reading the policies at the head commit');
  expect(last?.summary).toContain('GitHub answered 502');
  expect(await store.listJobs({ status: 'failed', limit: 5 })).toHaveLength(1);
});
