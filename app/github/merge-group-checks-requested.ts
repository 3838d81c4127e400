/**
 * `merge_group.checks_requested`: a pull request entered a merge queue and the queue's commit
 * needs the required checks. Requests' decisions are carried over from the pull request's head
 * (and the policy check runs if the pull request changes policies), in a job.
 */
import type { Context } from 'probot';
import type { GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubMergeQueueService } from '../services/github-merge-queue.js';

export const mergeGroupChecksRequested =
  ({ gateway, mergeQueue }: { gateway: GitHubGateway; mergeQueue: GitHubMergeQueueService }) =>
  async (context: Context<'merge_group.checks_requested'>): Promise<void> => {
    const { merge_group: group, repository, installation } = context.payload;
    if (!repository) return;
    if (installation) gateway.rememberInstallation(repository.full_name, installation.id);
    await mergeQueue.enqueue({
      repository: repository.full_name,
      headSha: group.head_sha,
      headRef: group.head_ref,
      baseSha: group.base_sha,
    });
  };
