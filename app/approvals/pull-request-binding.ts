/**
 * Which pull request a new request is bound to (DESIGN §11, "Who may bind a request to a PR or
 * commit"). Reviews and `/approve` comments on a pull request count only for requests bound to it,
 * so an agent cannot collect approvals by naming somebody else's PR. Pure.
 *
 * - A deployment protection rule binds the one pull request GitHub lists for the deployment (none
 *   when it lists none or several).
 * - A GitHub Actions OIDC token binds from its claims: `refs/pull/N/merge` names PR N. Without a PR
 *   in its ref (an `issue_comment` workflow, say) the token is bound to its repository like a
 *   repository-bound key, so the PR it names in `context.pullRequest` binds.
 * - An `admin` key, or a key bound to the request's repository, binds the PR it names.
 * - Any other key binds nothing: its `context.pullRequest` stays unverified context.
 */
import type { Principal } from '../ports/store.js';
import { pullRequestOf } from './check-target.js';

/** `N` of `refs/pull/N/merge` (or `/head`), else null. */
export function pullRequestOfRef(ref: string | null | undefined): number | null {
  const match = ref ? /^refs\/pull\/(\d+)\/(?:merge|head)$/.exec(ref) : null;
  return match ? pullRequestOf(match[1]) : null;
}

/** May this principal bind a request of `repository` to the commit and PR it names? */
export function mayBind(principal: Principal, repository: string | null): boolean {
  if (repository === null) return false;
  if (principal.requester.type !== 'api_key' || principal.scopes.has('admin')) return true;
  return principal.repository !== null && principal.repository.toLowerCase() === repository.toLowerCase();
}

export function pullRequestBindingOf(
  principal: Principal,
  context: Record<string, unknown>,
  repository: string | null,
): number | null {
  if (principal.requester.type === 'github_deployment') return principal.requester.pullRequest;
  if (principal.requester.type === 'github_actions') {
    const fromToken = pullRequestOfRef(principal.requester.ref);
    if (fromToken !== null) return fromToken;
  }
  return mayBind(principal, repository) ? pullRequestOf(context.pullRequest) : null;
}
