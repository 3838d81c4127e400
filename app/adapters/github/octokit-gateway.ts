/**
 * `GitHubGateway` over Probot's Octokit: app-authenticated (JWT) to find installations,
 * installation-authenticated for everything else. Probot's Octokit brings throttling and retry in
 * production, except that a POST is never retried by the client (request-policy.ts: the services
 * look for what a failed creation may have made before creating again); tests may pass an Octokit
 * class with both disabled so failures show at once.
 */
import type { Probot, ProbotOctokit } from 'probot';
import type { CollaboratorPermission } from '../../approvals/qualify-voter.js';
import { BoundedCache } from '../../bounded-cache.js';
import {
  type CheckAnnotation,
  type CheckConclusion,
  type CheckRunInput,
  type DeploymentReview,
  type GitHubAppIdentity,
  type GitHubCheckRun,
  type GitHubComment,
  type GitHubDeployment,
  GitHubError,
  type GitHubGateway,
  type GitHubIssue,
  type GitHubPullRequest,
  type GitHubPullRequestReview,
  type GitHubWorkflowRun,
  type IssueClosure,
  type NewIssue,
  type PullRequestFile,
  type Reaction,
  type TeamMembershipState,
} from '../../ports/github-gateway.js';
import { fitCheckRunInput } from './check-run-limits.js';

type Octokit = ProbotOctokit;

const INSTALLATION_TTL_MS = 10 * 60 * 1000;
/**
 * How long "not installed" is believed. Callers name repositories (`GET /api/policies?repository=`,
 * evaluate), so a repeated name must not cost a GitHub call each time; an installation webhook
 * forgets it at once (`forgetInstallations`).
 */
const NOT_INSTALLED_TTL_MS = 60 * 1000;
/** Repositories whose installation (or its absence) is remembered. */
const MAX_INSTALLATIONS = 10_000;
/** Organizations whose installation (or its absence) is remembered, for the teams policies name. */
const MAX_ORGANIZATIONS = 1_000;
/**
 * Lookups of repositories not remembered, per minute. Any key may name a repository, and a new
 * name each time would otherwise cost a GitHub call each time, spending the app's own GitHub rate
 * limit. Past this, a lookup fails as if GitHub were rate-limiting (429: transient; policies fall
 * back to the last good set or the built-in default, jobs retry later).
 */
const MAX_LOOKUPS_PER_MINUTE = 60;
const YAML = /\.ya?ml$/i;

function split(repository: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = repository.split('/');
  return { owner, repo };
}

/**
 * Octokit's errors (RequestError with `status`, or a fetch failure) as a `GitHubError`. Octokit
 * reports a request that got no answer (network failure, timeout) as a 500 without a response:
 * that is status 0 here, "could not be reached".
 */
function toGitHubError(error: unknown, doing: string): GitHubError {
  if (error instanceof GitHubError) return error;
  const failed = error as { status?: unknown; name?: unknown; response?: unknown } | null;
  const answered =
    failed?.name === 'HttpError'
      ? failed.response !== undefined
      : !['AbortError', 'TimeoutError'].includes(String(failed?.name));
  const status = typeof failed?.status === 'number' && answered ? failed.status : 0;
  const message = error instanceof Error ? error.message : String(error);
  const detail =
    status === 0 ? `GitHub could not be reached (${message})` : `GitHub answered ${status}: ${message}`;
  return new GitHubError(status, `Could not ${doing}: ${detail}`, { cause: error });
}

async function call<T>(doing: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toGitHubError(error, doing);
  }
}

interface RestIssue {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
  state: string;
  labels: Array<string | { name?: string }>;
  closed_by?: { login: string } | null;
  updated_at?: string;
  comments?: number;
}

const toIssue = (issue: RestIssue): GitHubIssue => ({
  ...(issue.updated_at !== undefined && { updatedAt: issue.updated_at }),
  ...(issue.comments !== undefined && { comments: issue.comments }),
  number: issue.number,
  htmlUrl: issue.html_url,
  title: issue.title,
  body: issue.body ?? null,
  state: issue.state === 'closed' ? 'closed' : 'open',
  labels: issue.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
  closedBy: issue.closed_by?.login ?? null,
});

interface RestIssueEvent {
  id: number;
  event: string;
  actor?: { login: string; type?: string } | null;
  commit_id?: string | null;
  created_at: string;
}

