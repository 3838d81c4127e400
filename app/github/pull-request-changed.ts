/**
 * `pull_request` opened, synchronize (pushed to) or reopened: a possible policy change, checked as
 * the `AgentGate policy` check run on its head. Whether it touches `policies/` needs its file list,
 * so the service decides that in its job. A pull request never changes the policies in force.
 */
import type { Context } from 'probot';
import type { GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubPolicyCheckService } from '../services/github-policy-check.js';

export const PULL_REQUEST_CHANGED = [
  'pull_request.opened',
  'pull_request.synchronize',
  'pull_request.reopened',
] as const;

export const pullRequestChanged =
  ({ gateway, policyChecks }: { gateway: GitHubGateway; policyChecks: GitHubPolicyCheckService }) =>
  async (context: Context<(typeof PULL_REQUEST_CHANGED)[number]>): Promise<void> => {
    const { pull_request: pull, repository, installation } = context.payload;
    if (pull.state !== 'open') return;
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    await policyChecks.enqueue({
      repository: repository.full_name,
      number: pull.number,
      headSha: pull.head.sha,
      baseSha: pull.base.sha,
    });
  };
