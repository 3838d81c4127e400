/**
 * Policy changes reviewed as pull requests (docs/github-app.md, "Policy pull requests"). For a pull request that
 * touches `policies/`, the check run `AgentGate policy` on its head commit: the head's policy set
 * validated (each error and warning annotated on its line), the head's policy tests run, and the
 * last N requests of the repository replayed under the base and head sets. One comment per pull
 * request summarizes the impact, written only when the impact changes and edited in place.
 *
 * What a pull request shows is published to whoever can read it: the impact is counts only (no
 * request id, params, context or requester ever reaches the report: replayed requests carry no id
 * and no examples are kept); a `<owner>/.github` pull request, replaying other repositories'
 * requests, shows counts per decision change alone; a pull request from a fork, and a merge-queue
 * commit, get validation and tests and no impact report. The comment is found by the app's own
 * login (`<slug>[bot]`), never by the marker alone.
 *
 * Runs as a durable job (GitHub writes are retried); when it fails for good or its retries give
 * up, the run is completed as `failure` with the error, never left in progress. Nothing here
 * changes the active set: only a push to the default branch does (`GitHubPolicyProvider`).
 */
import type { Logger } from '../logger.js';
import {
  diffPolicyImpact,
  type PolicyImpact,
  type PolicyTestReport,
  runPolicyTests,
} from '../policy/index.js';
import type { Clock } from '../ports/clock.js';
import { GitHubError, type GitHubGateway } from '../ports/github-gateway.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { RequestStore } from '../ports/request-store.js';
import type { Job, JobInput } from '../ports/store.js';
import { POLICY_CHECK_NAME, renderPolicyCheck } from '../render/policy-check.js';
import { hasImpact } from '../render/policy-impact.js';
import { isImpactComment, renderImpactComment } from '../render/policy-impact-comment.js';
import {
  GitHubPolicySets,
  isSharedRepository,
  POLICY_DIR,
  type ReplayProgress,
} from './github-policy-sets.js';
import { type JobKind, PermanentJobError } from './job-runner.js';

const POLICY_CHECK_JOB = 'github.policy_check';

export interface PolicyPullRequest {
  repository: string;
  number: number;
  headSha: string;
  /** The base to compare with; null: the pull request's base as GitHub says now (a re-run). */
  baseSha: string | null;
  /** A merge-queue commit made for this pull request (`headSha`): validation and tests only. */
  mergeGroup?: boolean;
  /** Report into this run (the one someone clicked "Re-run" on) rather than a new one. */
  runId?: number | null;
}

/** How far a check got, so a job that gives up can complete its run with the error. */
interface Progress extends ReplayProgress {
  runId: number | null;
  /** The pull request touches `policies/`: a run belongs on it. */
  touchesPolicies: boolean;
  /** The run is completed: what fails after (the comment) does not touch it. */
  completed: boolean;
}

const MAX_ATTEMPTS = 8;

export interface GitHubPolicyCheckDeps {
  store: RequestStore & JobQueue;
  gateway: GitHubGateway;
  clock: Clock;
  log: Logger;
  /** How many past requests are replayed (default 500). */
  replayLimit?: number;
  onJobsQueued?: () => void;
}

export class GitHubPolicyCheckService {
  readonly #sets: GitHubPolicySets;

