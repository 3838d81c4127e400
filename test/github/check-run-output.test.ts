/**
 * The check run a reviewer sees, rendered from a fixed request (pure): conclusion per status,
 * GitHub's limits on buttons and output, refused votes, and where `via: check` can go.
 */
import { describe, expect, it } from 'vitest';
import { checkTargetOf, reviewedOnCommit } from '../../app/approvals/check-target.js';
import type { RequestRecord } from '../../app/ports/store.js';
import {
  CHECK_RUN_ACTIONS,
  checkRunName,
  conclusionOf,
  renderBareCheckRun,
  renderCheckRefusalReply,
  renderCheckRun,
} from '../../app/render/check-run-output.js';
import { renderCheckFallbackNote } from '../../app/render/check-target.js';
import type { RequestStatus } from '../../sdk/schemas.js';
import { aRequestRecord, aReview } from '../store/builders.js';

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const HEAD = '9c1185a5c5e9fc54612808977ee8f548b2258d31';

function aDeployRequest(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return aRequestRecord({
    id: 'req_01JCHECK',
    action: 'deploy:production',
    params: { service: 'api', version: '2.4.1' },
    context: { sha: HEAD, pullRequest: 7, workflow: 'deploy', onBehalfOf: 'dana' },
    urgency: 'critical',
    createdAt: '2026-01-01T09:00:00.000Z',
    updatedAt: '2026-01-01T09:00:00.000Z',
    expiresAt: '2026-01-01T13:00:00.000Z',
    repository: 'acme/payments',
    requester: {
      type: 'github_actions',
      repository: 'acme/payments',
      actor: 'octocat',
      workflow: 'deploy',
      runId: '123',
      sha: HEAD,
      ref: 'refs/pull/7/merge',
      workflowRef: 'acme/payments/.github/workflows/deploy.yml@refs/pull/7/merge',
      jobWorkflowRef: 'acme/payments/.github/workflows/deploy.yml@refs/pull/7/merge',
      event: 'pull_request',
      environment: null,
      pullRequest: 7,
    },
    policyDecision: {
      decision: 'route_to_human',
      rules: ['production-deploys', 'two-person-rule'],
      policyVersion: SHA,
      reason: 'Routed to humans by rules "production-deploys" and "two-person-rule".',
    },
    review: aReview({
      via: 'check',
      requirements: [
        {
          rule: 'production-deploys',
          approvers: { permission: 'maintain' },
          count: 1,
          via: 'check',
          timeout: '4h',
          notify: null,
          allowRequester: false,
          approvedBy: ['github:mona'],
        },
        {
          rule: 'two-person-rule',
          approvers: { users: ['alice', 'bob'], teams: ['acme/sre'] },
          count: 1,
          via: 'check',
          timeout: null,
          notify: null,
          allowRequester: false,
          approvedBy: [],
        },
      ],
      // The workflow's token ran for refs/pull/7/merge: reviews of PR #7 count.
      boundPullRequest: 7,
      votes: [
        {
          voter: 'github:mona',
          decision: 'approve',
          reason: null,
          createdAt: '2026-01-01T09:30:00.000Z',
          source: 'github:review',
          qualifiesFor: ['production-deploys'],
          url: 'https://github.com/acme/payments/pull/7#pullrequestreview-80',
        },
      ],
    }),
    ...overrides,
  });
}

const asSeen = (output: ReturnType<typeof renderCheckRun>) =>
  [
    `title: ${output.title}`,
    `conclusion: ${output.conclusion}`,
    `buttons: ${output.actions.map((a) => a.label).join(', ') || 'none'}`,
    '',
    output.summary,
    '',
    '--- text ---',
    output.text,
    '',
  ].join('\n');

