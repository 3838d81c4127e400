/**
 * `push`: a change to `policies/` on the default branch takes effect now. Pushes to other branches
 * (an agent's branch, a pull request's) never change the policies in force.
 *
 * Whether `policies/` changed is read from the payload's commits, however many (GitHub lists up to
 * 2,048 per push; reading files costs API calls, the payload does not). When the payload cannot
 * tell, the policies are read again at the pushed commit: a list at GitHub's cap may be
 * incomplete, and a force-push can undo earlier commits that no listed commit shows (its list may
 * even be empty, when the branch was moved back to an older commit).
 */
import type { Context } from 'probot';
import type { GitHubHandlerDeps } from './handler-deps.js';

/** GitHub lists at most this many commits in a push payload (GitHub docs, "push" webhook). */
const MAX_LISTED_COMMITS = 2048;
const POLICY_DIR = 'policies/';

export const push =
  ({ gateway, policies }: GitHubHandlerDeps) =>
  async (context: Context<'push'>): Promise<void> => {
    const { ref, after, deleted, forced, commits, repository, installation } = context.payload;
    if (deleted || ref !== `refs/heads/${repository.default_branch}`) return;
    const unknowable = forced || commits.length === 0 || commits.length >= MAX_LISTED_COMMITS;
    const touched =
      unknowable ||
      commits.some((c) =>
        [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].some((path) =>
          path.startsWith(POLICY_DIR),
        ),
      );
    if (!touched) return;
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    if (repository.name === '.github') {
      policies.invalidateOwner(repository.full_name.split('/')[0] as string);
      return;
    }
    await policies.refresh(repository.full_name, after);
  };
