/**
 * Reviewers see what GitHub vouches for as verified and the agent's context as unverified, in the
 * issue, the check run and the Slack message (DESIGN §11).
 */
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../app/ports/store.js';
import { renderCheckRun } from '../../app/render/check-run-output.js';
import { renderIssueBody } from '../../app/render/issue-body.js';
import { toWireRequest } from '../../app/services/to-wire-request.js';
import { renderSlackMessage } from '../../app/slack/render-slack-message.js';
import { anActionsRequester, aRequestRecord, aReview } from '../store/builders.js';

const HEAD = '9c1185a5c5e9fc54612808977ee8f548b2258d31';

function aWorkflowRequest(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return aRequestRecord({
    id: 'req_01JFACTS',
    action: 'deploy:production',
    params: { service: 'api' },
    // What the agent says: shown, but as its word (its hint contradicts the verified environment).
    context: { sha: HEAD, task: 'Roll out 2.4.1', environment_hint: 'staging', onBehalfOf: 'dana' },
    createdAt: '2026-01-01T09:00:00.000Z',
    updatedAt: '2026-01-01T09:00:00.000Z',
    expiresAt: '2026-01-01T13:00:00.000Z',
    repository: 'acme/payments',
    requester: anActionsRequester({ sha: HEAD, environment: 'production', runId: '4711' }),
    policyDecision: {
      decision: 'route_to_human',
      rules: ['prod'],
      policyVersion: 'sha256:x',
      reason: 'routed',
    },
    review: aReview({ via: 'check' }),
    ...overrides,
  });
}

const VERIFIED_LINE =
  'workflow `acme/payments/.github/workflows/deploy.yml@refs/heads/main` ' +
  '([run 4711](https://github.com/acme/payments/actions/runs/4711)) of `acme/payments`, triggered by @octocat ' +
  "(`push`, `refs/heads/main`, environment `production`) — ✅ verified by GitHub's OIDC token";

describe('verified and unverified facts', () => {
  it('the issue: the workflow, run, actor, event, ref and environment as verified; the context as unverified', () => {
    const body = renderIssueBody({ request: aWorkflowRequest(), githubUrl: 'https://github.com' });
    expect(body).toContain(
      `| **Requested by** | ${VERIFIED_LINE}; on behalf of @dana (the agent's word, unverified) |`,
    );
    expect(body).toContain(
      '<details><summary>Context from the agent (unverified)</summary>\n\n' +
        '_The agent wrote this, and AgentGate does not vouch for it: only what is marked verified comes from GitHub._',
    );
  });

  it('the check run: the commit as verified for a push run, as the requester’s word for an API key', () => {
    const pushRun = renderCheckRun({ request: aWorkflowRequest(), githubUrl: 'https://github.com' });
    expect(pushRun.summary).toContain(`| **Requested by** | ${VERIFIED_LINE};`);
    expect(pushRun.summary).toContain(
      "| **Commit** | `9c1185a` — the job's commit, verified by GitHub's OIDC token |",
    );
    expect(pushRun.text).toMatch(/^### Context from the agent \(unverified\)\n\n_The agent wrote this/);

    const prRun = renderCheckRun({
      request: aWorkflowRequest({
        context: { sha: HEAD, pullRequest: 7 },
        requester: anActionsRequester({ event: 'pull_request', ref: 'refs/pull/7/merge', pullRequest: 7 }),
        // What creation records for such a token (app/approvals/pull-request-binding.ts).
        review: aReview({ via: 'check', boundPullRequest: 7 }),
      }),
    });
    expect(prRun.summary).toContain('triggered by @octocat (`pull_request`, pull request #7)');
    expect(prRun.summary).toContain(
      "| **Commit** | `9c1185a` (pull request #7) — pull request #7 verified by GitHub's OIDC token; the commit is its head as the job named it |",
    );

    const byKey = renderCheckRun({
      request: aWorkflowRequest({
        context: { sha: HEAD, pullRequest: 7 },
        requester: { type: 'api_key', name: 'bot' },
      }),
    });
    expect(byKey.summary).toContain('| **Requested by** | API key `bot` |');
    expect(byKey.summary).toContain(
      '| **Commit** | `9c1185a` (names pull request #7, not bound: reviews there do not count) — named by the requester, unverified |',
    );
  });

  it('the Slack message: the requester as verified, the context and delegator as unverified', async () => {
    const message = renderSlackMessage({
      request: toWireRequest(aWorkflowRequest()),
      ruleDescriptions: new Map(),
      interactive: false,
    });
    const texts = JSON.stringify(message.blocks);
    expect(texts).toContain(
      '*Requested by*\\noctocat via GitHub Actions (`acme/payments/.github/workflows/deploy.yml@refs/heads/main` in acme/payments; ' +
        "`push`, `refs/heads/main`, environment `production`) — :white_check_mark: verified by GitHub's OIDC token",
    );
    expect(texts).toContain('*On behalf of* (unverified)');
    await expect(JSON.stringify(message.blocks, null, 2)).toMatchFileSnapshot(
      '__snapshots__/verified-facts.slack.json.snap',
    );
  });

  it('a request stored before the facts existed still renders (no event, no environment)', () => {
    const old = aWorkflowRequest({
      requester: anActionsRequester({
        event: null,
        environment: null,
        jobWorkflowRef: null,
        workflowRef: 'deploy',
      }),
    });
    expect(renderIssueBody({ request: old, githubUrl: 'https://github.com' })).toContain(
      "workflow `deploy` ([run 123](https://github.com/acme/payments/actions/runs/123)) of `acme/payments`, triggered by @octocat (`refs/heads/main`) — ✅ verified by GitHub's OIDC token",
    );
  });
});
