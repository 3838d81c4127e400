/**
 * `pull_request_review.dismissed`: a dismissed approving review no longer counts; its author's
 * approval is taken off the pending requests gated on the commit it was made on.
 */
import type { Context } from 'probot';
import type { GitHubHandlerDeps } from './handler-deps.js';

export const pullRequestReviewDismissed =
  ({ gateway, checkVotes }: GitHubHandlerDeps) =>
  async (context: Context<'pull_request_review.dismissed'>): Promise<void> => {
    const { review, pull_request: pr, repository, installation, sender } = context.payload;
    if (!review.user) return;
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    await checkVotes.handleReviewDismissed({
      repository: repository.full_name,
      pullRequest: pr.number,
      headSha: pr.head.sha,
      commitId: review.commit_id ?? null,
      login: review.user.login,
      dismissedBy: sender.login,
    });
  };
