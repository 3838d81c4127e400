/**
 * Catches what webhooks missed (GitHub does not redeliver on its own): a periodic pass over every
 * pending request with an issue reads all its comments (every page) and handles the commands not
 * handled yet, skipping edited comments (`updated_at` ≠ `created_at`), exactly as if their
 * webhook had arrived; an issue found closed without a decision denies its request.
 */
import type { Logger } from '../logger.js';
import type { GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubIssueLink, Store } from '../ports/store.js';
import type { GitHubReviewService } from './github-review-service.js';

const PAGE = 100;

export interface ReconcileReport {
  issues: number;
  /** Commands handled by this pass (their webhooks were missed). */
  recovered: number;
  failures: number;
}

export class GitHubReconciler {
  #running: Promise<ReconcileReport> | null = null;

  constructor(
    private readonly deps: {
      store: Store;
      gateway: GitHubGateway;
      reviews: GitHubReviewService;
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
    const report: ReconcileReport = { issues: 0, recovered: 0, failures: 0 };
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
    if (report.recovered > 0 || report.failures > 0) this.deps.log.info(report, 'GitHub reconciliation');
    return report;
  }

  /** Handles the missed commands of one issue; returns how many were handled now. */
  async reconcileIssue(link: GitHubIssueLink): Promise<number> {
    const { gateway, reviews } = this.deps;
    let recovered = 0;
    for (const comment of await gateway.listComments(link.repository, link.number)) {
      if (comment.updatedAt !== comment.createdAt) continue;
      const outcome = await reviews.handleComment({
        repository: link.repository,
        issueNumber: link.number,
        id: comment.id,
        body: comment.body,
        login: comment.user.login,
        userType: comment.user.type,
      });
      if (outcome !== 'not_a_command' && outcome !== 'already_handled' && outcome !== 'not_ours')
        recovered += 1;
    }
    const issue = await gateway.getIssue(link.repository, link.number);
    if (issue.state === 'closed' && issue.closedBy) {
      if (await reviews.handleIssueClosed(link.repository, link.number, issue.closedBy)) recovered += 1;
    }
    return recovered;
  }
}
