/**
 * "Re-run" and "Re-run all checks" on this app's check runs (docs/github-app.md, "Re-runs"): the
 * `AgentGate policy` check runs again into the run clicked; a request's run — on its commit or
 * carried over to a merge-queue commit — is rewritten from the stored state (the same run, never a
 * second one: the request decides what it shows, not the click).
 */
import { parseMergeQueueRef } from '../approvals/merge-queue-ref.js';
import type { GitHubGateway } from '../ports/github-gateway.js';
import type { GitHubLinkStore } from '../ports/github-link-store.js';
import { POLICY_CHECK_NAME } from '../render/policy-check.js';
import type { GitHubCheckService } from './github-check-service.js';
import type { GitHubMergeQueueService } from './github-merge-queue.js';
import type { GitHubPolicyCheckService } from './github-policy-check.js';

/** A check run as a `check_run` webhook names it. */
export interface RerunCheckRun {
  id: number;
  name: string;
  headSha: string;
  externalId: string | null;
  /** Pull requests GitHub lists on the run (never one from a fork). */
  pullRequests: readonly number[];
}

/** A check suite as a `check_suite` webhook names it. */
export interface RerunCheckSuite {
  headSha: string;
  headBranch: string | null;
  pullRequests: readonly { number: number; headSha: string; baseSha: string }[];
}

export interface GitHubRerunDeps {
  store: GitHubLinkStore;
  gateway: GitHubGateway;
  checks: GitHubCheckService;
  policyChecks: GitHubPolicyCheckService;
  mergeQueue: GitHubMergeQueueService;
}

export class GitHubRerunService {
  constructor(private readonly deps: GitHubRerunDeps) {}

  /** `check_run.rerequested`. */
  async rerunCheckRun(repository: string, run: RerunCheckRun): Promise<void> {
    const { checks, policyChecks, mergeQueue } = this.deps;
    if (run.name === POLICY_CHECK_NAME) {
      await policyChecks.rerun(repository, run);
      return;
    }
    if (!run.externalId || !run.name.startsWith('AgentGate: ')) return; // not ours
    if (await mergeQueue.handleRerun(repository, run.externalId, run.id)) return;
    await checks.handleRerun(repository, run.externalId);
  }

  /** `check_suite.rerequested`: every run of this app on the suite's commit. */
  async rerunCheckSuite(repository: string, suite: RerunCheckSuite): Promise<void> {
    const { store, gateway, checks, policyChecks, mergeQueue } = this.deps;
    for (const link of await store.findGitHubCheckRuns(repository, suite.headSha)) {
      await checks.handleRerun(repository, link.requestId);
    }
    const [policyRun] = await gateway.listCheckRuns(repository, suite.headSha, POLICY_CHECK_NAME);
    const pulls = suite.pullRequests.filter((p) => p.headSha.toLowerCase() === suite.headSha.toLowerCase());
    if (policyRun) {
      await policyChecks.rerun(repository, { ...policyRun, pullRequests: pulls.map((p) => p.number) });
    } else {
      // Never got as far as a run (or the pull request does not touch policies: the job finds out).
      for (const pull of pulls) {
        await policyChecks.enqueue({
          repository,
          number: pull.number,
          headSha: suite.headSha,
          baseSha: pull.baseSha,
        });
      }
    }
    if (suite.headBranch && parseMergeQueueRef(suite.headBranch)) {
      // The copies are refreshed (and any missing made); the policy run was re-run above.
      await mergeQueue.enqueue({
        repository,
        headSha: suite.headSha,
        headRef: suite.headBranch,
        baseSha: null,
      });
    }
  }
}
