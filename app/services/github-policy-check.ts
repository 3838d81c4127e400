/**
 * Policy changes reviewed as pull requests (docs/github-app.md, "Policy pull requests"). For a pull request that
 * touches `policies/`, the check run `AgentGate policy` on its head commit: the head's policy set
 * validated (each error and warning annotated on its line), the head's policy tests run, and the
 * last N requests of the repository replayed under the base and head sets. One comment per pull
 * request summarizes the impact, written only when the impact changes and edited in place.
 *
 * Runs as a durable job (GitHub writes are retried); nothing here changes the active set: only a
 * push to the default branch does (`GitHubPolicyProvider`).
 */
import type { Logger } from '../logger.js';
import {
  diffPolicyImpact,
  loadPolicySet,
  type PolicyImpact,
  type PolicyLoadResult,
  type PolicySet,
  type PolicyTestReport,
  type ReplayRequest,
  runPolicyTests,
} from '../policy/index.js';
import type { Clock } from '../ports/clock.js';
import { GitHubError, type GitHubGateway } from '../ports/github-gateway.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { RequestStore } from '../ports/request-store.js';
import type { Job, JobInput, RequestRecord } from '../ports/store.js';
import { POLICY_CHECK_NAME, renderPolicyCheck } from '../render/policy-check.js';
import { hasImpact } from '../render/policy-impact.js';
import { isImpactComment, renderImpactComment } from '../render/policy-impact-comment.js';
import { type JobKind, PermanentJobError } from './job-runner.js';

const POLICY_CHECK_JOB = 'github.policy_check';
const POLICY_DIR = 'policies';
/** Repositories checked for using the owner's shared policies when a `.github` pull request is replayed. */
const MAX_SHARED_REPOSITORIES = 30;

export interface PolicyPullRequest {
  repository: string;
  number: number;
  headSha: string;
  baseSha: string;
}

export interface GitHubPolicyCheckDeps {
  store: RequestStore & JobQueue;
  gateway: GitHubGateway;
  clock: Clock;
  log: Logger;
  /** How many past requests are replayed (default 500). */
  replayLimit?: number;
  onJobsQueued?: () => void;
}

interface EffectiveSet {
  /** The repository's own files, loaded; null when it has none there. */
  own: PolicyLoadResult | null;
  /** The set requests would be decided by; null when the own files are invalid. */
  set: PolicySet | null;
  /** Whose policies apply when the repository has none: `<owner>/.github`, or null for the built-in default. */
  fallback: string | null;
}

export class GitHubPolicyCheckService {
  readonly #replayLimit: number;

  constructor(private readonly deps: GitHubPolicyCheckDeps) {
    this.#replayLimit = deps.replayLimit ?? 500;
  }

  /** Queues the check of a pull request's head (opened, synchronized or reopened). */
  async enqueue(pull: PolicyPullRequest): Promise<void> {
    const job: JobInput = { kind: POLICY_CHECK_JOB, payload: { ...pull } };
    await this.deps.store.enqueueJobs([job], this.deps.clock.now().toISOString());
    this.deps.onJobsQueued?.();
  }

  jobKinds(retry: Pick<JobKind, 'baseDelayMs' | 'maxDelayMs' | 'maxAttempts'> = {}): Record<string, JobKind> {
    return {
      [POLICY_CHECK_JOB]: {
        ...retry,
        handle: async (job: Job) => {
          try {
            await this.check(pullOf(job), { retrying: job.attempts > 1 });
          } catch (error) {
            // Gone or refused for good (not installed, deleted, invalid): retrying cannot help.
            if (error instanceof GitHubError && !error.transient && error.status !== 403) {
              throw new PermanentJobError(error.message);
            }
            throw error;
          }
        },
      },
    };
  }

