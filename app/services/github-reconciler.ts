/**
 * Catches what webhooks missed (GitHub does not redeliver on its own): a periodic pass over every
 * pending request with an issue handles the commands not handled yet, skipping edited comments
 * (`updated_at` ≠ `created_at`), exactly as if their webhook had arrived; an issue found closed
 * without a decision is handled like its `issues.closed` webhook (denied when the closer could
 * decide, else reopened). Requests reviewed on a commit and bound to a pull request get the same
 * for that PR's reviews and comments made since the request was created, while its head is still
 * that commit; a request bound to no pull request gets it for the open pull requests whose head is
 * its commit (where only `/approve <id>` decides it). (Button clicks leave nothing to read back: a
 * missed click is lost, and the reviewer clicks again.)
 *
 * A pass costs nothing when nothing changed (docs/github-app.md, "API budget"): every read is a
 * conditional request (the gateway's fetch sends the ETag; GitHub answers 304, which does not
 * count against the rate limit), and an issue whose `updated_at`, comment count and state are as
 * the last pass saw them is not read further: its comments are read only after it changed. A close
 * GitHub does not list yet throws, so the issue is looked at again on the next pass.
 *
 * Last, the deployment protection rules' pass (GitHubDeploymentService.reconcile): deployments
 * waiting on this app without a request, decisions whose answer was lost, runs that ended.
 */
import { boundPullRequestOf } from '../approvals/check-target.js';
import { BoundedCache } from '../bounded-cache.js';
import type { Logger } from '../logger.js';
import { GitHubError, type GitHubGateway, type GitHubPullRequest } from '../ports/github-gateway.js';
import type { GitHubLinkStore } from '../ports/github-link-store.js';
import type { RequestStore } from '../ports/request-store.js';
import type { GitHubCheckRunLink, GitHubIssueLink } from '../ports/store.js';
import type { CheckVoteOutcome, GitHubCheckVoteService } from './github-check-vote-service.js';
import type { DeploymentReconcileReport, GitHubDeploymentService } from './github-deployment-service.js';
import type { GitHubReviewService } from './github-review-service.js';

const PAGE = 100;
/** Requests whose last-seen state is remembered (beyond that, one is read in full again). */
const MAX_REMEMBERED = 10_000;

export interface ReconcileReport {
  issues: number;
  /** Check runs of pending requests that were looked at (with their pull requests). */
  checkRuns: number;
  /** Commands handled by this pass (their webhooks were missed). */
  recovered: number;
  failures: number;
  /** The deployment protection rules' pass (absent when the app does not run it). */
  deployments?: DeploymentReconcileReport;
}

export class GitHubReconciler {
  #running: Promise<ReconcileReport> | null = null;
  /** What each request's issue or pull request looked like at the end of the last pass that read it. */
  readonly #seen = new BoundedCache<string, string>({ max: MAX_REMEMBERED });

  constructor(
    private readonly deps: {
      store: RequestStore & GitHubLinkStore;
      gateway: GitHubGateway;
      reviews: GitHubReviewService;
      /** Votes on pull requests for requests reviewed on a commit (absent: issues only). */
      checkVotes?: GitHubCheckVoteService;
      /** Missed deployment protection rules and lost answers (absent: not looked for). */
      deployments?: GitHubDeploymentService;
      log: Logger;
    },
  ) {}

  /** One pass over every pending request with an issue; concurrent calls share the pass. */
  reconcileAll(): Promise<ReconcileReport> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Resolves when no pass is running (at shutdown). */
  async idle(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #pass(): Promise<ReconcileReport> {
    const report: ReconcileReport = { issues: 0, checkRuns: 0, recovered: 0, failures: 0 };
    let after: string | undefined;
    for (;;) {
      const links = await this.deps.store.listPendingGitHubIssues(PAGE, after);
      for (const link of links) {
        report.issues += 1;
        try {
          report.recovered += await this.reconcileIssue(link);
        } catch (error) {
          report.failures += 1;
          this.deps.log.warn({ requestId: link.requestId, err: error }, 'reconciliation of an issue failed');
        }
      }
      if (links.length < PAGE) break;
      after = links.at(-1)?.requestId;
    }
    after = undefined;
    for (;;) {
      const links: GitHubCheckRunLink[] = this.deps.checkVotes
        ? await this.deps.store.listPendingGitHubCheckRuns(PAGE, after)
        : [];
      for (const link of links) {
        report.checkRuns += 1;
        try {
          report.recovered += await this.reconcileCheckRun(link);
        } catch (error) {
          report.failures += 1;
          this.deps.log.warn(
            { requestId: link.requestId, err: error },
            'reconciliation of a check run failed',
          );
        }
      }
      if (links.length < PAGE) break;
      after = links.at(-1)?.requestId;
    }
    if (this.deps.deployments) {
      try {
        const deployments = await this.deps.deployments.reconcile();
        report.deployments = deployments;
        report.recovered += deployments.recovered + deployments.resent + deployments.cancelled;
        report.failures += deployments.failures;
      } catch (error) {
        report.failures += 1;
        this.deps.log.warn({ err: error }, 'reconciliation of deployments failed');
      }
    }
    if (report.recovered > 0 || report.failures > 0) this.deps.log.info(report, 'GitHub reconciliation');
    return report;
  }

