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
    await expect(asSeen(output)).toMatchFileSnapshot('__snapshots__/check-run/render-pending.md');
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

  it('names the run exactly "AgentGate: <action>"', () => {
    expect(checkRunName('db.migrate')).toBe('AgentGate: db.migrate');
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

describe('renderCheckRefusalReply', () => {
  it('names each request, why the vote did not count, and who can decide', () => {
    const reply = renderCheckRefusalReply('walt', 'approving review', [
      { request: aDeployRequest(), refusal: 'not_approver' },
      { request: aDeployRequest({ id: 'req_02', action: 'db.migrate' }), refusal: 'requester' },
    ]);
    expect(reply).toContain('@walt, your approving review was not counted for:');
    expect(reply).toContain(
      '`AgentGate: deploy:production` (`req_01JCHECK`): you are not one of its approvers',
    );
    expect(reply).toContain('`AgentGate: db.migrate` (`req_02`): you requested this action');
    expect(reply).toContain('anyone with maintain access or more (`production-deploys`)');
    expect(reply).toContain('Progress: 1 of 2');
  });
});
