/**
 * What the GitHub App remembers: which deliveries and comments it handled, and where each request
 * is reviewed (its issue, its check run). "Pending" in the list/find methods is the request's
 * status, so an implementation reads the requests of the same store.
 */

/** Where a request is reviewed on GitHub. */
export interface GitHubIssueLink {
  requestId: string;
  repository: string;
  number: number;
  /** The issue's `html_url`. */
  url: string;
  createdAt: string;
}

/** Where a request is reviewed on a commit: its check run `AgentGate: <action>`. */
export interface GitHubCheckRunLink {
  requestId: string;
  repository: string;
  /** The commit (40 hex) the request is gated on: `context.sha`. */
  headSha: string;
  /**
   * The pull request the request is bound to (`review.boundPullRequest`), else null; links stored
   * before requests recorded a binding hold `context.pullRequest`, so readers ask the request.
   */
  pullRequest: number | null;
  checkRunId: number;
  /** The check run's `html_url`. */
  url: string;
  createdAt: string;
}

export interface GitHubLinkStore {
  /**
   * Records `key` (`delivery:<guid>`, `comment:<owner/name>#<id>`) as processed, atomically; false
   * when it already was, so a redelivered webhook or a comment seen again is handled once.
   */
  claimGitHubKey(key: string, at: string): Promise<boolean>;
  /** Forgets a claim whose handling failed, so a redelivery or the next reconciliation may retry it. */
  releaseGitHubKey(key: string): Promise<void>;
  /** Links a request to its issue; false (nothing changes) when the request already has one. */
  linkGitHubIssue(link: GitHubIssueLink): Promise<boolean>;
  getGitHubIssue(requestId: string): Promise<GitHubIssueLink | null>;
  /** The link of issue `number` in `repository` (compared case-insensitively, as GitHub does). */
  findGitHubIssue(repository: string, number: number): Promise<GitHubIssueLink | null>;
  /** Links of still-pending requests, by request id, after `afterRequestId` (for reconciliation). */
  listPendingGitHubIssues(limit: number, afterRequestId?: string): Promise<GitHubIssueLink[]>;
  /**
   * Links a request to its check run, or moves the link to a newer run of the same request (the
   * latest run carries the state); the commit and pull request of the first link stay.
   */
  linkGitHubCheckRun(link: GitHubCheckRunLink): Promise<void>;
  getGitHubCheckRun(requestId: string): Promise<GitHubCheckRunLink | null>;
  /** Check runs of still-pending requests gated on commit `headSha` of `repository` (case-insensitive), oldest first. */
  findPendingGitHubCheckRuns(repository: string, headSha: string): Promise<GitHubCheckRunLink[]>;
  /** Check runs of every request gated on commit `headSha` of `repository`, decided or not, oldest first. */
  findGitHubCheckRuns(repository: string, headSha: string): Promise<GitHubCheckRunLink[]>;
  /** Check runs of still-pending requests, by request id, after `afterRequestId` (for reconciliation). */
  listPendingGitHubCheckRuns(limit: number, afterRequestId?: string): Promise<GitHubCheckRunLink[]>;
}
