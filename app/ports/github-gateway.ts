/**
 * The GitHub operations AgentGate needs, over the REST API only (no GraphQL). Every call
 * is authenticated as the app's installation on `repository` (`owner/name`). Errors: a missing
 * installation is `GitHubError` with status 404 from `installationOf`; GitHub's own failures keep
 * their HTTP status (`status` 0 when GitHub could not be reached), so callers can tell "retry
 * later" (5xx, 0, 429) from "this will never work" (404, 422).
 *
 * Check runs (`AgentGate: <action> (<short id>)` on a commit, and the `AgentGate policy` run on policy pull
 * requests) and pull requests are read and written here too.
 */
import type { CollaboratorPermission } from '../approvals/qualify-voter.js';

export class GitHubError extends Error {
  constructor(
    /** HTTP status from GitHub; 0 when it could not be reached. */
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GitHubError';
  }

  /** Worth retrying later: GitHub was down, unreachable or rate-limiting. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export interface GitHubIssue {
  number: number;
  htmlUrl: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  labels: string[];
  /** Login of who closed it, when closed and GitHub says. */
  closedBy: string | null;
  /** When it last changed (a new comment changes it too), when GitHub says. */
  updatedAt?: string;
  /** How many comments it has, when GitHub says. */
  comments?: number;
}

/**
 * How an issue came to be closed: its latest `closed` event (`GET
 * /repos/{owner}/{repo}/issues/{number}/events`). The `issues.closed` webhook names who closed it
 * but not how; only the event says whether a commit did (`closes #N` in a pushed commit or a merged
 * pull request: then `commit_id` is that commit).
 */
export interface IssueClosure {
  /** The event's id: the same close, whether seen by webhook or by reconciliation. */
  eventId: number;
  /** Who closed it (for a commit: who pushed or merged it); null for a deleted account. */
  actor: { login: string; type: string } | null;
  /** The commit that closed it; null when a person (or an app) closed it directly. */
  commitId: string | null;
}

export interface GitHubComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  createdAt: string;
  updatedAt: string;
  /** The comment's `html_url` (a vote shows where it was cast). */
  url?: string | null;
}

export interface NewIssue {
  title: string;
  body: string;
  labels: string[];
  assignees: string[];
}

export type TeamMembershipState = 'active' | 'pending' | null;

export type Reaction = '+1' | '-1' | 'eyes' | 'confused' | 'rocket';

export type CheckConclusion =
  | 'success'
  | 'failure'
  | 'neutral'
  | 'cancelled'
  | 'timed_out'
  | 'action_required'
  | 'skipped';

/** A button on a check run (GitHub: at most 3; label ≤ 20, description ≤ 40, identifier ≤ 20 characters). */
export interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

export interface CheckAnnotation {
  path: string;
  startLine: number;
  endLine: number;
  startColumn?: number;
  endColumn?: number;
  level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
}

export interface CheckRunInput {
  name: string;
  headSha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: CheckConclusion;
  title: string;
  summary: string;
  text?: string;
  actions?: CheckRunAction[];
  /** Any number: the adapter sends them in batches of 50, as GitHub requires. */
  annotations?: CheckAnnotation[];
  externalId?: string;
  detailsUrl?: string;
}

/** A check run as GitHub lists it. */
export interface GitHubCheckRun {
  id: number;
  name: string;
  headSha: string;
  /** The run's page on GitHub (`html_url`). */
  url: string;
  externalId: string | null;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: CheckConclusion | null;
}

export interface GitHubPullRequest {
  number: number;
  htmlUrl: string;
  state: 'open' | 'closed';
  headSha: string;
  /** The base branch's commit GitHub compares the pull request with. */
  baseSha: string;
  author: { login: string; type: string };
  /** `owner/name` of the head branch's repository: another one for a pull request from a fork; null when it was deleted. */
  headRepository: string | null;
}

/** Who the app is on GitHub (`GET /app`): its comments are written by `botLogin` (`<slug>[bot]`). */
export interface GitHubAppIdentity {
  id: number;
  slug: string;
  botLogin: string;
}

export interface GitHubPullRequestReview {
  id: number;
  user: { login: string; type: string };
  body: string | null;
  /** Lowercase, as in webhooks: `approved`, `changes_requested`, `commented`, `dismissed`, `pending`. */
  state: string;
  /** The commit the review was made on. */
  commitId: string | null;
  submittedAt: string | null;
  /** The review's `html_url` (a vote shows where it was cast). */
  url?: string | null;
}

/** A file a pull request changes; `previousPath` is where a renamed file was. */
export interface PullRequestFile {
  path: string;
  previousPath: string | null;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
}

/** A workflow run, as far as deployment protection rules need it. */
export interface GitHubWorkflowRun {
  id: number;
  headSha: string;
  headBranch: string | null;
  event: string;
  /** Who started the run (or re-ran it): `triggering_actor`, else `actor`. */
  actor: string | null;
  status: string;
  conclusion: string | null;
  pullRequests: number[];
  createdAt: string;
}

export interface GitHubDeployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  creator: string | null;
}

/** An answer to a deployment protection rule. */
export interface DeploymentReview {
  environment: string;
  state: 'approved' | 'rejected';
  comment: string;
}

