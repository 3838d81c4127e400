/**
 * What the console needs from GitHub for a signed-in GitHub user: whether they may read a request
 * (they can read its repository on GitHub, as they could its issue or check run), and what they may
 * vote for, decided by the same `GitHubVoterAuthorizer` that qualifies comments, buttons and reviews.
 */
import { effectivePermission, type Qualification } from '../approvals/qualify-voter.js';
import { BoundedCache } from '../bounded-cache.js';
import type { Logger } from '../logger.js';
import { GitHubError, type GitHubGateway } from '../ports/github-gateway.js';
import type { RequestRecord } from '../ports/store.js';
import { AppError } from '../services/app-error.js';
import { GitHubVoterAuthorizer } from '../services/github-voter-authorizer.js';
import type { GitHubOAuthClient } from './github-sign-in.js';

export interface ConsoleGitHubAccess {
  qualify(request: RequestRecord, login: string, isBot: boolean): Promise<Qualification>;
  canRead(repository: string, login: string): Promise<boolean>;
  /** The App's OAuth client; null: GitHub sign-in is off (no GITHUB_CLIENT_ID/SECRET). */
  oauth: GitHubOAuthClient | null;
}

/** Read access answers kept this long per (repository, login), so a busy queue does not ask GitHub per row. */
const READ_TTL_MS = 60_000;
const MAX_READ_ANSWERS = 10_000;

export function githubConsoleAccess(
  gateway: GitHubGateway,
  log: Logger,
  oauth: GitHubOAuthClient | null,
): ConsoleGitHubAccess {
  const authorizer = new GitHubVoterAuthorizer(gateway, log);
  const readable = new BoundedCache<string, boolean>({ max: MAX_READ_ANSWERS, ttlMs: READ_TTL_MS });
  return {
    oauth,
    async qualify(request, login, isBot) {
      try {
        return await authorizer.qualify(request, login, isBot);
      } catch (error) {
        throw unanswered(error, `whether ${login} may approve this request`);
      }
    },
    async canRead(repository, login) {
      const key = `${repository.toLowerCase()}|${login.toLowerCase()}`;
      const known = readable.get(key);
      if (known !== undefined) return known;
      let answer: boolean;
      try {
        answer = effectivePermission(await gateway.collaboratorPermission(repository, login)) !== null;
      } catch (error) {
        // GitHub hides a private repository from a non-collaborator (404); the app not installed: 404/403.
        if (!(error instanceof GitHubError) || (error.status !== 404 && error.status !== 403)) {
          throw unanswered(error, `whether you can read ${repository}`);
        }
        answer = false;
      }
      readable.set(key, answer);
      return answer;
    },
  };
}

/** GitHub failing to answer is "try again shortly" (503), not the viewer's fault and not a 500 page. */
function unanswered(error: unknown, what: string): unknown {
  if (!(error instanceof GitHubError)) return error;
  return new AppError(
    'unavailable',
    `GitHub did not say ${what} (it answered ${error.status}); try again shortly.`,
  );
}
