/**
 * `pull_request_review.submitted`: an approving review (or one requesting changes) on a pull
 * request whose head is a gated commit is a vote on that commit's pending requests.
 */
import type { Context } from 'probot';
import type { GitHubHandlerDeps } from './handler-deps.js';

export const pullRequestReviewSubmitted =
  ({ gateway, checkVotes }: GitHubHandlerDeps) =>
  async (context: Context<'pull_request_review.submitted'>): Promise<void> => {
    const { review, pull_request: pr, repository, installation } = context.payload;
    if (review.state !== 'approved' && review.state !== 'changes_requested') return; // not a vote
    if (!review.user) return;
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    await checkVotes.handleReview({
      repository: repository.full_name,
      pullRequest: pr.number,
      headSha: pr.head.sha,
      id: review.id,
      state: review.state,
      body: review.body ?? null,
      commitId: review.commit_id ?? null,
      login: review.user.login,
      userType: review.user.type ?? 'User',
      url: review.html_url ?? null,
    });
  };
