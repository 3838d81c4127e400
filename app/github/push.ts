/**
 * `push`: a change to `policies/` on the default branch takes effect now. Pushes to other branches
 * (an agent's branch, a pull request's) never change the policies in force.
 */
import type { Context } from 'probot';
import type { GitHubHandlerDeps } from './handler-deps.js';

/** GitHub lists at most 20 commits in a push payload; beyond that, assume policies changed. */
const LISTED_COMMITS = 20;

export const push =
  ({ gateway, policies }: GitHubHandlerDeps) =>
  async (context: Context<'push'>): Promise<void> => {
    const { ref, after, deleted, commits, repository, installation } = context.payload;
    if (deleted || ref !== `refs/heads/${repository.default_branch}`) return;
    const touched =
      commits.length >= LISTED_COMMITS ||
      commits.some((c) =>
        [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].some((path) =>
          path.startsWith('policies/'),
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
