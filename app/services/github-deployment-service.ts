/**
 * The app as a custom deployment protection rule (docs/deployments.md): GitHub asks about each
 * deployment to an environment the app protects, no runner waits, and the app answers later
 * through the run's callback.
 *
 * - Asked (`deployment_protection_rule.requested`, or found by reconciliation after a missed
 *   delivery): a request is made from GitHub's facts only (app/approvals/deployment-request.ts) and
 *   decided by the repository's policies like any other; routed ones are reviewed in an issue or a
 *   check run on the deployment's commit, with every rule of who may decide.
 * - Decided (by policy at once, by reviewers, by an operator, by expiry): the answer goes out
 *   through the durable outbox (job `github.answer_deployment`), queued in the decision's own
 *   transaction; a GitHub outage delays it, never loses it. An answer GitHub refuses for good
 *   (the run was cancelled meanwhile) is recorded in the audit trail and not retried.
 * - The run ended without a decision (`workflow_run.completed`, or reconciliation finds it): its
 *   pending requests end as cancelled, and nothing is answered (GitHub no longer waits).
 * - Reconciliation also re-sends a decision whose answer was lost: GitHub still waits on a run
 *   whose request was decided a while ago and has no answer queued.
 */
import {
  type DeploymentFacts,
  deploymentKey,
  deploymentOwnerId,
  deploymentPrincipal,
  deploymentRequestInput,
  factsOfRequester,
} from '../approvals/deployment-request.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import { GitHubError, type GitHubGateway } from '../ports/github-gateway.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { RequestStore } from '../ports/request-store.js';
import type { Job, JobInput, RequestRecord } from '../ports/store.js';
import { renderDeploymentAnswer } from '../render/deployment-answer.js';
import { AppError } from './app-error.js';
import { jobRequestId } from './github-job-kinds.js';
import { type JobKind, PermanentJobError } from './job-runner.js';
import type { RequestReactor, RequestService } from './request-service.js';

const DEPLOYMENT_JOBS = { answer: 'github.answer_deployment' } as const;

/** Audit events of deployment answers (actor `system:github`). */
const DEPLOYMENT_EVENTS = {
  answered: 'deployment_answered',
  refused: 'deployment_answer_refused',
  resent: 'deployment_answer_resent',
} as const;

/**
 * How long a decided request's answer may be in flight before reconciliation, finding GitHub still
 * waiting and no answer queued, sends it again (an answer just sent may not show on GitHub yet).
 */
const RESEND_AFTER_MS = 2 * 60 * 1000;
/**
 * Attempts of one answer before the job gives up (about a day and a half at the longest delay);
 * reconciliation sends a failed one again while GitHub still waits.
 */
const ANSWER_MAX_ATTEMPTS = 200;
/** Pending requests of one repository looked at per pass for runs that ended. */
const PENDING_PER_REPOSITORY = 500;

export interface DeploymentReconcileReport {
  repositories: number;
  /** Waiting workflow runs looked at. */
  runs: number;
  /** Deployments whose webhook was missed, now requested. */
  recovered: number;
  /** Decisions whose answer was lost, sent again. */
  resent: number;
  /** Pending requests of runs that ended, cancelled. */
  cancelled: number;
  failures: number;
}

export interface GitHubDeploymentServiceDeps {
  store: RequestStore & JobQueue;
  gateway: GitHubGateway;
  requests: RequestService;
  clock: Clock;
  log: Logger;
  /** This server's public URL (the request's page is linked from the answer); null: not linked. */
  serverUrl: string | null;
  onJobsQueued?: () => void;
}

const isDeployment = (request: RequestRecord) => request.requester.type === 'github_deployment';

/** The actor of a run's own requests: a request it cancelled because the run ended. */
const runActorOf = (request: RequestRecord) => deploymentPrincipal(deploymentFactsOf(request)).actor;

function deploymentFactsOf(request: RequestRecord): DeploymentFacts {
  if (request.requester.type !== 'github_deployment') {
    throw new PermanentJobError(`request ${request.id} is not a deployment`);
  }
  return factsOfRequester(request.requester);
}

export class GitHubDeploymentService {
  constructor(private readonly deps: GitHubDeploymentServiceDeps) {}

  /** Each decision of a deployment request is answered, but not a cancellation because the run ended. */
  readonly reactor: RequestReactor = {
    jobsFor: (change, request): JobInput[] =>
      change === 'decided' &&
      isDeployment(request) &&
      !(request.status === 'cancelled' && request.decidedBy === runActorOf(request))
        ? [{ kind: DEPLOYMENT_JOBS.answer, payload: { requestId: request.id } }]
        : [],
  };

  jobKinds(retry: Pick<JobKind, 'baseDelayMs' | 'maxDelayMs'> = {}): Record<string, JobKind> {
    return {
      [DEPLOYMENT_JOBS.answer]: {
        ...retry,
        maxAttempts: ANSWER_MAX_ATTEMPTS,
        handle: (job: Job) => this.answer(jobRequestId(job)),
      },
    };
  }

