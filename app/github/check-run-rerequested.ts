/**
 * `check_run.rerequested`: someone clicked "Re-run" on a request's check run. A new run shows the
 * request as it is now (GitHub shows the latest run), so the state is never lost to a re-run.
 */
import type { Context } from 'probot';
import type { GitHubHandlerDeps } from './handler-deps.js';

export const checkRunRerequested =
  ({ gateway, checks }: GitHubHandlerDeps) =>
  async (context: Context<'check_run.rerequested'>): Promise<void> => {
    const { check_run: run, repository, installation } = context.payload;
    if (!run.external_id || !run.name.startsWith('AgentGate: ')) return; // not ours
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    await checks.handleRerun(repository.full_name, run.external_id);
  };