/** The latest close, unless the latest open/close event is a reopen (or there is none yet). */
function latestClosure(events: readonly RestIssueEvent[]): IssueClosure | null {
  const changes = events
    .filter((e) => e.event === 'closed' || e.event === 'reopened')
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
  const last = changes.at(-1);
  if (last?.event !== 'closed') return null;
  return {
    eventId: last.id,
    actor: last.actor ? { login: last.actor.login, type: last.actor.type ?? 'User' } : null,
    commitId: last.commit_id || null,
  };
}

interface RestComment {
  id: number;
  body?: string;
  user: { login: string; type: string } | null;
  created_at: string;
  updated_at: string;
  html_url?: string;
}

const toComment = (comment: RestComment): GitHubComment => ({
  id: comment.id,
  body: comment.body ?? '',
  user: { login: comment.user?.login ?? 'ghost', type: comment.user?.type ?? 'User' },
  createdAt: comment.created_at,
  updatedAt: comment.updated_at,
  url: comment.html_url ?? null,
});

/** GitHub takes at most 50 annotations per create or update request. */
const ANNOTATION_BATCH = 50;

const toRestAnnotation = (a: CheckAnnotation) => ({
  path: a.path,
  start_line: a.startLine,
  end_line: a.endLine,
  // Columns are only allowed on single-line annotations.
  ...(a.startLine === a.endLine && a.startColumn !== undefined && { start_column: a.startColumn }),
  ...(a.startLine === a.endLine && a.endColumn !== undefined && { end_column: a.endColumn }),
  annotation_level: a.level,
  message: a.message,
  ...(a.title !== undefined && { title: a.title }),
});

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The REST body of a check run write (without `name`/`head_sha`), annotations excluded. */
function checkRunBody(input: Partial<Omit<CheckRunInput, 'name' | 'headSha'>>) {
  const hasOutput = input.title !== undefined && input.summary !== undefined;
  return {
    ...(input.status !== undefined && { status: input.status }),
    ...(input.conclusion !== undefined && { conclusion: input.conclusion }),
    ...(input.externalId !== undefined && { external_id: input.externalId }),
    ...(input.detailsUrl !== undefined && { details_url: input.detailsUrl }),
    ...(input.actions !== undefined && { actions: input.actions }),
    ...(hasOutput && {
      output: {
        title: input.title as string,
        summary: input.summary as string,
        ...(input.text !== undefined && { text: input.text }),
      },
    }),
  };
}

interface RestCheckRun {
  id: number;
  name: string;
  head_sha: string;
  html_url: string | null;
  external_id: string | null;
  status: string;
  conclusion: string | null;
}

const toCheckRun = (run: RestCheckRun): GitHubCheckRun => ({
  id: run.id,
  name: run.name,
  headSha: run.head_sha,
  url: run.html_url ?? '',
  externalId: run.external_id || null,
  status: run.status === 'completed' ? 'completed' : run.status === 'in_progress' ? 'in_progress' : 'queued',
  conclusion: (run.conclusion as CheckConclusion | null) ?? null,
});

interface RestPullRequest {
  number: number;
  html_url: string;
  state: string;
  head: { sha: string; repo?: { full_name: string } | null };
  base: { sha: string };
  user: { login: string; type?: string } | null;
}

function toPullRequest(data: RestPullRequest): GitHubPullRequest {
  return {
    number: data.number,
    htmlUrl: data.html_url,
    state: data.state === 'closed' ? 'closed' : 'open',
    headSha: data.head.sha,
    baseSha: data.base.sha,
    author: { login: data.user?.login ?? 'ghost', type: data.user?.type ?? 'User' },
    headRepository: data.head.repo?.full_name ?? null,
  };
}

interface RestWorkflowRun {
  id: number;
  head_sha: string;
  head_branch?: string | null;
  event: string;
  status?: string | null;
  conclusion?: string | null;
  actor?: { login: string } | null;
  triggering_actor?: { login: string } | null;
  pull_requests?: Array<{ number: number }> | null;
  created_at: string;
}

const toWorkflowRun = (run: RestWorkflowRun): GitHubWorkflowRun => ({
  id: run.id,
  headSha: run.head_sha,
  headBranch: run.head_branch ?? null,
  event: run.event,
  actor: run.triggering_actor?.login ?? run.actor?.login ?? null,
  status: run.status ?? 'unknown',
  conclusion: run.conclusion ?? null,
  pullRequests: (run.pull_requests ?? []).map((pr) => pr.number),
  createdAt: run.created_at,
});

