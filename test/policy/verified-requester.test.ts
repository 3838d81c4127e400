/**
 * Policies match what a GitHub Actions job's OIDC token vouches for under `requester.*` (DESIGN
 * §11), whatever the request's free-form `context` claims.
 */
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../app/policy/index.js';
import { anActionsRequester } from '../store/builders.js';
import { aPolicySet, aRequest, aRule, NOW, rulesFile } from './builders.js';

const policies = aPolicySet({
  'gates.yaml': rulesFile(
    aRule(
      'deploys-from-the-production-environment',
      'auto_deny',
      '{ action: "deploy:*", requester.environment: { ne: production } }',
      '    reason: Deploy from a job in the production environment\n',
    ),
    aRule(
      'pull-request-runs',
      'route_to_human',
      '{ requester.event: { in: [pull_request, pull_request_target] }, requester.pullRequest: { exists: true } }',
      '    route: { approvers: { users: [alice] }, via: check }\n',
    ),
    aRule(
      'release-workflow',
      'auto_approve',
      '{ action: "publish", requester.jobWorkflowRef: { starts_with: "acme/app/.github/workflows/release.yml@" }, requester.ref: { starts_with: refs/tags/ } }',
    ),
  ),
});

const decide = (
  requester: Record<string, unknown>,
  action = 'publish',
  context: Record<string, unknown> = {},
) => evaluatePolicy(policies, aRequest({ action, requester, context }), NOW);

const PR = anActionsRequester({ event: 'pull_request', ref: 'refs/pull/7/merge', pullRequest: 7 });
const PUSH = anActionsRequester({ event: 'push' });
const TAG = anActionsRequester({
  ref: 'refs/tags/v1.2.0',
  jobWorkflowRef: 'acme/app/.github/workflows/release.yml@refs/tags/v1.2.0',
});

describe('policies on verified requester facts', () => {
  it.each([
    ['requester.environment: a deploy outside the production environment', PUSH, 'deploy:api', 'auto_deny'],
    [
      'requester.environment: a deploy from the production environment',
      anActionsRequester({ environment: 'production' }),
      'deploy:api',
      'route_to_human',
    ],
    ['requester.event + requester.pullRequest: a PR run', PR, 'merge', 'route_to_human'],
    ['requester.event: a push run is not a PR run', PUSH, 'merge', 'route_to_human'],
    [
      'requester.jobWorkflowRef + requester.ref: the release workflow on a tag',
      TAG,
      'publish',
      'auto_approve',
    ],
    ['an API key has none of these facts', { type: 'api_key', name: 'agent' }, 'publish', 'route_to_human'],
  ])('%s', (_name, requester, action, decision) => {
    expect(decide(requester, action).decision).toBe(decision);
  });

  it('names the rule that matched on requester facts', () => {
    expect(decide(PR, 'merge').rules).toEqual(['pull-request-runs']);
    // With no routing rule matching, the default routes: the push run matched nothing.
    expect(decide(PUSH, 'merge').rules).toEqual([]);
  });

  it('never takes a context claim for a verified fact', () => {
    const claims = { environment: 'production', event: 'pull_request', pullRequest: 7 };
    expect(decide(PUSH, 'deploy:api', claims).decision).toBe('auto_deny');
    expect(decide(PUSH, 'merge', claims).rules).toEqual([]);
  });
});
