/**
 * Links to GitHub pages that AgentGate builds itself, from GitHub's web address as configured
 * (`githubWebUrl`: `https://github.com`, or a GitHub Enterprise Server's), never hard-coded. Pure.
 */

const base = (webUrl: string, repository: string) => `${webUrl.replace(/\/+$/, '')}/${repository}`;

/** A workflow run's page; null when the run id is not a number (nothing to link safely). */
export function workflowRunUrl(webUrl: string, repository: string, runId: string): string | null {
  return /^\d+$/.test(runId) ? `${base(webUrl, repository)}/actions/runs/${runId}` : null;
}

const pullRequestUrl = (webUrl: string, repository: string, number: number): string =>
  `${base(webUrl, repository)}/pull/${number}`;

const commitUrl = (webUrl: string, repository: string, sha: string): string =>
  `${base(webUrl, repository)}/commit/${sha}`;

/** A request's page in the web console (`/requests/:id`), on the server's public URL. */
export function consoleRequestUrl(serverUrl: string, requestId: string): string {
  return `${serverUrl.replace(/\/+$/, '')}/requests/${encodeURIComponent(requestId)}`;
}

/**
 * The "Details" link of a request's check run when the server's public URL is unknown (with it, the
 * console's page is the target: `consoleRequestUrl`): a page a reviewer can read. The request's issue
 * when it has one, else the pull request it is bound to (`review.boundPullRequest`: a pull request
 * only named in an unverified context is not linked, so nobody can point reviewers elsewhere),
 * else the commit the run is on. (The JSON route `/api/requests/:id` never is: a browser gets 401 there.)
 */
export function checkRunDetailsUrl(target: {
  webUrl: string;
  repository: string;
  sha: string;
  issueUrl: string | null;
  boundPullRequest: number | null;
}): string {
  if (target.issueUrl) return target.issueUrl;
  if (target.boundPullRequest)
    return pullRequestUrl(target.webUrl, target.repository, target.boundPullRequest);
  return commitUrl(target.webUrl, target.repository, target.sha);
}