describe('renderCheckRun', () => {
  it('renders a pending request with progress, who can approve, how to answer and refused votes', async () => {
    const output = renderCheckRun({
      request: aDeployRequest(),
      ruleDescriptions: { 'production-deploys': 'A maintainer approves production deploys' },
      serverUrl: 'https://agentgate.example.com/',
      githubUrl: 'https://github.com',
      refused: Array.from({ length: 7 }, (_, i) => ({
        voter: `github:user${i}`,
        decision: i % 2 === 0 ? ('approve' as const) : ('deny' as const),
        source: ['github:check_run', 'github:review', 'github:comment'][i % 3] as string,
        at: `2026-01-01T09:0${i}:00.000Z`,
      })),
    });
    expect(output.title).toBe('Waiting for approval: 1 of 2 approvals');
    // Only the last five refusals are listed.
    expect(output.summary).not.toContain('@user1 ');
    expect(output.summary).toContain('@user6 clicked **Approve**');
    expect(output.summary).toContain('@user4 reviewed with **Approve**');
    expect(output.summary).toContain('@user5 commented `/deny`');
    expect(output.summary).toContain('@user3 clicked **Deny**');
    // The commit and PR are the check run's own: not repeated as context.
    expect(output.text).not.toContain(HEAD);
    // Every vote links to where it was cast.
    expect(output.summary).toContain(
      '- ✅ approved by `mona` — [approving pull request review](https://github.com/acme/payments/pull/7#pullrequestreview-80), 2026-01-01 09:30 UTC',
    );
    expect(output.summary).toContain('review pull request #7 while its head is this commit');
    await expect(asSeen(output)).toMatchFileSnapshot('__snapshots__/check-run/render-pending.md');
  });

  it('tells reviewers of a request bound to no pull request to name it: reviews there do not count', () => {
    const request = aDeployRequest({ requester: { type: 'api_key', name: 'billing-bot' } });
    request.review = { ...(request.review as NonNullable<RequestRecord['review']>), boundPullRequest: null };
    const { summary } = renderCheckRun({ request });
    expect(summary).toContain('(names pull request #7, not bound: reviews there do not count)');
    expect(summary).toContain(
      '- comment `/approve req_01JCHECK [reason]` or `/deny req_01JCHECK [reason]` on a pull request whose head is this commit. No pull request is bound to this request',
    );
    expect(summary).not.toContain('review pull request #7');
  });

  it('links only plain http(s) vote URLs, so a URL never breaks the markdown', () => {
    const request = aDeployRequest();
    const review = request.review as NonNullable<RequestRecord['review']>;
    const base = review.votes[0] as (typeof review.votes)[number];
    request.review = {
      ...review,
      votes: [
        { ...base, voter: 'github:a', url: 'javascript:alert(1)' },
        { ...base, voter: 'github:b', url: 'https://x.test/a) [y](https://evil.test' },
        { ...base, voter: 'slack:U1', source: 'slack', url: null },
        {
          ...base,
          voter: 'github:c',
          source: 'github:check_run',
          decision: 'deny',
          url: 'https://github.com/acme/payments/runs/5',
        },
      ],
    };
    const { summary } = renderCheckRun({ request });
    expect(summary).toContain('- ✅ approved by `a` — approving pull request review, ');
    expect(summary).toContain('- ✅ approved by `b` — approving pull request review, ');
    expect(summary).toContain('- ✅ approved by Slack user `U1` — Slack, ');
    expect(summary).toContain(
      '- ❌ denied by `c` — [**Deny** button of the check run](https://github.com/acme/payments/runs/5), ',
    );
    expect(summary).not.toContain('javascript:');
    expect(summary).not.toContain('evil.test');
  });

  it.each<[RequestStatus, string, string | null, string, string]>([
    ['approved', 'github:mona', 'Ship it', 'success', 'Approved by @mona'],
    ['denied', 'github:max', null, 'failure', 'Denied by @max'],
    ['denied', 'api:ops', 'Freeze', 'failure', 'Denied by operator override (api:ops)'],
    ['expired', 'system:expiry', 'No decision before the request expired.', 'timed_out', 'Expired'],
    ['cancelled', 'api:billing-bot', 'superseded', 'cancelled', 'Cancelled'],
  ])(
    '%s by %s (reason %s) concludes %s, says who decided and why, and has no buttons',
    (status, decidedBy, reason, conclusion, title) => {
      const output = renderCheckRun({
        request: aDeployRequest({
          status,
          decidedBy,
          decisionReason: reason,
          decidedAt: '2026-01-01T10:00:00.000Z',
        }),
      });
      expect(output.conclusion).toBe(conclusion);
      expect(output.title).toBe(title);
      expect(output.actions).toEqual([]);
      expect(output.summary).not.toContain('### How to answer');
      expect(output.summary.split('\n')[0]).toMatch(/^### (✅|❌|⌛|🚫) /);
      if (reason && status !== 'expired') expect(output.summary).toContain(`> ${reason}`);
      if (decidedBy === 'api:ops') {
        expect(output.summary).toContain('by `api:ops` — operator override');
        expect(output.summary).toContain('an **operator override** through the AgentGate API');
      }
      // Cancelling withdraws the request: not an override.
      if (status === 'cancelled') expect(output.summary).not.toContain('override');
    },
  );

  it('labels an operator override in the title and the conclusion text, next to the approvals it skipped', async () => {
    const output = renderCheckRun({
      request: aDeployRequest({
        status: 'approved',
        decidedBy: 'api:ops',
        decisionReason: 'Hotfix; the SRE on call is away',
        decidedAt: '2026-01-01T10:00:00.000Z',
      }),
    });
    expect(output.conclusion).toBe('success');
    expect(output.title).toBe('Approved by operator override (api:ops)');
    expect(output.summary).toContain(
      '`api:ops` decided it: an **operator override** through the AgentGate API, with 1 of 2 approvals the policy asks for, not a review on GitHub.',
    );
    await expect(asSeen(output)).toMatchFileSnapshot('__snapshots__/check-run/overridden.md');
  });

  it('maps every status to a conclusion', () => {
    expect((['pending', 'approved', 'denied', 'expired', 'cancelled'] as const).map(conclusionOf)).toEqual([
      'action_required',
      'success',
      'failure',
      'timed_out',
      'cancelled',
    ]);
  });

  it('keeps buttons within GitHub limits (≤ 3; label ≤ 20, description ≤ 40, identifier ≤ 20)', () => {
    expect(CHECK_RUN_ACTIONS.length).toBeLessThanOrEqual(3);
    for (const a of CHECK_RUN_ACTIONS) {
      expect(a.label.length).toBeLessThanOrEqual(20);
      expect(a.description.length).toBeLessThanOrEqual(40);
      expect(a.identifier.length).toBeLessThanOrEqual(20);
    }
  });

  it('fits huge parameters and context within GitHub’s 65535 characters', () => {
    const big = 'x'.repeat(70_000);
    const output = renderCheckRun({
      request: aDeployRequest({ params: { blob: big }, context: { sha: HEAD, notes: big } }),
    });
    expect(output.summary.length).toBeLessThanOrEqual(65_535);
    expect(output.text.length).toBeLessThanOrEqual(65_535);
    expect(output.summary).toContain('The parameters are too large to show here');
    expect(output.text).toContain('cut to fit GitHub’s limit');
  });

  it('names the run "AgentGate: <action> (<last 6 characters of the request id>)"', () => {
    expect(checkRunName('db.migrate', 'req_01jb4x7k2m9q3tz8v6w5y4c2n1')).toBe(
      'AgentGate: db.migrate (y4c2n1)',
    );
    expect(checkRunName('deploy', 'req_1')).toBe('AgentGate: deploy (1)');
  });
});

describe('where a via: check request is reviewed', () => {
  it.each<[string, Record<string, unknown>, ReturnType<typeof checkTargetOf>]>([
    ['a full SHA and a PR number', { sha: HEAD, pullRequest: 7 }, { ok: true, sha: HEAD, pullRequest: 7 }],
    [
      'an uppercase SHA and a PR as a string',
      { sha: HEAD.toUpperCase(), pullRequest: '12' },
      { ok: true, sha: HEAD, pullRequest: 12 },
    ],
    [
      'a bad PR number (ignored)',
      { sha: HEAD, pullRequest: 'seven' },
      { ok: true, sha: HEAD, pullRequest: null },
    ],
    ['no SHA', {}, { ok: false, problem: 'no_sha' }],
    ['a short SHA', { sha: 'abc1234' }, { ok: false, problem: 'bad_sha' }],
    ['a SHA that is not a string', { sha: 42 }, { ok: false, problem: 'bad_sha' }],
  ])('%s', (_name, context, expected) => {
    expect(checkTargetOf({ context })).toEqual(expected);
  });

  it('uses an issue that says why when the commit is missing, and nothing for via: issue', () => {
    const noSha = aDeployRequest({ context: {} });
    expect(reviewedOnCommit(noSha)).toBe(false);
    expect(renderCheckFallbackNote(noSha)).toBe(
      'The routing rule asks for review on a commit (`via: check`), but the request has no `context.sha`. It is reviewed in this issue instead.',
    );
    expect(reviewedOnCommit(aDeployRequest())).toBe(true);
    expect(reviewedOnCommit(aDeployRequest({ repository: null }))).toBe(false);
    const refused = aDeployRequest();
    refused.review = { ...(refused.review as NonNullable<RequestRecord['review']>), via: 'issue' };
    expect(reviewedOnCommit(refused)).toBe(false);
    expect(renderCheckFallbackNote(refused)).toContain(
      'GitHub did not accept a check run on commit `9c1185a`',
    );
    const issueOnly = aDeployRequest({ review: aReview({ via: 'issue' }) });
    expect(renderCheckFallbackNote(issueOnly)).toBeNull();
  });
});

describe('renderBareCheckRun', () => {
  it('concludes a decided request with its headline and id only: no text, no buttons', () => {
    const output = renderBareCheckRun(
      aDeployRequest({ status: 'denied', decidedBy: 'github:max', decisionReason: 'no' }),
      422,
    );
    expect(output).toMatchObject({ conclusion: 'failure', title: 'Denied by @max', text: '', actions: [] });
    expect(output.summary).toContain('`req_01JCHECK`');
    expect(output.summary).toContain('HTTP 422');
  });
});

describe('renderCheckRefusalReply', () => {
  it('names each request, why the vote did not count, and who can decide', () => {
    const reply = renderCheckRefusalReply('walt', 'approving review', [
      { request: aDeployRequest(), refusal: 'not_approver' },
      { request: aDeployRequest({ id: 'req_02', action: 'db.migrate' }), refusal: 'requester' },
    ]);
    expect(reply).toContain('@walt, your approving review was not counted for:');
    expect(reply).toContain(
      '`AgentGate: deploy:production (JCHECK)` (`req_01JCHECK`): you are not one of its approvers',
    );
    expect(reply).toContain('`AgentGate: db.migrate (02)` (`req_02`): you requested this action');
    expect(reply).toContain('anyone with maintain access or more (`production-deploys`)');
    expect(reply).toContain('Progress: 1 of 2');
  });
});
