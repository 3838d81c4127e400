/**
 * The check run of a request reviewed on a commit (docs/github-app.md, "Review on a commit"), from creation to its
 * conclusion. Like the issue flow, every write to GitHub is a job queued with the request change
 * (the outbox), so GitHub being down never loses a review; jobs of one request run one at a time;
 * each job is safe to run again: before a retry creates a run, this app's runs named
 * `AgentGate: <action> (<short id>)` on the commit are searched for the request's `external_id`
 * (GitHub may create the run and still answer 5xx; the HTTP client never retries the creation
 * itself). A commit GitHub refuses (not in the repository) moves the review to an issue, which says
 * why. A decided request's run always ends completed with the decision's conclusion: when GitHub
 * refuses the full output for good, a bare one is written instead.
 */

import { boundPullRequestOf, checkTargetOf, reviewedOnCommit } from '../approvals/check-target.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import { GitHubError, type GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubLinkStore } from '../ports/github-link-store.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { PolicyProvider } from '../ports/policy-provider.js';
import type { RequestStore } from '../ports/request-store.js';
import type { AuditEventInput, GitHubCheckRunLink, RequestRecord } from '../ports/store.js';
import {
  type CheckRunOutput,
  checkRunName,
  type RefusedVote,
  renderBareCheckRun,
  renderCheckRun,
} from '../render/check-run-output.js';
import { checkRunDetailsUrl, consoleRequestUrl } from '../render/github-links.js';
import { GITHUB_JOBS } from './github-issue-service.js';
import { jobRequestId, reviewSurfaceReactor, withGitHubRetryPolicy } from './github-job-kinds.js';
import { type JobKind, PermanentJobError } from './job-runner.js';
import { PerKeyQueue } from './per-key-queue.js';
import type { RequestReactor, RequestService } from './request-service.js';
import { ruleDescriptionsOf } from './rule-descriptions.js';

const CHECK_JOBS = {
  createCheckRun: 'github.create_check_run',
  updateCheckRun: 'github.update_check_run',
  reflectCheckRun: 'github.reflect_check_run',
} as const;

/** Refused votes read back from the audit trail to show on the run. */
const REFUSALS_READ = 200;

/** Compare-and-set misses in a row (votes landing meanwhile) before a review write gives up. */
const MAX_REVIEW_RETRIES = 20;

export interface GitHubCheckServiceDeps {
  store: RequestStore & JobQueue & GitHubLinkStore;
  gateway: GitHubGateway;
  requests: RequestService;
  policies: PolicyProvider;
  clock: Clock;
  log: Logger;
  serverUrl: string | null;
  /** GitHub's web address (`githubWebUrl`): the run's details link and the links it shows. */
  githubUrl: string;
  onJobsQueued?: () => void;
}

export class GitHubCheckService {
  readonly #queue = new PerKeyQueue();

  constructor(private readonly deps: GitHubCheckServiceDeps) {}

  /** Jobs queued with each change of a request reviewed on a commit. */
  readonly reactor: RequestReactor = reviewSurfaceReactor(reviewedOnCommit, {
    create: CHECK_JOBS.createCheckRun,
    progress: CHECK_JOBS.updateCheckRun,
    reflect: CHECK_JOBS.reflectCheckRun,
  });

  jobKinds(retry: Pick<JobKind, 'baseDelayMs' | 'maxDelayMs' | 'maxAttempts'> = {}): Record<string, JobKind> {
    return withGitHubRetryPolicy({
      [CHECK_JOBS.createCheckRun]: {
        ...retry,
        handle: (job) =>
          this.ensureCheckRun(jobRequestId(job), {
            retrying: job.attempts > 1,
            rerun: job.payload.rerun === true,
          }),
      },
      [CHECK_JOBS.updateCheckRun]: { ...retry, handle: (job) => this.showProgress(jobRequestId(job)) },
      [CHECK_JOBS.reflectCheckRun]: { ...retry, handle: (job) => this.reflectDecision(jobRequestId(job)) },
    });
  }

  /** Queues a refresh of the run (a refused click shows on it: GitHub gives the clicker no other answer). */
  async queueRefresh(requestId: string): Promise<void> {
    await this.deps.store.enqueueJobs(
      [{ kind: CHECK_JOBS.updateCheckRun, payload: { requestId } }],
      this.deps.clock.now().toISOString(),
    );
    this.deps.onJobsQueued?.();
  }

  /**
   * Someone clicked "Re-run" on a request's run (or "Re-run all checks" on its commit): the same
   * run is rewritten from the stored state — the request decides what it shows, and it keeps one
   * run. False when the run is not a request's of this repository.
   */
  async handleRerun(repository: string, requestId: string): Promise<boolean> {
    const link = await this.deps.store.getGitHubCheckRun(requestId);
    if (!link || link.repository.toLowerCase() !== repository.toLowerCase()) return false;
    const request = await this.deps.store.getRequest(requestId);
    if (!request) return false;
    const kind = request.status === 'pending' ? CHECK_JOBS.updateCheckRun : CHECK_JOBS.reflectCheckRun;
    await this.deps.store.enqueueJobs(
      [{ kind, payload: { requestId } }],
      this.deps.clock.now().toISOString(),
    );
    this.deps.onJobsQueued?.();
    return true;
  }