  /**
   * The request for a deployment GitHub asks about: created (and decided by policy) the first time,
   * the same one every later time (redelivery, reconciliation, another instance).
   */
  async request(facts: DeploymentFacts): Promise<{ request: RequestRecord; created: boolean }> {
    const { requests, log } = this.deps;
    try {
      const { request, replayed } = await requests.create(
        deploymentPrincipal(facts),
        deploymentRequestInput(facts),
        deploymentKey(facts),
      );
      if (!replayed) {
        log.info(
          {
            requestId: request.id,
            repository: facts.repository,
            environment: facts.environment,
            runId: facts.runId,
            status: request.status,
          },
          'deployment protection rule: request created',
        );
      }
      return { request, created: !replayed };
    } catch (error) {
      // The same deployment read differently (a webhook's pull requests, the API's): the first stands.
      if (error instanceof AppError && error.code === 'idempotency_conflict') {
        const existing = await this.#find(facts);
        if (existing) return { request: existing, created: false };
      }
      throw error;
    }
  }

  /** Posts a decided request's answer to its run (the outbox job). */
  async answer(requestId: string): Promise<void> {
    const { store, gateway, clock, log, serverUrl } = this.deps;
    const request = await store.getRequest(requestId);
    if (!request) throw new PermanentJobError(`request ${requestId} does not exist`);
    const facts = deploymentFactsOf(request);
    if (request.status === 'pending') throw new PermanentJobError(`request ${requestId} is not decided`);
    const answer = renderDeploymentAnswer(request, serverUrl ? `${serverUrl}/requests/${request.id}` : null);
    const details = { state: answer.state, environment: facts.environment, runId: facts.runId };
    try {
      await gateway.reviewDeployment(facts.repository, facts.runId, answer);
    } catch (error) {
      // A rate limit (403/429) or an outage is retried; any other refusal is GitHub's last word.
      if (!(error instanceof GitHubError) || error.transient || error.status === 403) throw error;
      await store.appendAudit([
        {
          requestId,
          eventType: DEPLOYMENT_EVENTS.refused,
          actor: 'system:github',
          details: { ...details, status: error.status, message: error.message.slice(0, 500) },
          createdAt: clock.now().toISOString(),
        },
      ]);
      log.warn(
        { requestId, runId: facts.runId, status: error.status },
        'GitHub refused the deployment answer (the run was probably cancelled); not retried',
      );
      return;
    }
    await store.appendAudit([
      {
        requestId,
        eventType: DEPLOYMENT_EVENTS.answered,
        actor: 'system:github',
        details,
        createdAt: clock.now().toISOString(),
      },
    ]);
    log.info({ requestId, ...details }, 'deployment answered');
  }

  /**
   * Run `runId` of `repository` ended (completed, cancelled, failed): its requests still pending end
   * as cancelled. Returns how many.
   */
  async runEnded(repository: string, runId: string, conclusion: string | null): Promise<number> {
    const { store, requests, log } = this.deps;
    const { requests: pending } = await store.listRequests({
      ownerId: deploymentOwnerId(repository, runId),
      status: 'pending',
      limit: 100,
      offset: 0,
    });
    let cancelled = 0;
    for (const request of pending) {
      const facts = deploymentFactsOf(request);
      try {
        await requests.cancel(
          deploymentPrincipal(facts),
          request.id,
          `The workflow run ended on GitHub${conclusion ? ` (${conclusion})` : ''} before a decision: there is no deployment left to approve.`,
        );
        cancelled += 1;
        log.info({ requestId: request.id, runId, conclusion }, 'deployment request cancelled: its run ended');
      } catch (error) {
        // Decided meanwhile: a decision is final, and its answer is already on its way.
        if (!(error instanceof AppError && error.code === 'conflict')) throw error;
      }
    }
    return cancelled;
  }

  /**
   * One pass over the waiting workflow runs of every installed repository (docs/deployments.md,
   * "Recovery"): a deployment to an environment protected by this app with no request gets one; a
   * decided one GitHub still waits on gets its answer again; pending requests of runs that ended are
   * cancelled.
   */
  async reconcile(): Promise<DeploymentReconcileReport> {
    const { gateway, log } = this.deps;
    const report: DeploymentReconcileReport = {
      repositories: 0,
      runs: 0,
      recovered: 0,
      resent: 0,
      cancelled: 0,
      failures: 0,
    };
    const appId = (await gateway.appIdentity()).id;
    for (const repository of await gateway.listInstalledRepositories()) {
      report.repositories += 1;
      try {
        await this.#reconcileRepository(repository, appId, report);
      } catch (error) {
        report.failures += 1;
        log.warn({ err: error, repository }, 'deployment reconciliation failed for a repository');
      }
    }
    if (report.recovered + report.resent + report.cancelled > 0) {
      log.info({ ...report }, 'deployment reconciliation recovered missed work');
    }
    return report;
  }

