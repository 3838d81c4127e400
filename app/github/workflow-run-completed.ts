/**
 * `workflow_run.completed`: a run that ended (cancelled, failed, done) no longer waits for a
 * deployment answer, so its deployment requests still pending end as cancelled (docs/deployments.md).
 */
import type { Context } from 'probot';
import type { GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubDeploymentService } from '../services/github-deployment-service.js';

export const workflowRunCompleted =
  ({ gateway, deployments }: { gateway: GitHubGateway; deployments: GitHubDeploymentService }) =>
  async (context: Context<'workflow_run.completed'>): Promise<void> => {
    const { repository, installation, workflow_run: run } = context.payload;
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    await deployments.runEnded(repository.full_name, String(run.id), run.conclusion ?? null);
  };
