/**
 * `deployment_protection_rule` and `workflow_run` deliveries as GitHub sends them. The examples
 * package has no `deployment_protection_rule` payload (ECOSYSTEM §2), so it is built from the
 * `deployment` event's example (its `deployment`, `repository` and `sender` objects) plus the keys
 * GitHub's schema gives the event: `environment`, `event`, `deployment_callback_url`,
 * `pull_requests`, `installation`.
 */
import type { FakeDeployment, FakeGitHub, FakeWorkflowRun } from '../fakes/fake-github.js';
import { example, withRepository as inRepository } from './harness.js';

/** GitHub asks the app about `deployment` of `run` (its callback URL names the run). */
export function protectionRulePayload(
  fake: FakeGitHub,
  fullName: string,
  run: FakeWorkflowRun,
  deployment: FakeDeployment,
): any {
  const base = inRepository(example('deployment'), fullName);
  return {
    action: 'requested',
    environment: deployment.environment,
    event: run.event,
    deployment_callback_url: `${fake.baseUrl}/repos/${fullName}/actions/runs/${run.id}/deployment_protection_rule`,
    deployment: {
      ...base.deployment,
      id: deployment.id,
      sha: deployment.sha,
      ref: deployment.ref,
      environment: deployment.environment,
      original_environment: deployment.environment,
      creator: { ...base.deployment.creator, login: deployment.creator, type: 'User' },
    },
    pull_requests: run.pull_requests.map((number) => ({
      url: `${fake.baseUrl}/repos/${fullName}/pulls/${number}`,
      id: number * 1000,
      number,
      state: 'open',
      head: { sha: run.head_sha, ref: run.head_branch },
    })),
    repository: base.repository,
    sender: { ...base.sender, login: deployment.creator },
    installation: base.installation,
  };
}

/** `workflow_run.completed` for `run` (as it is now in the fake). */
export function workflowRunCompletedPayload(fullName: string, run: FakeWorkflowRun): any {
  const payload = inRepository(
    example('workflow_run', (e) => e.action === 'completed'),
    fullName,
  );
  payload.workflow_run = {
    ...payload.workflow_run,
    id: run.id,
    head_sha: run.head_sha,
    head_branch: run.head_branch,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
  };
  return payload;
}