  /** Creates the request's check run unless it exists (or, for a re-run, a new one), and records its URL. */
  ensureCheckRun(
    requestId: string,
    { retrying = true, rerun = false }: { retrying?: boolean; rerun?: boolean } = {},
  ): Promise<void> {
    return this.#serial(requestId, async () => {
      const request = await this.#request(requestId);
      if (!reviewedOnCommit(request)) return;
      let link = await this.deps.store.getGitHubCheckRun(requestId);
      // A retry first looks for the run the earlier attempt may have created: for a re-run, one
      // newer than the run it replaces.
      const found = retrying && (!link || rerun) ? await this.#find(request, link?.checkRunId ?? 0) : null;
      if (found) {
        link = found;
      } else if (!link || rerun) {
        const created = await this.#create(request);
        if (!created) return; // moved to an issue
        link = created;
      }
      // The URL is stored only over the review it was added to: when a vote lands meanwhile (on any
      // instance), read again and add it to the new review.
      for (let attempt = 0; ; attempt += 1) {
        const current = await this.#request(requestId);
        if (current.status !== 'pending') break;
        if (!current.review || current.review.url === link.url || attempt === MAX_REVIEW_RETRIES) return;
        const at = this.deps.clock.now().toISOString();
        const updated = await this.deps.requests.updateReview(
          current,
          { ...current.review, url: link.url },
          at,
          [this.#reflected(current, link, at, { what: rerun ? 'check_run_rerun' : 'check_run_created' })],
          null,
        );
        if (updated) return;
      }
      // Decided while the run was being created: show the decision now.
      await this.#conclude(await this.#request(requestId), link);
    });
  }

  /** Shows votes so far (and refused ones) while the request is pending. */
  showProgress(requestId: string): Promise<void> {
    return this.#serial(requestId, async () => {
      const request = await this.#request(requestId);
      if (request.status !== 'pending') return; // the decision job shows the rest
      const link = await this.deps.store.getGitHubCheckRun(requestId);
      if (!link) return; // the run, when created, shows the progress as it is then
      await this.#write(request, link);
    });
  }

  /** Completes the run with the conclusion of the request's final status, and who decided and why. */
  reflectDecision(requestId: string): Promise<void> {
    return this.#serial(requestId, async () => {
      const request = await this.#request(requestId);
      if (request.status === 'pending' || !reviewedOnCommit(request)) return;
      const link = (await this.deps.store.getGitHubCheckRun(requestId)) ?? (await this.#find(request));
      if (!link) return; // no run was ever created
      await this.#conclude(request, link);
      const at = this.deps.clock.now().toISOString();
      await this.deps.store.appendAudit([
        this.#reflected(request, link, at, { what: 'decision', status: request.status }),
      ]);
      this.deps.log.info(
        { requestId, status: request.status, checkRun: link.url },
        'decision shown on the check run',
      );
    });
  }

  async #create(request: RequestRecord): Promise<GitHubCheckRunLink | null> {
    const target = checkTargetOf(request);
    if (!target.ok) return null;
    const repository = request.repository as string;
    const output = await this.#render(request);
    let created: { id: number; url: string };
    try {
      created = await this.deps.gateway.createCheckRun(repository, {
        name: checkRunName(request.action, request.id),
        headSha: target.sha,
        status: 'completed',
        ...output,
        externalId: request.id,
        detailsUrl: await this.#detailsUrl(request, target.sha),
      });
    } catch (error) {
      if (error instanceof GitHubError && error.status === 422 && request.status === 'pending') {
        await this.#moveToIssue(request, error);
        return null;
      }
      throw error;
    }
    const link: GitHubCheckRunLink = {
      requestId: request.id,
      repository,
      headSha: target.sha,
      pullRequest: boundPullRequestOf(request), // not the PR an agent merely names
      checkRunId: created.id,
      url: created.url,
      createdAt: this.deps.clock.now().toISOString(),
    };
    await this.deps.store.linkGitHubCheckRun(link);
    this.deps.log.info({ requestId: request.id, checkRun: created.url }, 'check run created');
    return (await this.deps.store.getGitHubCheckRun(request.id)) ?? link;
  }

  /**
   * GitHub refused the commit (422: not a commit of the repository). The review moves to an issue:
   * `review.via` becomes `issue` and the issue job is queued in the same write, with an audit entry.
   */
  async #moveToIssue(request: RequestRecord, error: GitHubError): Promise<void> {
    if (!request.review) return;
    const at = this.deps.clock.now().toISOString();
    const event: AuditEventInput = {
      requestId: request.id,
      eventType: 'reflected',
      actor: 'system:github',
      details: { channel: 'github', what: 'check_run_refused', fallback: 'issue', error: error.message },
      createdAt: at,
    };
    // Over the review as read only: when a vote lands meanwhile (on any instance), move the new one.
    let current: RequestRecord = request;
    for (let attempt = 0; attempt <= MAX_REVIEW_RETRIES; attempt += 1) {
      if (current.status !== 'pending' || !current.review) break;
      const moved = await this.deps.store.updateReview(
        request.id,
        { ...current.review, via: 'issue' },
        at,
        [event],
        [{ kind: GITHUB_JOBS.createIssue, payload: { requestId: request.id } }],
        current.review,
      );
      if (moved) {
        this.deps.onJobsQueued?.();
        break;
      }
      current = await this.#request(request.id);
    }
    this.deps.log.warn(
      { requestId: request.id, err: error },
      'GitHub refused the check run; the request is reviewed in an issue',
    );
  }

  /**
   * The run of an earlier attempt that GitHub created but answered with an error (or never answered):
   * the newest of this request's runs on the commit, if newer than run `after`.
   */
  async #find(request: RequestRecord, after = 0): Promise<GitHubCheckRunLink | null> {
    const target = checkTargetOf(request);
    if (!target.ok) return null;
    const runs = await this.deps.gateway.listCheckRuns(
      request.repository as string,
      target.sha,
      checkRunName(request.action, request.id),
    );
    const found = runs.find((run) => run.externalId === request.id && run.id > after);
    if (!found) return null;
    this.deps.log.info(
      { requestId: request.id, checkRun: found.url },
      'found the check run of an earlier attempt',
    );
    await this.deps.store.linkGitHubCheckRun({
      requestId: request.id,
      repository: request.repository as string,
      headSha: target.sha,
      pullRequest: boundPullRequestOf(request), // not the PR an agent merely names
      checkRunId: found.id,
      url: found.url,
      createdAt: this.deps.clock.now().toISOString(),
    });
    return this.deps.store.getGitHubCheckRun(request.id);
  }

  async #write(request: RequestRecord, link: GitHubCheckRunLink, output?: CheckRunOutput): Promise<void> {
    await this.deps.gateway.updateCheckRun(link.repository, link.checkRunId, {
      status: 'completed',
      ...(output ?? (await this.#render(request))),
      detailsUrl: await this.#detailsUrl(request, link.headSha),
    });
  }

  /**
   * Shows the decision on the run. If GitHub refuses the full output for good (a 422: something in it
   * it will never take), the run is still completed, with the conclusion and a bare summary, and
   * without buttons: a decided request never leaves a run asking for action.
   */
  async #conclude(request: RequestRecord, link: GitHubCheckRunLink): Promise<void> {
    const output = await this.#render(request);
    try {
      await this.#write(request, link, output);
    } catch (error) {
      if (!(error instanceof GitHubError) || error.transient || error.status === 403) throw error;
      this.deps.log.warn(
        { requestId: request.id, checkRun: link.url, err: error },
        'GitHub refused the decision on the check run; completing it with a bare summary',
      );
      await this.deps.gateway.updateCheckRun(link.repository, link.checkRunId, {
        status: 'completed',
        ...renderBareCheckRun(request, error.status),
      });
    }
  }

  /**
   * The run's "Details" link: the request's page in the web console when the server's public URL is
   * known, else its issue, its bound pull request, or the commit.
   */
  async #detailsUrl(request: RequestRecord, sha: string): Promise<string> {
    if (this.deps.serverUrl) return consoleRequestUrl(this.deps.serverUrl, request.id);
    const issue = await this.deps.store.getGitHubIssue(request.id);
    return checkRunDetailsUrl({
      webUrl: this.deps.githubUrl,
      repository: request.repository as string,
      sha,
      issueUrl: issue?.url ?? null,
      boundPullRequest: request.review?.boundPullRequest ?? null,
    });
  }

  async #render(request: RequestRecord) {
    const ruleDescriptions = Object.fromEntries(await ruleDescriptionsOf(this.deps.policies, request));
    const refused: RefusedVote[] = [];
    if (request.status === 'pending') {
      const entries = await this.deps.store.listAudit({
        requestId: request.id,
        eventType: 'vote_refused',
        limit: REFUSALS_READ,
        offset: 0,
      });
      for (const entry of entries) {
        const details = entry.details as { decision?: unknown; source?: unknown };
        if (typeof details.source !== 'string' || !details.source.startsWith('github:')) continue;
        refused.push({
          voter: entry.actor,
          decision: details.decision === 'deny' ? 'deny' : 'approve',
          source: details.source,
          at: entry.createdAt,
        });
      }
    }
    return renderCheckRun({
      request,
      ruleDescriptions,
      serverUrl: this.deps.serverUrl,
      githubUrl: this.deps.githubUrl,
      refused,
    });
  }

  #reflected(request: RequestRecord, link: GitHubCheckRunLink, at: string, details: Record<string, unknown>) {
    return {
      requestId: request.id,
      eventType: 'reflected',
      actor: 'system:github',
      details: { channel: 'github', checkRun: link.url, ...details },
      createdAt: at,
    };
  }

  async #request(id: string): Promise<RequestRecord> {
    const request = await this.deps.store.getRequest(id);
    if (!request) throw new PermanentJobError(`request ${id} does not exist`);
    return request;
  }

  #serial(requestId: string, work: () => Promise<void>): Promise<void> {
    return this.#queue.run(requestId, work);
  }
}