  constructor(private readonly deps: GitHubPolicyCheckDeps) {
    this.#sets = new GitHubPolicySets({
      store: deps.store,
      gateway: deps.gateway,
      replayLimit: deps.replayLimit ?? 500,
    });
  }

  /** Queues the check of a pull request's head (opened, synchronized or reopened). */
  async enqueue(pull: PolicyPullRequest): Promise<void> {
    const job: JobInput = { kind: POLICY_CHECK_JOB, payload: { ...pull } };
    await this.deps.store.enqueueJobs([job], this.deps.clock.now().toISOString());
    this.deps.onJobsQueued?.();
  }

  /**
   * "Re-run" on an `AgentGate policy` run (or "Re-run all checks" on its commit): the check runs
   * again into that run. Which pull request it is comes from the run's `external_id`, which only
   * this app sets (`pull:<n>`, `merge-group:<n>:<base sha>`), else from the pull requests GitHub
   * lists on the run. False when it names none.
   */
  async rerun(
    repository: string,
    run: { id: number; headSha: string; externalId: string | null; pullRequests?: readonly number[] },
  ): Promise<boolean> {
    const target = parseRunExternalId(run.externalId);
    const number = target?.number ?? run.pullRequests?.[0];
    if (number === undefined) return false;
    await this.enqueue({
      repository,
      number,
      headSha: run.headSha,
      baseSha: target?.baseSha ?? null,
      mergeGroup: target?.mergeGroup ?? false,
      runId: run.id,
    });
    return true;
  }

  jobKinds(retry: Pick<JobKind, 'baseDelayMs' | 'maxDelayMs' | 'maxAttempts'> = {}): Record<string, JobKind> {
    const maxAttempts = retry.maxAttempts ?? MAX_ATTEMPTS;
    return {
      [POLICY_CHECK_JOB]: {
        ...retry,
        maxAttempts,
        handle: async (job: Job) => {
          const pull = pullOf(job);
          const progress: Progress = {
            runId: null,
            touchesPolicies: false,
            completed: false,
            stage: 'listing the files of the pull request',
            foreign: false,
          };
          try {
            await this.check(pull, { retrying: job.attempts > 1, progress });
          } catch (error) {
            // Gone or refused for good (not installed, deleted, invalid): retrying cannot help.
            const permanent =
              error instanceof PermanentJobError ||
              (error instanceof GitHubError && !error.transient && error.status !== 403);
            if (permanent || job.attempts >= maxAttempts) await this.#giveUp(pull, progress, error);
            if (permanent) throw new PermanentJobError((error as Error).message);
            throw error;
          }
        },
      },
    };
  }

  async check(
    pull: PolicyPullRequest,
    { retrying = false, progress = newProgress() }: { retrying?: boolean; progress?: Progress } = {},
  ): Promise<void> {
    const { gateway, log } = this.deps;
    const { repository, number, headSha } = pull;
    const files = await gateway.listPullRequestFiles(repository, number);
    const inPolicies = (path: string | null) => path?.startsWith(`${POLICY_DIR}/`) ?? false;
    if (!files.some((f) => inPolicies(f.path) || inPolicies(f.previousPath))) return;
    progress.stage = 'reading the pull request';
    const current = await gateway.getPullRequest(repository, number);
    // A newer push has its own job; checking an old head would only put stale results on the PR.
    // A merge-queue commit is checked while its pull request waits in the queue.
    if (current.state !== 'open' || (!pull.mergeGroup && current.headSha !== headSha)) return;
    const baseSha = pull.baseSha ?? current.baseSha;
    const fromFork = current.headRepository?.toLowerCase() !== repository.toLowerCase();
    progress.touchesPolicies = true;

    progress.stage = 'starting the check run';
    const runId = await this.#startRun(pull, retrying);
    progress.runId = runId;
    progress.stage = 'reading the policies at the head commit';
    const head = await this.#sets.effectiveSet(repository, headSha, progress);
    progress.stage = 'running the policy tests';
    const testFiles = prefixed(
      await gateway.readYamlFiles(repository, `${POLICY_DIR}/tests`, headSha),
      'tests/',
    );
    const tests: PolicyTestReport | null = head.set ? runPolicyTests(head.set, testFiles) : null;

    let impact: PolicyImpact | null = null;
    let impactNote: string | null = null;
    let scope = '';
    const shared = isSharedRepository(repository);
    if (pull.mergeGroup) {
      impactNote =
        'Not replayed on a merge-queue commit: the pull request’s own `AgentGate policy` check showed the impact.';
    } else if (fromFork) {
      impactNote =
        'No impact report for a pull request from a fork: past requests are not replayed where anyone can open a pull request. A maintainer can run `agentgate policy diff` with the requests from `agentgate list --json`.';
    } else if (!head.set) {
      impactNote = 'Fix the errors first: the impact on past requests is computed from a valid set.';
    } else {
      progress.stage = 'replaying past requests';
      const past = await this.#sets.pastRequests(repository, progress);
      scope = past.scope;
      progress.stage = 'reading the base policies';
      const base = await this.#sets.effectiveSet(repository, baseSha, progress);
      if (!base.set) {
        impactNote = `The base policies (at \`${baseSha.slice(0, 7)}\`) have errors, so there is nothing valid to compare with.`;
      } else {
        // No examples: a pull request shows counts, never a request's id or params.
        impact = diffPolicyImpact(base.set, head.set, past.requests, this.deps.clock.now(), { examples: 0 });
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
      countsOnly: shared,
    });
    progress.stage = 'completing the check run';
    progress.foreign = false;
    await gateway.updateCheckRun(repository, runId, { status: 'completed', ...output });
    progress.completed = true;
    log.info(
      {
        repository,
        pullRequest: number,
        headSha,
        mergeGroup: pull.mergeGroup === true,
        fromFork,
        conclusion: output.conclusion,
        widened: impact?.widened ?? null,
      },
      'policy pull request checked',
    );
    if (impact) await this.#upsertComment(pull, impact, scope, shared);
  }

  /** Retries and re-runs report into one run: the one clicked, else one a failed attempt left open, else a new one. */
  async #startRun(pull: PolicyPullRequest, retrying: boolean): Promise<number> {
    const { gateway } = this.deps;
    const { repository, headSha } = pull;
    const started = {
      status: 'in_progress' as const,
      title: 'Checking the policies…',
      summary: pull.mergeGroup
        ? `Validating \`${POLICY_DIR}/\` and running its tests on this merge-queue commit.`
        : `Validating \`${POLICY_DIR}/\`, running its tests and replaying past requests under the base and the head policies.`,
    };
    if (pull.runId) {
      try {
        await gateway.updateCheckRun(repository, pull.runId, started);
        return pull.runId;
      } catch (error) {
        if (!(error instanceof GitHubError && error.status === 404)) throw error;
      }
    }
    if (retrying) {
      const runs = await gateway.listCheckRuns(repository, headSha, POLICY_CHECK_NAME);
      const open = runs.find((r) => r.status !== 'completed');
      if (open) return open.id;
    }
    const run = await gateway.createCheckRun(repository, {
      name: POLICY_CHECK_NAME,
      headSha,
      ...started,
      externalId: runExternalId(pull),
    });
    return run.id;
  }

  /**
   * The job failed for good or its retries ran out: the run (created now if it never was) is
   * completed as `failure` with what went wrong — a required check must not pass (`neutral`
   * would) on a change nobody could check, nor stay in progress. "Re-run" tries again.
   */
  async #giveUp(pull: PolicyPullRequest, progress: Progress, error: unknown): Promise<void> {
    if (progress.completed || (!progress.touchesPolicies && progress.runId === null)) return;
    const { gateway, log } = this.deps;
    const why =
      error instanceof GitHubError
        ? progress.foreign
          ? `GitHub answered ${error.status || 'nothing (unreachable)'} for a repository that uses these shared policies`
          : error.message
        : 'an internal error (the server’s log has it)';
    const output = {
      status: 'completed' as const,
      conclusion: 'failure' as const,
      title: 'AgentGate could not check the policies',
      summary: [
        `AgentGate could not finish this check while ${progress.stage}: ${why}`,
        '',
        'This is not a verdict on the change: nothing was decided about it. Click **Re-run** to try again.',
      ].join('\n'),
    };
    try {
      if (progress.runId !== null) {
        await gateway.updateCheckRun(pull.repository, progress.runId, output);
      } else {
        await gateway.createCheckRun(pull.repository, {
          name: POLICY_CHECK_NAME,
          headSha: pull.headSha,
          ...output,
          externalId: runExternalId(pull),
        });
      }
    } catch (failure) {
      log.error(
        { err: failure, repository: pull.repository, pullRequest: pull.number },
        'could not complete the policy check run with its error',
      );
    }
  }

  /**
   * One comment per pull request: created when there is an impact, edited only when it changes.
   * Ours is the one this app wrote (its bot login): anyone can paste the marker into a comment,
   * and such a comment is neither edited nor taken for ours.
   */
  async #upsertComment(
    pull: PolicyPullRequest,
    impact: PolicyImpact,
    scope: string,
    countsOnly: boolean,
  ): Promise<void> {
    const { gateway } = this.deps;
    const { botLogin } = await gateway.appIdentity();
    const comments = await gateway.listComments(pull.repository, pull.number);
    const mine = comments.find(
      (c) =>
        c.user.type === 'Bot' &&
        c.user.login.toLowerCase() === botLogin.toLowerCase() &&
        isImpactComment(c.body),
    );
    const body = renderImpactComment(impact, { dir: POLICY_DIR, scope, countsOnly });
    if (mine) {
      if (mine.body !== body) await gateway.updateComment(pull.repository, mine.id, body);
      return;
    }
    if (hasImpact(impact)) await gateway.createComment(pull.repository, pull.number, body);
  }
}