export class OctokitGateway implements GitHubGateway {
  /** Installation id by lower-cased repository; null: not installed (a 404, kept for a minute). */
  readonly #installations: BoundedCache<string, { id: number | null; message: string }>;
  /** The same by lower-cased organization, for team lookups (teams named by policies). */
  readonly #orgInstallations: BoundedCache<string, { id: number | null; message: string }>;
  /** When the recent lookups of repositories not remembered were made (at most a minute's worth). */
  readonly #lookups: number[] = [];
  readonly #now: () => number;
  #identity: Promise<GitHubAppIdentity> | null = null;

  constructor(
    private readonly probot: Probot,
    { now = Date.now }: { now?: () => number } = {},
  ) {
    this.#installations = new BoundedCache({ max: MAX_INSTALLATIONS, ttlMs: INSTALLATION_TTL_MS, now });
    this.#orgInstallations = new BoundedCache({ max: MAX_ORGANIZATIONS, ttlMs: INSTALLATION_TTL_MS, now });
    this.#now = now;
  }

  appIdentity(): Promise<GitHubAppIdentity> {
    if (this.#identity) return this.#identity;
    const identity = call('read the app (GET /app)', async () => {
      const app = await this.probot.auth();
      const { data } = await app.rest.apps.getAuthenticated();
      if (!data?.slug) throw new GitHubError(502, 'GitHub answered GET /app without the app’s slug.');
      return { id: data.id, slug: data.slug, botLogin: `${data.slug}[bot]` };
    });
    this.#identity = identity;
    // A failure is not remembered: the next caller asks again.
    identity.catch(() => {
      if (this.#identity === identity) this.#identity = null;
    });
    return identity;
  }

  async installationOf(repository: string): Promise<number> {
    const key = repository.toLowerCase();
    const cached = this.#installations.get(key);
    if (cached) {
      if (cached.id === null) throw new GitHubError(404, cached.message);
      return cached.id;
    }
    this.#spendLookup(repository);
    try {
      const id = await call(`find the app's installation on ${repository}`, async () => {
        const app = await this.probot.auth();
        const { data } = await app.rest.apps.getRepoInstallation(split(repository));
        return data.id;
      });
      this.#installations.set(key, { id, message: '' });
      return id;
    } catch (error) {
      if (error instanceof GitHubError && error.status === 404) {
        this.#installations.set(key, { id: null, message: error.message }, NOT_INSTALLED_TTL_MS);
      }
      throw error;
    }
  }

  #spendLookup(repository: string): void {
    const now = this.#now();
    while (this.#lookups.length > 0 && (this.#lookups[0] as number) <= now - 60_000) this.#lookups.shift();
    if (this.#lookups.length >= MAX_LOOKUPS_PER_MINUTE) {
      const seconds = Math.max(1, Math.ceil(((this.#lookups[0] as number) + 60_000 - now) / 1000));
      throw new GitHubError(
        429,
        `Could not find the app's installation on ${repository}: more than ${MAX_LOOKUPS_PER_MINUTE} repositories ` +
          `not seen before were looked up in the last minute; try again in ${seconds} s.`,
      );
    }
    this.#lookups.push(now);
  }

  rememberInstallation(repository: string, installationId: number): void {
    this.#installations.set(repository.toLowerCase(), { id: installationId, message: '' });
  }

  forgetInstallations(): void {
    this.#installations.clear();
    this.#orgInstallations.clear();
  }

  async #octokit(repository: string): Promise<Octokit> {
    const id = await this.installationOf(repository);
    return call(`authenticate as the app's installation on ${repository}`, () => this.probot.auth(id));
  }

  async defaultBranchHead(repository: string) {
    const octokit = await this.#octokit(repository);
    return call(`read the default branch of ${repository}`, async () => {
      const { data: repo } = await octokit.rest.repos.get(split(repository));
      const { data: branch } = await octokit.rest.repos.getBranch({
        ...split(repository),
        branch: repo.default_branch,
      });
      return { branch: repo.default_branch, sha: branch.commit.sha };
    });
  }

  async readYamlFiles(repository: string, dir: string, ref: string): Promise<Map<string, string> | null> {
    const octokit = await this.#octokit(repository);
    const doing = `read ${dir}/ of ${repository} at ${ref}`;
    let listing: unknown;
    try {
      ({ data: listing } = await octokit.rest.repos.getContent({ ...split(repository), path: dir, ref }));
    } catch (error) {
      const failure = toGitHubError(error, doing);
      if (failure.status === 404) return null;
      throw failure;
    }
    if (!Array.isArray(listing)) return null;
    const files = new Map<string, string>();
    const entries = (listing as Array<{ type: string; name: string; path: string }>)
      .filter((e) => e.type === 'file' && YAML.test(e.name))
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const text = await call(`read ${entry.path} of ${repository} at ${ref}`, async () => {
        const { data } = await octokit.rest.repos.getContent({ ...split(repository), path: entry.path, ref });
        const file = data as { content?: string; encoding?: string };
        if (typeof file.content !== 'string') return '';
        return file.encoding === 'base64'
          ? Buffer.from(file.content, 'base64').toString('utf8')
          : file.content;
      });
      files.set(entry.name, text);
    }
    return files;
  }

  async createIssue(repository: string, issue: NewIssue): Promise<GitHubIssue> {
    const octokit = await this.#octokit(repository);
    return call(`open an issue in ${repository}`, async () => {
      const { data } = await octokit.rest.issues.create({ ...split(repository), ...issue });
      return toIssue(data as RestIssue);
    });
  }

  async getIssue(repository: string, number: number): Promise<GitHubIssue> {
    const octokit = await this.#octokit(repository);
    return call(`read issue ${repository}#${number}`, async () => {
      const { data } = await octokit.rest.issues.get({ ...split(repository), issue_number: number });
      return toIssue(data as RestIssue);
    });
  }

  async updateIssueBody(repository: string, number: number, body: string): Promise<void> {
    const octokit = await this.#octokit(repository);
    await call(`update issue ${repository}#${number}`, () =>
      octokit.rest.issues.update({ ...split(repository), issue_number: number, body }),
    );
  }

  async finishIssue(
    repository: string,
    number: number,
    final: { body: string; labels: string[]; reason: 'completed' | 'not_planned' },
  ): Promise<void> {
    const octokit = await this.#octokit(repository);
    await call(`close issue ${repository}#${number}`, () =>
      octokit.rest.issues.update({
        ...split(repository),
        issue_number: number,
        body: final.body,
        labels: final.labels,
        state: 'closed',
        state_reason: final.reason,
      }),
    );
  }

  async listIssuesWithLabel(repository: string, label: string, since: string): Promise<GitHubIssue[]> {
    const octokit = await this.#octokit(repository);
    return call(`list the ${label} issues of ${repository}`, async () => {
      const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
        ...split(repository),
        labels: label,
        state: 'all',
        since,
        per_page: 100,
      });
      return issues.map((issue) => toIssue(issue as RestIssue));
    });
  }

  async isAssignable(repository: string, login: string): Promise<boolean> {
    const octokit = await this.#octokit(repository);
    try {
      await octokit.rest.issues.checkUserCanBeAssigned({ ...split(repository), assignee: login });
      return true;
    } catch (error) {
      const failure = toGitHubError(error, `check whether ${login} can be assigned in ${repository}`);
      if (failure.status === 404) return false;
      throw failure;
    }
  }

  async issueClosure(repository: string, number: number): Promise<IssueClosure | null> {
    const octokit = await this.#octokit(repository);
    return call(`read the events of issue ${repository}#${number}`, async () => {
      const events = await octokit.paginate(octokit.rest.issues.listEvents, {
        ...split(repository),
        issue_number: number,
        per_page: 100,
      });
      return latestClosure(events as RestIssueEvent[]);
    });
  }

  async reopenIssue(repository: string, number: number): Promise<void> {
    const octokit = await this.#octokit(repository);
    await call(`reopen issue ${repository}#${number}`, () =>
      octokit.rest.issues.update({ ...split(repository), issue_number: number, state: 'open' }),
    );
  }

  async createComment(repository: string, number: number, body: string): Promise<GitHubComment> {
    const octokit = await this.#octokit(repository);
    return call(`comment on ${repository}#${number}`, async () => {
      const { data } = await octokit.rest.issues.createComment({
        ...split(repository),
        issue_number: number,
        body,
      });
      return toComment(data as RestComment);
    });
  }

  async listComments(repository: string, number: number): Promise<GitHubComment[]> {
    const octokit = await this.#octokit(repository);
    return call(`read the comments of ${repository}#${number}`, async () => {
      const comments = await octokit.paginate(octokit.rest.issues.listComments, {
        ...split(repository),
        issue_number: number,
        per_page: 100,
      });
      return comments.map((c) => toComment(c as RestComment));
    });
  }

  async addReaction(repository: string, commentId: number, reaction: Reaction): Promise<void> {
    const octokit = await this.#octokit(repository);
    await call(`react to comment ${commentId} in ${repository}`, () =>
      octokit.rest.reactions.createForIssueComment({
        ...split(repository),
        comment_id: commentId,
        content: reaction,
      }),
    );
  }

  async createCheckRun(repository: string, unfit: CheckRunInput): Promise<{ id: number; url: string }> {
    const input = fitCheckRunInput(unfit);
    const octokit = await this.#octokit(repository);
    const [first = [], ...rest] = batches(input.annotations ?? [], ANNOTATION_BATCH);
    const body = checkRunBody(input);
    const created = await call(
      `create check run "${input.name}" on ${repository}@${input.headSha}`,
      async () => {
        const { data } = await octokit.rest.checks.create({
          ...split(repository),
          name: input.name,
          head_sha: input.headSha,
          ...body,
          ...(body.output && { output: { ...body.output, annotations: first.map(toRestAnnotation) } }),
        } as Parameters<typeof octokit.rest.checks.create>[0]);
        return { id: data.id, url: data.html_url ?? '' };
      },
    );
    await this.#moreAnnotations(octokit, repository, created.id, input, rest);
    return created;
  }

  async updateCheckRun(
    repository: string,
    checkRunId: number,
    unfit: Partial<Omit<CheckRunInput, 'name' | 'headSha'>>,
  ): Promise<void> {
    const input = fitCheckRunInput(unfit);
    const octokit = await this.#octokit(repository);
    const [first = [], ...rest] = batches(input.annotations ?? [], ANNOTATION_BATCH);
    const body = checkRunBody(input);
    await call(`update check run ${checkRunId} on ${repository}`, () =>
      octokit.rest.checks.update({
        ...split(repository),
        check_run_id: checkRunId,
        ...body,
        ...(body.output && { output: { ...body.output, annotations: first.map(toRestAnnotation) } }),
      } as Parameters<typeof octokit.rest.checks.update>[0]),
    );
    await this.#moreAnnotations(octokit, repository, checkRunId, input, rest);
  }

  /** Annotations beyond the first 50, each batch an update with the same output. */
  async #moreAnnotations(
    octokit: Octokit,
    repository: string,
    checkRunId: number,
    input: Partial<CheckRunInput>,
    rest: CheckAnnotation[][],
  ): Promise<void> {
    if (rest.length === 0) return;
    if (input.title === undefined || input.summary === undefined) {
      throw new GitHubError(422, 'Check run annotations need an output title and summary.');
    }
    for (const batch of rest) {
      await call(`add annotations to check run ${checkRunId} on ${repository}`, () =>
        octokit.rest.checks.update({
          ...split(repository),
          check_run_id: checkRunId,
          output: {
            title: input.title as string,
            summary: input.summary as string,
            annotations: batch.map(toRestAnnotation),
          },
        } as Parameters<typeof octokit.rest.checks.update>[0]),
      );
    }
  }

  async listCheckRuns(repository: string, sha: string, name: string): Promise<GitHubCheckRun[]> {
    const octokit = await this.#octokit(repository);
    return call(`list the "${name}" check runs of ${repository}@${sha}`, async () => {
      const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
        ...split(repository),
        ref: sha,
        check_name: name,
        filter: 'all',
        per_page: 100,
      });
      return (runs as RestCheckRun[]).map(toCheckRun).sort((a, b) => b.id - a.id);
    });
  }

  async getPullRequest(repository: string, number: number): Promise<GitHubPullRequest> {
    const octokit = await this.#octokit(repository);
    return call(`read pull request ${repository}#${number}`, async () => {
      const { data } = await octokit.rest.pulls.get({ ...split(repository), pull_number: number });
      return toPullRequest(data);
    });
  }

  async listPullRequestsForCommit(repository: string, sha: string): Promise<GitHubPullRequest[]> {
    const octokit = await this.#octokit(repository);
    return call(`list the pull requests of commit ${sha} in ${repository}`, async () => {
      const pulls = await octokit.paginate(octokit.rest.repos.listPullRequestsAssociatedWithCommit, {
        ...split(repository),
        commit_sha: sha,
        per_page: 100,
      });
      return pulls.map(toPullRequest);
    });
  }

  async listPullRequestReviews(repository: string, number: number): Promise<GitHubPullRequestReview[]> {
    const octokit = await this.#octokit(repository);
    return call(`read the reviews of ${repository}#${number}`, async () => {
      const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
        ...split(repository),
        pull_number: number,
        per_page: 100,
      });
      return reviews.map((r) => ({
        id: r.id,
        user: { login: r.user?.login ?? 'ghost', type: r.user?.type ?? 'User' },
        body: r.body || null,
        // REST says APPROVED, webhooks say approved.
        state: r.state.toLowerCase(),
        commitId: r.commit_id ?? null,
        submittedAt: r.submitted_at ?? null,
        url: r.html_url ?? null,
      }));
    });
  }

  async updateComment(repository: string, commentId: number, body: string): Promise<void> {
    const octokit = await this.#octokit(repository);
    await call(`edit comment ${commentId} in ${repository}`, () =>
      octokit.rest.issues.updateComment({ ...split(repository), comment_id: commentId, body }),
    );
  }

  async listPullRequestFiles(repository: string, number: number): Promise<PullRequestFile[]> {
    const octokit = await this.#octokit(repository);
    return call(`list the files of pull request ${repository}#${number}`, async () => {
      const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
        ...split(repository),
        pull_number: number,
        per_page: 100,
      });
      return files.map((f) => ({
        path: f.filename,
        previousPath: f.previous_filename ?? null,
        status: f.status,
      }));
    });
  }

  async collaboratorPermission(repository: string, login: string): Promise<CollaboratorPermission> {
    const octokit = await this.#octokit(repository);
    try {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
        ...split(repository),
        username: login,
      });
      const withRole = data as typeof data & {
        role_name?: string;
        user?: { permissions?: CollaboratorPermission['permissions'] } | null;
      };
      return {
        roleName: withRole.role_name ?? null,
        permission: data.permission ?? null,
        permissions: withRole.user?.permissions ?? null,
      };
    } catch (error) {
      const failure = toGitHubError(error, `read ${login}'s permission on ${repository}`);
      // Not a collaborator (or not a user at all): no role.
      if (failure.status === 404) return { roleName: null, permission: 'none', permissions: null };
      throw failure;
    }
  }

  async isCollaborator(repository: string, login: string): Promise<boolean> {
    const octokit = await this.#octokit(repository);
    try {
      await octokit.rest.repos.checkCollaborator({ ...split(repository), username: login });
      return true;
    } catch (error) {
      const failure = toGitHubError(error, `check whether ${login} is a collaborator of ${repository}`);
      if (failure.status === 404) return false;
      throw failure;
    }
  }

  async teamMembership(team: string, login: string): Promise<TeamMembershipState> {
    const [org = '', slug = ''] = team.split('/');
    // Teams belong to an organization; any repository of it authenticates as that installation.
    const octokit = await this.#octokitForOrg(org);
    try {
      const { data } = await octokit.rest.teams.getMembershipForUserInOrg({
        org,
        team_slug: slug,
        username: login,
      });
      return data.state === 'active' ? 'active' : 'pending';
    } catch (error) {
      const failure = toGitHubError(error, `read ${login}'s membership of ${team}`);
      if (failure.status === 404) return null;
      throw failure;
    }
  }

  async listInstalledRepositories(): Promise<string[]> {
    const app = await call('authenticate as the app', () => this.probot.auth());
    const installations = await call('list the app’s installations', () =>
      app.paginate(app.rest.apps.listInstallations, { per_page: 100 }),
    );
    const repositories: string[] = [];
    for (const installation of installations) {
      const octokit = await call(`authenticate as installation ${installation.id}`, () =>
        this.probot.auth(installation.id),
      );
      const repos = await call(`list the repositories of installation ${installation.id}`, () =>
        octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 }),
      );
      for (const repo of repos as unknown as Array<{ full_name: string }>) {
        this.rememberInstallation(repo.full_name, installation.id);
        repositories.push(repo.full_name);
      }
    }
    return repositories;
  }

  async listWaitingRuns(repository: string): Promise<GitHubWorkflowRun[]> {
    const octokit = await this.#octokit(repository);
    return call(`list the waiting workflow runs of ${repository}`, async () => {
      const { data } = await octokit.rest.actions.listWorkflowRunsForRepo({
        ...split(repository),
        status: 'waiting',
        per_page: 100,
      });
      return (data.workflow_runs as RestWorkflowRun[]).map(toWorkflowRun);
    });
  }

  async getWorkflowRun(repository: string, runId: string): Promise<GitHubWorkflowRun> {
    const octokit = await this.#octokit(repository);
    return call(`read workflow run ${runId} of ${repository}`, async () => {
      const { data } = await octokit.rest.actions.getWorkflowRun({
        ...split(repository),
        run_id: Number(runId),
      });
      return toWorkflowRun(data as RestWorkflowRun);
    });
  }

  async pendingDeploymentEnvironments(repository: string, runId: string): Promise<string[]> {
    const octokit = await this.#octokit(repository);
    return call(`list the pending deployments of run ${runId} of ${repository}`, async () => {
      const { data } = await octokit.rest.actions.getPendingDeploymentsForRun({
        ...split(repository),
        run_id: Number(runId),
      });
      return data.flatMap((pending) => (pending.environment?.name ? [pending.environment.name] : []));
    });
  }

  async protectionRuleApps(repository: string, environment: string): Promise<number[]> {
    const octokit = await this.#octokit(repository);
    return call(`read the protection rules of environment ${environment} of ${repository}`, async () => {
      const { data } = await octokit.rest.repos.getAllDeploymentProtectionRules({
        ...split(repository),
        environment_name: environment,
      });
      return (data.custom_deployment_protection_rules ?? []).flatMap((rule) =>
        rule.enabled && rule.app?.id !== undefined ? [rule.app.id] : [],
      );
    });
  }

  async latestDeployment(
    repository: string,
    sha: string,
    environment: string,
  ): Promise<GitHubDeployment | null> {
    const octokit = await this.#octokit(repository);
    return call(`find the deployment of ${sha} to ${environment} in ${repository}`, async () => {
      const { data } = await octokit.rest.repos.listDeployments({
        ...split(repository),
        sha,
        environment,
        per_page: 1,
      });
      const deployment = data[0];
      if (!deployment) return null;
      return {
        id: deployment.id,
        sha: deployment.sha,
        ref: deployment.ref,
        environment: deployment.environment,
        creator: deployment.creator?.login ?? null,
      };
    });
  }

  async reviewDeployment(repository: string, runId: string, review: DeploymentReview): Promise<void> {
    const octokit = await this.#octokit(repository);
    await call(`answer the deployment of run ${runId} to ${review.environment} in ${repository}`, () =>
      octokit.rest.actions.reviewCustomGatesForRun({
        ...split(repository),
        run_id: Number(runId),
        environment_name: review.environment,
        state: review.state,
        comment: review.comment,
      }),
    );
  }

  async #octokitForOrg(org: string): Promise<Octokit> {
    const key = org.toLowerCase();
    let id: number | null = null;
    for (const [repo, installation] of this.#installations.entries()) {
      if (installation.id !== null && repo.startsWith(`${key}/`)) {
        id = installation.id;
        break;
      }
    }
    if (id === null) {
      const cached = this.#orgInstallations.get(key);
      if (cached?.id === null) throw new GitHubError(404, cached.message);
      id = cached?.id ?? (await this.#findOrgInstallation(org));
    }
    const found = id;
    return call(`authenticate as the app's installation on ${org}`, () => this.probot.auth(found));
  }

  /** The installation on organization `org`; "not installed" (404) is remembered like a repository's. */
  async #findOrgInstallation(org: string): Promise<number> {
    const key = org.toLowerCase();
    try {
      const id = await call(`find the app's installation on the organization ${org}`, async () => {
        const app = await this.probot.auth();
        const { data } = await app.rest.apps.getOrgInstallation({ org });
        return data.id;
      });
      this.#orgInstallations.set(key, { id, message: '' });
      return id;
    } catch (error) {
      if (error instanceof GitHubError && error.status === 404) {
        this.#orgInstallations.set(key, { id: null, message: error.message }, NOT_INSTALLED_TTL_MS);
      }
      throw error;
    }
  }
}
