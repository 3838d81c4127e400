/**
 * Merge queues (docs/github-app.md, "Merge queues"). A branch that requires `AgentGate: <action>`
 * also needs it on the commit the merge queue makes for a pull request (`merge_group` event,
 * `gh-readonly-queue/<base>/pr-<n>-<sha>`). The decision is carried over from the pull request's
 * head: every request gated on that head gets a check run of the same name on the merge-queue
 * commit, with the same conclusion — `in_progress` while pending (the queue waits for it), completed
 * when the request is decided. Nobody votes there: the run links the one on the pull request.
 *
 * Each copy is recorded in the request's audit trail (`reflected`, `what: merge_group_check_run`),
 * which is how the decision finds the copies to complete, and how a retried or redelivered event
 * updates a copy rather than adding one. The `AgentGate policy` check runs on the merge-queue
 * commit too when the pull request touches `policies/`.
 */
import { reviewedOnCommit } from '../approvals/check-target.js';
import { parseMergeQueueRef } from '../approvals/merge-queue-ref.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubLinkStore } from '../ports/github-link-store.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { RequestStore } from '../ports/request-store.js';
import type { GitHubCheckRunLink, Job, RequestRecord } from '../ports/store.js';
import { checkRunName } from '../render/check-run-output.js';
import { renderMergeGroupCheck } from '../render/merge-group-check.js';
import { jobRequestId, withGitHubRetryPolicy } from './github-job-kinds.js';
import type { GitHubPolicyCheckService } from './github-policy-check.js';
import { type JobKind, PermanentJobError } from './job-runner.js';
import { PerKeyQueue } from './per-key-queue.js';
import type { RequestReactor } from './request-service.js';

const MERGE_QUEUE_JOBS = {
  carryOver: 'github.merge_group_checks',
  refresh: 'github.merge_group_refresh',
} as const;

const COPY = 'merge_group_check_run';
/** Audit entries read back to find a request's copies. */
const AUDIT_READ = 500;

/** A `merge_group.checks_requested` event. */
export interface MergeGroup {
  repository: string;
  /** The merge-queue commit. */
  headSha: string;
  /** `refs/heads/gh-readonly-queue/<base>/pr-<n>-<sha>`. */
  headRef: string;
  /** Its parent, the base the policy check compares with; null: do not run the policy check. */
  baseSha: string | null;
}

/** A request's check run on a merge-queue commit. */
interface Copy {
  repository: string;
  headSha: string;
  pullRequest: number;
  checkRunId: number;
}

export interface GitHubMergeQueueDeps {
  store: RequestStore & JobQueue & GitHubLinkStore;
  gateway: GitHubGateway;
  policyChecks: GitHubPolicyCheckService;
  clock: Clock;
  log: Logger;
  onJobsQueued?: () => void;
}

export class GitHubMergeQueueService {
  readonly #queue = new PerKeyQueue();

  constructor(private readonly deps: GitHubMergeQueueDeps) {}

  /** A decided request completes its copies (none: nothing is asked of GitHub). */
  readonly reactor: RequestReactor = {
    jobsFor: (change, request) =>
      change === 'decided' && reviewedOnCommit(request)
        ? [{ kind: MERGE_QUEUE_JOBS.refresh, payload: { requestId: request.id } }]
        : [],
  };

  async enqueue(group: MergeGroup): Promise<void> {
    await this.#queueJob(MERGE_QUEUE_JOBS.carryOver, { ...group });
  }

  /** "Re-run" on a copy: it is rewritten from the stored state. False when the run is no copy. */
  async handleRerun(repository: string, requestId: string, checkRunId: number): Promise<boolean> {
    const copies = await this.#copies(requestId);
    if (!copies.some((c) => c.checkRunId === checkRunId && same(c.repository, repository))) return false;
    await this.#queueJob(MERGE_QUEUE_JOBS.refresh, { requestId });
    return true;
  }

  jobKinds(retry: Pick<JobKind, 'baseDelayMs' | 'maxDelayMs' | 'maxAttempts'> = {}): Record<string, JobKind> {
    return withGitHubRetryPolicy({
      [MERGE_QUEUE_JOBS.carryOver]: {
        ...retry,
        handle: (job) => this.carryOver(groupOf(job), { retrying: job.attempts > 1 }),
      },
      [MERGE_QUEUE_JOBS.refresh]: {
        ...retry,
        handle: (job) => this.refresh(jobRequestId(job)),
      },
    });
  }

