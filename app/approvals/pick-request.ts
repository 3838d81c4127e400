/**
 * `/approve <request id>` and `/deny <request id>` on a pull request (DESIGN §11, "Picking a request
 * on a PR"; docs/github-app.md, "Review on a commit"): may the named request be decided from this
 * pull request? Only a pending request of this repository, reviewed on a commit, gated on the pull
 * request's head commit (what the reviewer sees there), and bound to this pull request or to none:
 * a request bound to another pull request is decided there. An unbound request (its key could not
 * bind a PR) is decided by its id on any pull request whose head is its commit, like its check
 * run's buttons: the reviewer names it, so nobody approves it by accident. Pure.
 */
import type { RequestRecord } from '../ports/store.js';
import { boundPullRequestOf, checkTargetOf, reviewedOnCommit } from './check-target.js';

export type PickProblem =
  /** No such request in this repository (another repository's ids are not told apart). */
  | 'unknown'
  | 'not_pending'
  /** Reviewed in an issue: answered there. */
  | 'not_on_commit'
  /** Bound to another pull request. */
  | 'other_pull_request'
  /** Gated on another commit than the pull request's head. */
  | 'other_commit';

export function pickProblemOf(
  request: RequestRecord | null,
  where: { repository: string; pullRequest: number; headSha: string },
): PickProblem | null {
  if (!request || request.repository?.toLowerCase() !== where.repository.toLowerCase()) return 'unknown';
  if (request.status !== 'pending') return 'not_pending';
  const target = checkTargetOf(request);
  if (!reviewedOnCommit(request) || !target.ok) return 'not_on_commit';
  const bound = boundPullRequestOf(request);
  if (bound !== null && bound !== where.pullRequest) return 'other_pull_request';
  if (target.sha !== where.headSha.toLowerCase()) return 'other_commit';
  return null;
}
