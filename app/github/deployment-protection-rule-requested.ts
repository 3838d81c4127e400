/**
 * `deployment_protection_rule.requested`: GitHub asks whether a deployment to an environment this
 * app protects may go ahead (docs/deployments.md). The request is made from the payload's facts
 * (checked before any handler runs) and answered later, through the run's callback.
 */
import type { Context } from 'probot';
import { deploymentFactsOfPayload } from '../approvals/deployment-request.js';
import type { GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubDeploymentService } from '../services/github-deployment-service.js';

export const deploymentProtectionRuleRequested =
  ({ gateway, deployments }: { gateway: GitHubGateway; deployments: GitHubDeploymentService }) =>
  async (context: Context<'deployment_protection_rule.requested'>): Promise<void> => {
    const { repository, installation } = context.payload;
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    const parsed = deploymentFactsOfPayload(context.payload);
    // The intake answered 400 already for a payload without these; this only narrows the type.
    if (!parsed.ok) throw new Error(parsed.problem);
    await deployments.request(parsed.facts);
  };