export interface GitHubGateway {
  /** The app itself (read once, then remembered). */
  appIdentity(): Promise<GitHubAppIdentity>;
  /** The app's installation id on `repository`; `GitHubError` 404 when the app is not installed. */
  installationOf(repository: string): Promise<number>;
  /** Remembers an installation seen in a webhook, saving a lookup. */
  rememberInstallation(repository: string, installationId: number): void;
  /** Forgets installations (after an installation webhook changed them). */
  forgetInstallations(): void;

  /** The default branch and the SHA of its head commit. */
  defaultBranchHead(repository: string): Promise<{ branch: string; sha: string }>;
  /** `path → text` of the `*.yaml`/`*.yml` files directly in `dir` at `ref`; null when `dir` is absent. */
  readYamlFiles(repository: string, dir: string, ref: string): Promise<Map<string, string> | null>;

  createIssue(repository: string, issue: NewIssue): Promise<GitHubIssue>;
  getIssue(repository: string, number: number): Promise<GitHubIssue>;
  updateIssueBody(repository: string, number: number, body: string): Promise<void>;
  /** Sets the final body and labels and closes the issue (if open), in one write. */
  finishIssue(
    repository: string,
    number: number,
    final: { body: string; labels: string[]; reason: 'completed' | 'not_planned' },
  ): Promise<void>;
  /** Issues carrying `label`, open or closed, updated since `since` (every page). */
  listIssuesWithLabel(repository: string, label: string, since: string): Promise<GitHubIssue[]>;
  /** Whether `login` can be assigned issues in `repository`. */
  isAssignable(repository: string, login: string): Promise<boolean>;
  /**
   * The latest close of issue `number`, when its latest `closed`/`reopened` event is a close; null
   * when GitHub lists none yet (its events can lag the webhook) or the issue was reopened since.
   */
  issueClosure(repository: string, number: number): Promise<IssueClosure | null>;
  /** Reopens issue `number` (nothing changes when it is open). */
  reopenIssue(repository: string, number: number): Promise<void>;

  createComment(repository: string, number: number, body: string): Promise<GitHubComment>;
  /** Every comment of an issue, oldest first, across all pages. */
  listComments(repository: string, number: number): Promise<GitHubComment[]>;
  addReaction(repository: string, commentId: number, reaction: Reaction): Promise<void>;
  /** Replaces the body of comment `commentId` (an issue or pull request comment). */
  updateComment(repository: string, commentId: number, body: string): Promise<void>;

  createCheckRun(repository: string, input: CheckRunInput): Promise<{ id: number; url: string }>;
  updateCheckRun(
    repository: string,
    checkRunId: number,
    input: Partial<Omit<CheckRunInput, 'name' | 'headSha'>>,
  ): Promise<void>;
  /** This app's check runs named `name` on commit `sha` (every page), newest first. */
  listCheckRuns(repository: string, sha: string, name: string): Promise<GitHubCheckRun[]>;

  getPullRequest(repository: string, number: number): Promise<GitHubPullRequest>;
  /** The pull requests that contain commit `sha`, open or closed (every page). */
  listPullRequestsForCommit(repository: string, sha: string): Promise<GitHubPullRequest[]>;
  /** Every submitted review of a pull request, oldest first, across all pages. */
  listPullRequestReviews(repository: string, number: number): Promise<GitHubPullRequestReview[]>;
  /** The files a pull request changes, across all pages (GitHub lists at most 3000). */
  listPullRequestFiles(repository: string, number: number): Promise<PullRequestFile[]>;

  /**
   * `role_name` and legacy `permission` of `login` on `repository`. On a public repository GitHub
   * answers `read` for every user, collaborator or not: see `isCollaborator`.
   */
  collaboratorPermission(repository: string, login: string): Promise<CollaboratorPermission>;
  /**
   * Whether `login` is a collaborator of `repository` (`GET /repos/{owner}/{repo}/collaborators/{username}`:
   * 204 yes, 404 no). For an organization's repository that includes outside collaborators, members
   * with access through a team or the organization's base permission, and its owners.
   */
  isCollaborator(repository: string, login: string): Promise<boolean>;
  /**
   * `state` of `login`'s membership of `org/slug`; null when not a member. `GitHubError` 404 when
   * the app is not installed on `org`, 403 when the installation may not read its teams.
   */
  teamMembership(team: string, login: string): Promise<TeamMembershipState>;

  // Deployment protection rules (docs/deployments.md).
  /** Every repository of every installation of the app (every page). */
  listInstalledRepositories(): Promise<string[]>;
  /** Workflow runs of `repository` waiting for a deployment's protection rules (first page: the newest 100). */
  listWaitingRuns(repository: string): Promise<GitHubWorkflowRun[]>;
  getWorkflowRun(repository: string, runId: string): Promise<GitHubWorkflowRun>;
  /** The environments run `runId` waits to deploy to. */
  pendingDeploymentEnvironments(repository: string, runId: string): Promise<string[]>;
  /** Ids of the apps whose custom protection rules are enabled on `environment`. */
  protectionRuleApps(repository: string, environment: string): Promise<number[]>;
  /** The newest deployment of commit `sha` to `environment`, or null. */
  latestDeployment(repository: string, sha: string, environment: string): Promise<GitHubDeployment | null>;
  /**
   * Answers the app's protection rule for run `runId`
   * (`POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule`). Never retried
   * by the client (a POST); the outbox retries it.
   */
  reviewDeployment(repository: string, runId: string, review: DeploymentReview): Promise<void>;
}
