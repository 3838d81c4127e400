/**
 * `issues.closed`: closing a request's issue without a decision denies it. Whether the issue is a
 * request's is decided by the stored link, not by its labels (which anyone with triage can edit).
 */
import type { Context } from 'probot';
import type { GitHubHandlerDeps } from './handler-deps.js';

export const issuesClosed =
  ({ gateway, reviews }: GitHubHandlerDeps) =>
  async (context: Context<'issues.closed'>): Promise<void> => {
    const { issue, repository, sender, installation } = context.payload;
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    await reviews.handleIssueClosed(repository.full_name, issue.number, sender.login);
  };
