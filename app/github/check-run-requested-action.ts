/**
 * `check_run.requested_action`: someone clicked Approve or Deny on a request's check run. GitHub
 * lets anyone with write access click; the service authorizes the clicker like any other voter.
 */
import type { Context } from 'probot';
import type { GitHubHandlerDeps } from './handler-deps.js';

export const checkRunRequestedAction =
  ({ gateway, checkVotes }: GitHubHandlerDeps) =>
  async (context: Context<'check_run.requested_action'>): Promise<void> => {
    const { check_run: run, requested_action: action, repository, sender, installation } = context.payload;
    if (!action) return; // not ours
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    await checkVotes.handleButton({
      repository: repository.full_name,
      checkRunId: run.id,
      externalId: run.external_id || null,
      headSha: run.head_sha,
      identifier: action.identifier ?? '',
      login: sender.login,
      userType: sender.type ?? 'User',
      url: run.html_url ?? null,
    });
  };
