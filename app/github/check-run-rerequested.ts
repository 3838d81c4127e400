/**
 * `check_run.rerequested`: someone clicked "Re-run" on one of this app's runs. The `AgentGate
 * policy` check runs again; a request's run is rewritten from the stored state (the same run).
 */
import type { Context } from 'probot';
import type { GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubRerunService } from '../services/github-rerun-service.js';

export const checkRunRerequested =
  ({ gateway, reruns }: { gateway: GitHubGateway; reruns: GitHubRerunService }) =>
  async (context: Context<'check_run.rerequested'>): Promise<void> => {
    const { check_run: run, repository, installation } = context.payload;
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    await reruns.rerunCheckRun(repository.full_name, {
      id: run.id,
      name: run.name,
      headSha: run.head_sha,
      externalId: run.external_id || null,
      pullRequests: (run.pull_requests ?? []).map((p) => p.number),
    });
  };