  async check(pull: PolicyPullRequest, { retrying = false } = {}): Promise<void> {
    const { gateway, log } = this.deps;
    const { repository, number, headSha, baseSha } = pull;
    const files = await gateway.listPullRequestFiles(repository, number);
    const inPolicies = (path: string | null) => path?.startsWith(`${POLICY_DIR}/`) ?? false;
    if (!files.some((f) => inPolicies(f.path) || inPolicies(f.previousPath))) return;
    // A newer push has its own job; checking an old head would only put stale results on the PR.
    const current = await gateway.getPullRequest(repository, number);
    if (current.state !== 'open' || current.headSha !== headSha) return;

    const runId = await this.#startRun(repository, headSha, retrying);
    const head = await this.#effectiveSet(repository, headSha);
    const testFiles = prefixed(
      await gateway.readYamlFiles(repository, `${POLICY_DIR}/tests`, headSha),
      'tests/',
    );
    const tests: PolicyTestReport | null = head.set ? runPolicyTests(head.set, testFiles) : null;

    let impact: PolicyImpact | null = null;
    let impactNote: string | null = null;
    const { requests, scope } = await this.#pastRequests(repository);
    if (!head.set) {
      impactNote = 'Fix the errors first: the impact on past requests is computed from a valid set.';
    } else {
      const base = await this.#effectiveSet(repository, baseSha);
      if (!base.set) {
        impactNote = `The base policies (at \`${baseSha.slice(0, 7)}\`) have errors, so there is nothing valid to compare with.`;
      } else {
        impact = diffPolicyImpact(base.set, head.set, requests, this.deps.clock.now());
      }
    }

    const output = renderPolicyCheck({
      repository,
      headSha,
      dir: POLICY_DIR,
      head: head.own,
      fallback: head.fallback,
      tests,
      impact,
      impactNote,
      scope,
    });
    await gateway.updateCheckRun(repository, runId, { status: 'completed', ...output });
    log.info(
      {
        repository,
        pullRequest: number,
        headSha,
        conclusion: output.conclusion,
        widened: impact?.widened ?? null,
      },
      'policy pull request checked',
    );
    if (impact) await this.#upsertComment(pull, impact, scope);
  }

