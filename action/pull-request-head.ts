/**
 * The commit an `issue_comment` (ChatOps) run gates. Such a run's `GITHUB_SHA` is the default
 * branch's head, and the comment event does not carry the pull request's head, so it is read from
 * the GitHub API with the job's token: the approval is for the pull request's code, not main's.
 */
import type { FetchLike } from '../sdk/index.js';
import type { RunContext } from './run-context.js';

// biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, shown as written
const JOB_TOKEN_EXPRESSION = '${{ github.token }}';

export interface PullRequestHeadDeps {
  /** `github-token` (default: the job's `GITHUB_TOKEN`); needs `pull-requests: read`. */
  token: string | undefined;
  /** `GITHUB_API_URL`: https://api.github.com, or the GHES API. */
  apiUrl: string;
  fetch?: FetchLike;
}

/** `run`, with `sha` the pull request's head when the run is a comment on a pull request. */
export async function withPullRequestHead(run: RunContext, deps: PullRequestHeadDeps): Promise<RunContext> {
  if (run.eventName !== 'issue_comment' || run.pullRequest === null || !run.repository) return run;
  const where = `pull request #${run.pullRequest}`;
  if (!deps.token) {
    throw new Error(
      `This issue_comment run is for ${where}, whose head commit must be read from GitHub; ` +
        `pass the job token in the "github-token" input (its default is ${JOB_TOKEN_EXPRESSION}).`,
    );
  }
  const fetch = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const url = `${deps.apiUrl.replace(/\/+$/, '')}/repos/${run.repository}/pulls/${run.pullRequest}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'GET',
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${deps.token}`,
        'x-github-api-version': '2022-11-28',
      },
    });
  } catch (error) {
    throw new Error(
      `Could not read ${where} from ${url}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const body = (await response.json().catch(() => null)) as { head?: { sha?: unknown } } | null;
  const sha = body?.head?.sha;
  if (!response.ok || typeof sha !== 'string' || !/^[0-9a-f]{40}$/i.test(sha)) {
    throw new Error(
      `Could not read the head commit of ${where} (GitHub answered ${response.status}); ` +
        'give the job "permissions: pull-requests: read", or a token that can read it in "github-token".',
    );
  }
  return { ...run, sha: sha.toLowerCase() };
}
