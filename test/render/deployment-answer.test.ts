/** The answer posted to a deployment's run (app/render/deployment-answer.ts): short, plain, who and why. */
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../app/ports/store.js';
import { DEPLOYMENT_COMMENT_MAX, renderDeploymentAnswer } from '../../app/render/deployment-answer.js';

const request = (over: Partial<RequestRecord> = {}): RequestRecord => ({
  id: 'req_1',
  action: 'deploy:production',
  params: {},
  context: {},
  urgency: 'normal',
  status: 'denied',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  decidedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T01:00:00.000Z',
  decidedBy: 'github:mona',
  decisionReason: 'not today',
  repository: 'acme/payments',
  requester: {
    type: 'github_deployment',
    repository: 'acme/payments',
    environment: 'production',
    actor: 'octocat',
    event: 'push',
    ref: 'main',
    sha: 'a'.repeat(40),
    runId: '42',
    deploymentId: 9,
    pullRequests: [],
    pullRequest: null,
  },
  policyDecision: {
    decision: 'route_to_human',
    rules: ['production-deploys'],
    policyVersion: 'v',
    reason: 'r',
  },
  review: {
    via: 'issue',
    url: 'https://github.com/acme/payments/issues/3',
    requirements: [],
    votes: [],
    boundPullRequest: null,
  },
  ownerId: 'deployment:acme/payments:run:42',
  ...over,
});

describe('renderDeploymentAnswer', () => {
  it('rejects a denial, naming who, why and where', () => {
    expect(renderDeploymentAnswer(request(), 'https://ag.example/requests/req_1')).toEqual({
      environment: 'production',
      state: 'rejected',
      comment:
        'AgentGate req_1: Rejected by @mona (rule production-deploys): not today. Review: https://github.com/acme/payments/issues/3 Request: https://ag.example/requests/req_1',
    });
  });

  it('labels an operator override and a cancellation', () => {
    const override = renderDeploymentAnswer(
      request({ status: 'approved', decidedBy: 'api:ops', decisionReason: null }),
      null,
    );
    expect(override.state).toBe('approved');
    expect(override.comment).toContain('Approved by api:ops, an operator override through the AgentGate API');
    const cancelled = renderDeploymentAnswer(
      request({ status: 'cancelled', decidedBy: 'api:ops', decisionReason: 'wrong build' }),
      null,
    );
    expect(cancelled).toMatchObject({
      state: 'rejected',
      comment: expect.stringContaining('cancelled by api:ops: wrong build'),
    });
  });

  it('stays short with a huge multi-line reason, and keeps its links whole', () => {
    const answer = renderDeploymentAnswer(
      request({ decisionReason: `${'why\n'.repeat(5000)}` }),
      'https://ag.example/requests/req_1',
    );
    expect(answer.comment.length).toBeLessThanOrEqual(DEPLOYMENT_COMMENT_MAX);
    expect(answer.comment).not.toContain('\n');
    expect(answer.comment.endsWith('Request: https://ag.example/requests/req_1')).toBe(true);
  });
});
