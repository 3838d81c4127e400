/**
 * `issue_comment.created`: a possible `/approve` or `/deny` on a request's issue, or on a pull
 * request whose head commit gates requests (check-run review).
 */
import type { Context } from 'probot';
import type { GitHubHandlerDeps } from './handler-deps.js';

export const issueCommentCreated =
  ({ gateway, reviews, checkVotes }: GitHubHandlerDeps) =>
  async (context: Context<'issue_comment.created'>): Promise<void> => {
    const { comment, issue, repository, installation } = context.payload;
    if (!comment.body.trimStart().startsWith('/') || !comment.user) return; // not a command: not ours
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    if (issue.pull_request) {
      await checkVotes.handleComment({
        repository: repository.full_name,
        pullRequest: issue.number,
        id: comment.id,
        body: comment.body,
        login: comment.user.login,
        userType: comment.user.type ?? 'User',
        url: comment.html_url ?? null,
      });
      return;
    }
    await reviews.handleComment({
      repository: repository.full_name,
      issueNumber: issue.number,
      id: comment.id,
      body: comment.body,
      login: comment.user.login,
      userType: comment.user.type ?? 'User',
      url: comment.html_url ?? null,
      labels: (issue.labels ?? []).map((l) => l.name),
    });
  };
