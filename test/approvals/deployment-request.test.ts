/** What a deployment protection rule's payload becomes (app/approvals/deployment-request.ts): GitHub's facts only. */
import { describe, expect, it } from 'vitest';
import {
  deploymentAction,
  deploymentFactsOfPayload,
  deploymentRequestInput,
  runIdOfCallbackUrl,
} from '../../app/approvals/deployment-request.js';

const SHA = 'a'.repeat(40);
const payload = (over: Record<string, unknown> = {}) => ({
  action: 'requested',
  environment: 'production',
  event: 'push',
  deployment_callback_url:
    'https://api.github.com/repos/acme/payments/actions/runs/42/deployment_protection_rule',
  deployment: { id: 9, sha: SHA.toUpperCase(), ref: 'main', creator: { login: 'octocat' } },
  pull_requests: [{ number: 8 }, { number: 7 }, { number: 7 }],
  repository: { full_name: 'acme/payments' },
  sender: { login: 'someone-else' },
  ...over,
});

describe('deploymentFactsOfPayload', () => {
  it("takes the run from the callback URL and the rest from GitHub's objects", () => {
    expect(deploymentFactsOfPayload(payload())).toEqual({
      ok: true,
      facts: {
        repository: 'acme/payments',
        environment: 'production',
        runId: '42',
        deploymentId: 9,
        sha: SHA,
        ref: 'main',
        actor: 'octocat',
        event: 'push',
        pullRequests: [7, 8],
      },
    });
  });

  it.each([
    [
      'a callback URL of another repository',
      {
        deployment_callback_url:
          'https://api.github.com/repos/evil/x/actions/runs/42/deployment_protection_rule',
      },
    ],
    [
      'a callback URL that is not a run',
      { deployment_callback_url: 'https://api.github.com/repos/acme/payments/issues/1' },
    ],
    ['a callback URL that is not a URL', { deployment_callback_url: 'not a url' }],
    ['a short SHA', { deployment: { id: 9, sha: 'abc', ref: 'main' } }],
    ['no environment', { environment: '' }],
    ['an environment too long', { environment: 'e'.repeat(256) }],
    ['another action', { action: 'completed' }],
  ])('refuses %s', (_what, over) => {
    expect(deploymentFactsOfPayload(payload(over))).toMatchObject({ ok: false });
  });

  it('matches the repository in the callback URL case-insensitively, as GitHub does', () => {
    const url = 'https://ghe.acme.dev/api/v3/repos/ACME/Payments/actions/runs/7/deployment_protection_rule';
    expect(runIdOfCallbackUrl(url, 'acme/payments')).toBe('7');
  });
});

describe('deploymentAction', () => {
  it('is deploy:<environment>, with characters an action cannot hold written "-"', () => {
    expect(deploymentAction('production')).toBe('deploy:production');
    expect(deploymentAction('Production EU')).toBe('deploy:Production-EU');
    expect(deploymentAction('<script>alert(1)</script>')).toBe('deploy:-script-alert-1--/script-');
    expect(deploymentAction('x'.repeat(255))).toHaveLength(200);
  });
});

describe('deploymentRequestInput', () => {
  it('names the commit, and the pull request only when GitHub lists exactly one', () => {
    const facts = {
      repository: 'acme/payments',
      environment: 'production',
      runId: '42',
      deploymentId: 9,
      sha: SHA,
      ref: 'main',
      actor: 'octocat',
      event: 'push',
      pullRequests: [7],
    };
    expect(deploymentRequestInput(facts).context).toEqual({
      environment: 'production',
      runId: '42',
      sha: SHA,
      pullRequest: 7,
    });
    expect(deploymentRequestInput({ ...facts, pullRequests: [7, 8] }).context).not.toHaveProperty(
      'pullRequest',
    );
  });
});