  /** Handles the missed commands of one issue; returns how many were handled now. */
  async reconcileIssue(link: GitHubIssueLink): Promise<number> {
    const { gateway, reviews } = this.deps;
    const issue = await gateway.getIssue(link.repository, link.number);
    const seen =
      issue.updatedAt === undefined ? null : `${issue.updatedAt}|${issue.comments ?? '?'}|${issue.state}`;
    // Unchanged since the last pass (the read was a free 304): nothing new to handle.
    if (seen !== null && this.#seen.get(link.requestId) === seen) return 0;
    let recovered = 0;
    const comments = issue.comments === 0 ? [] : await gateway.listComments(link.repository, link.number);
    for (const comment of comments) {
      if (comment.updatedAt !== comment.createdAt) continue;
      const outcome = await reviews.handleComment({
        repository: link.repository,
        issueNumber: link.number,
        id: comment.id,
        body: comment.body,
        login: comment.user.login,
        userType: comment.user.type,
        url: comment.url ?? null,
      });
      if (outcome !== 'not_a_command' && outcome !== 'already_handled' && outcome !== 'not_ours')
        recovered += 1;
    }
    if (issue.state === 'closed') {
      const outcome = await reviews.handleIssueClosed(link.repository, link.number);
      if (outcome === 'denied' || outcome === 'reopened') recovered += 1;
    }
    if (seen !== null) this.#seen.set(link.requestId, seen);
    return recovered;
  }

  /**
   * Handles the missed reviews and comments on a check-run request's pull request; returns how
   * many. A request that names no pull request gets those of every open pull request whose head is
   * its commit (GitHub's list of the pull requests containing that commit).
   */
  async reconcileCheckRun(link: GitHubCheckRunLink): Promise<number> {
    const { gateway, store, checkVotes } = this.deps;
    if (!checkVotes) return 0;
    const request = await store.getRequest(link.requestId);
    if (request?.status !== 'pending') return 0;
    let pulls: GitHubPullRequest[];
    const bound = boundPullRequestOf(request);
    if (bound === null) {
      pulls = (await gateway.listPullRequestsForCommit(link.repository, link.headSha)).filter(
        (pr) => pr.state === 'open',
      );
    } else {
      try {
        pulls = [await gateway.getPullRequest(link.repository, bound)];
      } catch (error) {
        if (error instanceof GitHubError && error.status === 404) return 0; // no such PR: nothing to read
        throw error;
      }
    }
    let recovered = 0;
    for (const pr of pulls) {
      // Pushed since: votes now are for another commit.
      if (pr.headSha.toLowerCase() === link.headSha)
        recovered += await this.#reconcilePullRequest(link, pr, request.createdAt, checkVotes);
    }
    return recovered;
  }

  /** The reviews and comments on `pr` since `since` whose webhooks were missed. */
  async #reconcilePullRequest(
    link: GitHubCheckRunLink,
    pr: GitHubPullRequest,
    since: string,
    checkVotes: GitHubCheckVoteService,
  ): Promise<number> {
    const { gateway } = this.deps;
    const { repository } = link;
    const number = pr.number;
    const counted = (outcome: CheckVoteOutcome) =>
      !['not_a_vote', 'not_ours', 'already_handled', 'stale_commit'].includes(outcome);
    // Both reads are conditional (free when unchanged); what they hold is handled only when it changed.
    const reviews = await gateway.listPullRequestReviews(repository, number);
    const comments = await gateway.listComments(repository, number);
    const last = <T extends { id: number }>(items: T[]) => `${items.length}:${items.at(-1)?.id ?? 0}`;
    const seenKey = `${link.requestId}#${number}`;
    const seen = `${pr.headSha}|${last(reviews)}|${last(comments)}|${comments.at(-1)?.updatedAt ?? ''}`;
    if (this.#seen.get(seenKey) === seen) return 0;
    let recovered = 0;
    for (const review of reviews) {
      if (!review.submittedAt || review.submittedAt < since) continue;
      const outcome = await checkVotes.handleReview({
        repository,
        pullRequest: number,
        headSha: pr.headSha,
        id: review.id,
        state: review.state,
        body: review.body,
        commitId: review.commitId,
        login: review.user.login,
        userType: review.user.type,
        url: review.url ?? null,
        submittedAt: review.submittedAt,
      });
      if (counted(outcome)) recovered += 1;
    }
    for (const comment of comments) {
      if (comment.updatedAt !== comment.createdAt || comment.createdAt < since) continue;
      const outcome = await checkVotes.handleComment({
        repository,
        pullRequest: number,
        id: comment.id,
        body: comment.body,
        login: comment.user.login,
        userType: comment.user.type,
        headSha: pr.headSha,
        url: comment.url ?? null,
        createdAt: comment.createdAt,
      });
      if (counted(outcome)) recovered += 1;
    }
    this.#seen.set(seenKey, seen);
    return recovered;
  }
}
