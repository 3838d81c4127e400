/**
 * `issues.closed`: closing a request's issue denies it when the person who closed it could decide;
 * any other close (a commit, a bot, someone else) reopens it. Whether the issue is a request's is
 * decided by the stored link, not by its labels (which anyone with triage can edit).
 */
import type { Context } from 'probot';
import type { GitHubHandlerDeps } from './handler-deps.js';

export const issuesClosed =
  ({ gateway, reviews }: GitHubHandlerDeps) =>
  async (context: Context<'issues.closed'>): Promise<void> => {
    const { issue, repository, installation } = context.payload;
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    // Who closed it, and how, is read from the issue's close event (the payload has no commit).
    await reviews.handleIssueClosed(repository.full_name, issue.number);
  };
