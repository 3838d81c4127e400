/**
 * `GitHubGateway` over Probot's Octokit: app-authenticated (JWT) to find installations,
 * installation-authenticated for everything else. Probot's Octokit brings throttling and retry in
 * production; tests pass an Octokit class with both disabled so failures show at once.
 */
import type { Probot, ProbotOctokit } from 'probot';
import type { CollaboratorPermission } from '../../approvals/qualify-voter.js';
import {
  type GitHubComment,
  GitHubError,
  type GitHubGateway,
  type GitHubIssue,
  type NewIssue,
  type Reaction,
  type TeamMembershipState,
} from '../../ports/github-gateway.js';

type Octokit = ProbotOctokit;

const INSTALLATION_TTL_MS = 10 * 60 * 1000;
const YAML = /\.ya?ml$/i;

function split(repository: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = repository.split('/');
  return { owner, repo };
}

/** Octokit's errors (RequestError with `status`, or a fetch failure) as a `GitHubError`. */
function toGitHubError(error: unknown, doing: string): GitHubError {
  if (error instanceof GitHubError) return error;
  const status =
    typeof (error as { status?: unknown })?.status === 'number' ? (error as { status: number }).status : 0;
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
}

const toIssue = (issue: RestIssue): GitHubIssue => ({
  number: issue.number,
  htmlUrl: issue.html_url,
  title: issue.title,
  body: issue.body ?? null,
  state: issue.state === 'closed' ? 'closed' : 'open',
  labels: issue.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
  closedBy: issue.closed_by?.login ?? null,
});

interface RestComment {
  id: number;
  body?: string;
  user: { login: string; type: string } | null;
  created_at: string;
  updated_at: string;
}

const toComment = (comment: RestComment): GitHubComment => ({
  id: comment.id,
  body: comment.body ?? '',
  user: { login: comment.user?.login ?? 'ghost', type: comment.user?.type ?? 'User' },
  createdAt: comment.created_at,
  updatedAt: comment.updated_at,
});

export class OctokitGateway implements GitHubGateway {
  readonly #installations = new Map<string, { id: number; at: number }>();

  constructor(private readonly probot: Probot) {}

  async installationOf(repository: string): Promise<number> {
    const key = repository.toLowerCase();
    const cached = this.#installations.get(key);
    if (cached && Date.now() - cached.at < INSTALLATION_TTL_MS) return cached.id;
    const id = await call(`find the app's installation on ${repository}`, async () => {
      const app = await this.probot.auth();
      const { data } = await app.rest.apps.getRepoInstallation(split(repository));
      return data.id;
    });
    this.#installations.set(key, { id, at: Date.now() });
    return id;
  }

  rememberInstallation(repository: string, installationId: number): void {
    this.#installations.set(repository.toLowerCase(), { id: installationId, at: Date.now() });
  }

  forgetInstallations(): void {
    this.#installations.clear();
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

  async #octokitForOrg(org: string): Promise<Octokit> {
    const known = [...this.#installations.entries()].find(([repo]) =>
      repo.startsWith(`${org.toLowerCase()}/`),
    );
    if (known)
      return call(`authenticate as the app's installation on ${org}`, () => this.probot.auth(known[1].id));
    return call(`find the app's installation on the organization ${org}`, async () => {
      const app = await this.probot.auth();
      const { data } = await app.rest.apps.getOrgInstallation({ org });
      return this.probot.auth(data.id);
    });
  }
}