  /** Copies the check runs of the requests gated on the queued pull request's head to the merge-queue commit. */
  async carryOver(group: MergeGroup, { retrying = false } = {}): Promise<void> {
    const { gateway, store, log } = this.deps;
    const queued = parseMergeQueueRef(group.headRef);
    if (!queued) {
      log.warn({ repository: group.repository, headRef: group.headRef }, 'merge group ref not understood');
      return;
    }
    const pull = await gateway.getPullRequest(group.repository, queued.pullRequest);
    const links = await store.findGitHubCheckRuns(group.repository, pull.headSha);
    for (const link of links) {
      await this.#serial(link.requestId, () => this.#copy(link, group, queued.pullRequest, retrying));
    }
    log.info(
      {
        repository: group.repository,
        pullRequest: queued.pullRequest,
        headSha: group.headSha,
        runs: links.length,
      },
      'merge group: decisions carried over',
    );
    if (group.baseSha !== null) {
      await this.deps.policyChecks.enqueue({
        repository: group.repository,
        number: queued.pullRequest,
        headSha: group.headSha,
        baseSha: group.baseSha,
        mergeGroup: true,
      });
    }
  }

  /** Rewrites every copy of a request from its stored state (after its decision, or a re-run). */
  refresh(requestId: string): Promise<void> {
    return this.#serial(requestId, async () => {
      const request = await this.deps.store.getRequest(requestId);
      const link = await this.deps.store.getGitHubCheckRun(requestId);
      if (!request || !link) return;
      for (const copy of await this.#copies(requestId)) await this.#write(request, link, copy);
    });
  }

  async #copy(link: GitHubCheckRunLink, group: MergeGroup, pullRequest: number, retrying: boolean) {
    const { gateway, store, clock } = this.deps;
    const request = await store.getRequest(link.requestId);
    if (!request) return;
    const existing = (await this.#copies(request.id)).find(
      (c) => c.headSha === group.headSha.toLowerCase() && same(c.repository, group.repository),
    );
    if (existing) {
      await this.#write(request, link, existing);
      return;
    }
    const name = checkRunName(request.action, request.id);
    let checkRunId: number | null = null;
    let url = '';
    if (retrying) {
      // GitHub may have created the run and still answered with an error.
      const runs = await gateway.listCheckRuns(group.repository, group.headSha, name);
      const found = runs.find((r) => r.externalId === request.id);
      if (found) ({ id: checkRunId, url } = found);
    }
    if (checkRunId === null) {
      const created = await gateway.createCheckRun(group.repository, {
        name,
        headSha: group.headSha,
        ...renderMergeGroupCheck({ request, original: link, pullRequest }),
        externalId: request.id,
        ...(link.url && { detailsUrl: link.url }),
      });
      ({ id: checkRunId, url } = created);
    }
    const copy: Copy = {
      repository: group.repository,
      headSha: group.headSha.toLowerCase(),
      pullRequest,
      checkRunId,
    };
    await store.appendAudit([
      {
        requestId: request.id,
        eventType: 'reflected',
        actor: 'system:github',
        details: { channel: 'github', what: COPY, ...copy, checkRun: url },
        createdAt: clock.now().toISOString(),
      },
    ]);
    // Decided while the copy was made: the decision's refresh may have looked before it was recorded.
    const now = await store.getRequest(request.id);
    if (now && now.status !== request.status) await this.#write(now, link, copy);
  }

  async #write(request: RequestRecord, link: GitHubCheckRunLink, copy: Copy): Promise<void> {
    await this.deps.gateway.updateCheckRun(copy.repository, copy.checkRunId, {
      ...renderMergeGroupCheck({ request, original: link, pullRequest: copy.pullRequest }),
    });
  }

  /** The request's copies, from its audit trail (one per merge-queue commit). */
  async #copies(requestId: string): Promise<Copy[]> {
    const entries = await this.deps.store.listAudit({
      requestId,
      eventType: 'reflected',
      limit: AUDIT_READ,
      offset: 0,
    });
    const copies = new Map<number, Copy>();
    for (const { details } of entries) {
      const d = details as Partial<Copy> & { what?: unknown };
      if (
        d.what !== COPY ||
        typeof d.repository !== 'string' ||
        typeof d.headSha !== 'string' ||
        typeof d.pullRequest !== 'number' ||
        typeof d.checkRunId !== 'number'
      ) {
        continue;
      }
      copies.set(d.checkRunId, {
        repository: d.repository,
        headSha: d.headSha,
        pullRequest: d.pullRequest,
        checkRunId: d.checkRunId,
      });
    }
    return [...copies.values()];
  }

  async #queueJob(kind: string, payload: Record<string, unknown>): Promise<void> {
    await this.deps.store.enqueueJobs([{ kind, payload }], this.deps.clock.now().toISOString());
    this.deps.onJobsQueued?.();
  }

  #serial(requestId: string, work: () => Promise<void>): Promise<void> {
    return this.#queue.run(requestId, work);
  }
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function groupOf(job: Job): MergeGroup {
  const { repository, headSha, headRef, baseSha } = job.payload as Partial<MergeGroup>;
  if (
    typeof repository !== 'string' ||
    typeof headSha !== 'string' ||
    typeof headRef !== 'string' ||
    (typeof baseSha !== 'string' && baseSha !== null)
  ) {
    throw new PermanentJobError('merge group job payload is incomplete');
  }
  return { repository, headSha, headRef, baseSha };
}
