/**
 * `check_suite.rerequested`: someone clicked "Re-run all checks" (GitHub sends it to the app whose
 * suite it is). Every run of this app on the commit runs again or is refreshed.
 */
import type { Context } from 'probot';
import type { GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubRerunService } from '../services/github-rerun-service.js';

export const checkSuiteRerequested =
  ({ gateway, reruns }: { gateway: GitHubGateway; reruns: GitHubRerunService }) =>
  async (context: Context<'check_suite.rerequested'>): Promise<void> => {
    const { check_suite: suite, repository, installation } = context.payload;
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    if (suite.app && suite.app.id !== (await gateway.appIdentity()).id) return; // another app's suite
    await reruns.rerunCheckSuite(repository.full_name, {
      headSha: suite.head_sha,
      headBranch: suite.head_branch ?? null,
      pullRequests: (suite.pull_requests ?? []).map((p) => ({
        number: p.number,
        headSha: p.head.sha,
        baseSha: p.base.sha,
      })),
    });
  };