function pullOf(job: Job): PolicyPullRequest {
  const { repository, number, headSha, baseSha, mergeGroup, runId } =
    job.payload as Partial<PolicyPullRequest>;
  if (
    typeof repository !== 'string' ||
    typeof number !== 'number' ||
    typeof headSha !== 'string' ||
    (typeof baseSha !== 'string' && baseSha !== null)
  ) {
    throw new PermanentJobError('policy check job payload is incomplete');
  }
  return {
    repository,
    number,
    headSha,
    baseSha,
    mergeGroup: mergeGroup === true,
    runId: typeof runId === 'number' ? runId : null,
  };
}

function newProgress(): Progress {
  return { runId: null, touchesPolicies: false, completed: false, stage: 'checking', foreign: false };
}

/** What the run is for, kept on the run itself (only this app can set it): what a re-run checks again. */
function runExternalId(pull: PolicyPullRequest): string {
  return pull.mergeGroup ? `merge-group:${pull.number}:${pull.baseSha ?? ''}` : `pull:${pull.number}`;
}

function parseRunExternalId(
  externalId: string | null,
): { number: number; baseSha: string | null; mergeGroup: boolean } | null {
  const match = /^(pull|merge-group):(\d+)(?::([0-9a-f]{40}))?$/.exec(externalId ?? '');
  if (!match) return null;
  const number = Number(match[2]);
  if (!Number.isSafeInteger(number) || number < 1) return null;
  return { number, baseSha: match[3] ?? null, mergeGroup: match[1] === 'merge-group' };
}

function prefixed(files: Map<string, string> | null, prefix: string): Map<string, string> {
  return new Map([...(files ?? new Map<string, string>())].map(([name, text]) => [`${prefix}${name}`, text]));
}