  /** A retry reuses the run a failed attempt left in progress, rather than adding another. */
  async #startRun(repository: string, headSha: string, retrying: boolean): Promise<number> {
    const { gateway } = this.deps;
    if (retrying) {
      const runs = await gateway.listCheckRuns(repository, headSha, POLICY_CHECK_NAME);
      const open = runs.find((r) => r.status !== 'completed');
      if (open) return open.id;
    }
    const run = await gateway.createCheckRun(repository, {
      name: POLICY_CHECK_NAME,
      headSha,
      status: 'in_progress',
      title: 'Checking the policies…',
      summary: `Validating \`${POLICY_DIR}/\`, running its tests and replaying past requests under the base and the head policies.`,
    });
    return run.id;
  }

  /** The set requests would be decided by at `sha`: the repository's own files, else the owner's, else the built-in default. */
  async #effectiveSet(repository: string, sha: string): Promise<EffectiveSet> {
    const files = await this.deps.gateway.readYamlFiles(repository, POLICY_DIR, sha);
    if (files !== null && files.size > 0) {
      const own = loadPolicySet(files, { version: sha, source: `github:${repository}@${sha}` });
      return { own, set: own.policySet, fallback: null };
    }
    const shared = await this.#sharedSet(repository);
    if (shared) return { own: null, set: shared.set, fallback: shared.from };
    return { own: null, set: builtin(sha), fallback: null };
  }

  /** The valid policies of `<owner>/.github` at its default branch, when the app can read them. */
  async #sharedSet(repository: string): Promise<{ from: string; set: PolicySet } | null> {
    const from = `${ownerOf(repository)}/.github`;
    if (from.toLowerCase() === repository.toLowerCase()) return null;
    const { gateway } = this.deps;
    try {
      const { sha } = await gateway.defaultBranchHead(from);
      const files = await gateway.readYamlFiles(from, POLICY_DIR, sha);
      if (files === null || files.size === 0) return null;
      const set = loadPolicySet(files, { version: sha, source: `github:${from}@${sha}` }).policySet;
      return set ? { from, set } : null;
    } catch (error) {
      if (error instanceof GitHubError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * The newest requests the change would decide: the repository's own, or for `<owner>/.github`
   * those of the owner's repositories that have no policies of their own.
   */
  async #pastRequests(repository: string): Promise<{ requests: ReplayRequest[]; scope: string }> {
    const { store } = this.deps;
    const limit = this.#replayLimit;
    const describe = (n: number, total: number, of: string) =>
      `${n < total ? `the last ${n}` : n === 1 ? 'the 1' : `all ${n}`} request${n === 1 ? '' : 's'} of ${of}`;
    const owner = ownerOf(repository);
    if (repository.toLowerCase() !== `${owner}/.github`.toLowerCase()) {
      const { requests, total } = await store.listRequests({ repository, limit, offset: 0 });
      return { requests: requests.map(toReplay), scope: describe(requests.length, total, repository) };
    }
    const { requests } = await store.listRequests({ repositoryOwner: owner, limit, offset: 0 });
    const shared = new Map<string, boolean>();
    for (const r of requests) {
      const name = r.repository?.toLowerCase();
      if (!name || shared.has(name) || shared.size >= MAX_SHARED_REPOSITORIES) continue;
      shared.set(name, name !== repository.toLowerCase() && (await this.#usesSharedPolicies(name)));
    }
    const replayed = requests.filter((r) => shared.get(r.repository?.toLowerCase() ?? '') === true);
    const of = `${owner}'s repositories that use these shared policies`;
    return {
      requests: replayed.map(toReplay),
      scope: `${replayed.length === 1 ? 'the 1 recent request' : `the ${replayed.length} recent requests`} of ${of}`,
    };
  }

  async #usesSharedPolicies(repository: string): Promise<boolean> {
    const { gateway } = this.deps;
    try {
      const { sha } = await gateway.defaultBranchHead(repository);
      const files = await gateway.readYamlFiles(repository, POLICY_DIR, sha);
      return files === null || files.size === 0;
    } catch (error) {
      if (error instanceof GitHubError && error.status === 404) return false;
      throw error;
    }
  }

  /** One comment per pull request: created when there is an impact, edited only when it changes. */
  async #upsertComment(pull: PolicyPullRequest, impact: PolicyImpact, scope: string): Promise<void> {
    const { gateway } = this.deps;
    const comments = await gateway.listComments(pull.repository, pull.number);
    const mine = comments.find((c) => c.user.type === 'Bot' && isImpactComment(c.body));
    const body = renderImpactComment(impact, { dir: POLICY_DIR, scope });
    if (mine) {
      if (mine.body !== body) await gateway.updateComment(pull.repository, mine.id, body);
      return;
    }
    if (hasImpact(impact)) await gateway.createComment(pull.repository, pull.number, body);
  }
}

function pullOf(job: Job): PolicyPullRequest {
  const { repository, number, headSha, baseSha } = job.payload as Partial<PolicyPullRequest>;
  if (
    typeof repository !== 'string' ||
    typeof number !== 'number' ||
    typeof headSha !== 'string' ||
    typeof baseSha !== 'string'
  ) {
    throw new PermanentJobError('policy check job payload is incomplete');
  }
  return { repository, number, headSha, baseSha };
}

function toReplay(record: RequestRecord): ReplayRequest {
  return {
    id: record.id,
    createdAt: record.createdAt,
    action: record.action,
    params: record.params,
    context: record.context,
    urgency: record.urgency,
    repository: record.repository,
    requester: record.requester,
  };
}

function prefixed(files: Map<string, string> | null, prefix: string): Map<string, string> {
  return new Map([...(files ?? new Map<string, string>())].map(([name, text]) => [`${prefix}${name}`, text]));
}

function ownerOf(repository: string): string {
  return repository.split('/')[0] as string;
}

function builtin(version: string): PolicySet {
  const set = loadPolicySet(new Map(), { version, source: 'builtin' }).policySet;
  if (!set) throw new Error('the built-in default policy set is invalid');
  return set;
}