  async #reconcileRepository(
    repository: string,
    appId: number,
    report: DeploymentReconcileReport,
  ): Promise<void> {
    const { gateway } = this.deps;
    /** `runId:environment` (lowercase) of every deployment GitHub waits on. */
    const waiting = new Set<string>();
    const protectedByUs = new Map<string, boolean>();
    let queuedAnswers: Set<string> | null = null;
    for (const run of await gateway.listWaitingRuns(repository)) {
      report.runs += 1;
      const runId = String(run.id);
      for (const environment of await gateway.pendingDeploymentEnvironments(repository, runId)) {
        waiting.add(`${runId}:${environment.toLowerCase()}`);
        let ours = protectedByUs.get(environment.toLowerCase());
        if (ours === undefined) {
          ours = (await gateway.protectionRuleApps(repository, environment)).includes(appId);
          protectedByUs.set(environment.toLowerCase(), ours);
        }
        if (!ours) continue;
        const deployment = await gateway.latestDeployment(repository, run.headSha, environment);
        const facts: DeploymentFacts = {
          repository,
          environment,
          runId,
          deploymentId: deployment?.id ?? null,
          sha: run.headSha.toLowerCase(),
          ref: deployment?.ref ?? run.headBranch ?? run.headSha,
          actor: deployment?.creator ?? run.actor ?? 'ghost',
          event: run.event,
          pullRequests: [...new Set(run.pullRequests)].sort((a, b) => a - b),
        };
        const existing = await this.#find(facts);
        if (!existing) {
          const { created } = await this.request(facts);
          if (created) report.recovered += 1;
        } else if (existing.status !== 'pending') {
          queuedAnswers ??= await this.#queuedAnswers();
          if (await this.#resendIfLost(existing, queuedAnswers)) report.resent += 1;
        }
      }
    }
    report.cancelled += await this.#cancelEnded(repository, waiting);
  }

  /** The request of this deployment (its run, environment and deployment), if any. */
  async #find(facts: DeploymentFacts): Promise<RequestRecord | null> {
    const { requests } = await this.deps.store.listRequests({
      ownerId: deploymentOwnerId(facts.repository, facts.runId),
      limit: 100,
      offset: 0,
    });
    return (
      requests.find((request) => {
        const r = request.requester;
        return (
          r.type === 'github_deployment' &&
          r.environment.toLowerCase() === facts.environment.toLowerCase() &&
          (facts.deploymentId === null || r.deploymentId === facts.deploymentId)
        );
      }) ?? null
    );
  }

  async #queuedAnswers(): Promise<Set<string>> {
    const jobs = await this.deps.store.listJobs({
      kind: DEPLOYMENT_JOBS.answer,
      status: 'queued',
      limit: 1000,
    });
    return new Set(jobs.map((job) => String(job.payload.requestId)));
  }

  /** Queues the answer of a decided request again when GitHub still waits and none is on its way. */
  async #resendIfLost(request: RequestRecord, queued: Set<string>): Promise<boolean> {
    const { store, clock, log } = this.deps;
    if (queued.has(request.id)) return false;
    if (request.status === 'cancelled' && request.decidedBy === runActorOf(request)) return false;
    const now = clock.now();
    if (request.decidedAt && now.getTime() - Date.parse(request.decidedAt) < RESEND_AFTER_MS) return false;
    const at = now.toISOString();
    await store.enqueueJobs([{ kind: DEPLOYMENT_JOBS.answer, payload: { requestId: request.id } }], at);
    await store.appendAudit([
      {
        requestId: request.id,
        eventType: DEPLOYMENT_EVENTS.resent,
        actor: 'system:github',
        details: { status: request.status },
        createdAt: at,
      },
    ]);
    queued.add(request.id);
    log.info({ requestId: request.id }, 'GitHub still waits on a decided deployment: answering again');
    this.deps.onJobsQueued?.();
    return true;
  }

  /** Pending deployment requests whose run GitHub no longer waits on: cancelled once the run ended. */
  async #cancelEnded(repository: string, waiting: Set<string>): Promise<number> {
    const { store, gateway } = this.deps;
    const { requests: pending } = await store.listRequests({
      repository,
      status: 'pending',
      limit: PENDING_PER_REPOSITORY,
      offset: 0,
    });
    let cancelled = 0;
    for (const request of pending) {
      const r = request.requester;
      if (r.type !== 'github_deployment' || waiting.has(`${r.runId}:${r.environment.toLowerCase()}`))
        continue;
      let ended: { conclusion: string | null } | null;
      try {
        const run = await gateway.getWorkflowRun(r.repository, r.runId);
        ended = run.status === 'completed' ? run : null;
      } catch (error) {
        if (!(error instanceof GitHubError && error.status === 404)) throw error;
        ended = { conclusion: 'deleted' }; // the run is gone: nothing waits for an answer
      }
      if (ended) cancelled += await this.runEnded(r.repository, r.runId, ended.conclusion);
    }
    return cancelled;
  }
}
