import { describe, expect, it } from 'vitest';
import { isRequester } from '../../app/approvals/is-requester.js';
import type { Requester } from '../../sdk/schemas.js';

const actions: Requester = {
  type: 'github_actions',
  repository: 'acme/app',
  actor: 'Octocat',
  workflow: 'deploy',
  runId: '1',
  sha: 'a'.repeat(40),
  ref: 'refs/heads/main',
  workflowRef: 'acme/app/.github/workflows/deploy.yml@refs/heads/main',
  jobWorkflowRef: null,
  event: 'push',
  environment: null,
  pullRequest: null,
};
const key: Requester = { type: 'api_key', name: 'agent' };

describe('isRequester', () => {
  it.each([
    [actions, {}, 'octocat', true],
    [actions, {}, 'github:OCTOCAT', true],
    [actions, {}, 'hubot', false],
    [key, { onBehalfOf: '@alice' }, 'alice', true],
    [key, { onBehalfOf: 'github:alice' }, 'Alice', true],
    [key, { onBehalfOf: 'slack:U123' }, 'slack:U123', true],
    [key, { onBehalfOf: 'alice' }, 'bob', false],
    [key, { onBehalfOf: 42 }, '42', false],
    [key, {}, 'agent', false],
  ] as const)('%o on behalf of %o vs %s → %s', (requester, context, identity, expected) => {
    expect(isRequester({ requester, context }, identity)).toBe(expected);
  });
});
