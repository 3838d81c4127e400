import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../app/ports/store.js';
import {
  findRequestMarker,
  issueMarker,
  renderIssueBody,
  renderIssueTitle,
} from '../../app/render/issue-body.js';
import {
  renderDecisionComment,
  renderNotPendingReply,
  renderRefusalReply,
} from '../../app/render/issue-comments.js';
import { anActionsRequester, aRequestRecord, aReview } from '../store/builders.js';

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';

function aPaymentRequest(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return aRequestRecord({
    id: 'req_01JABCDEF',
    action: 'payments.transfer',
    params: { amount: 5000, currency: 'EUR', to: 'ACME Supplies GmbH', note: 'has ``` fences' },
    context: { agent: 'billing-bot', task: 'Pay invoice 2024-117', onBehalfOf: 'dana' },
    urgency: 'high',
    createdAt: '2026-01-01T09:00:00.000Z',
    updatedAt: '2026-01-01T09:00:00.000Z',
    expiresAt: '2026-01-01T13:00:00.000Z',
    repository: 'acme/payments',
    requester: { type: 'api_key', name: 'billing-bot' },
    policyDecision: {
      decision: 'route_to_human',
      rules: ['big-payments', 'security-review'],
      policyVersion: SHA,
      reason: 'Routed to humans by rules "big-payments" and "security-review".',
    },
    review: aReview({
      requirements: [
        {
          rule: 'big-payments',
          approvers: { users: ['alice'], teams: ['acme/finance'], permission: 'maintain' },
          count: 2,
          via: 'issue',
          timeout: '4h',
          notify: null,
          allowRequester: false,
          approvedBy: ['github:alice'],
        },
        {
          rule: 'security-review',
          approvers: { teams: ['acme/security'] },
          count: 1,
          via: 'issue',
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

describe('issue rendering', () => {
  it('titles the issue with the action, urgent ones marked', () => {
    expect(renderIssueTitle({ action: 'deploy:production', urgency: 'normal' })).toBe(
      'Approval needed: deploy:production',
    );
    expect(renderIssueTitle({ action: 'db.drop_table', urgency: 'critical' })).toBe(
      '[critical] Approval needed: db.drop_table',
    );
  });

  it('renders a body a reviewer can decide from', () => {
    const body = renderIssueBody({
      request: aPaymentRequest(),
      ruleDescriptions: { 'big-payments': 'Payments over 1,000 need two people' },
      serverUrl: 'https://agentgate.acme.dev',
    });
    expect(body).toMatchSnapshot();
    // What a reviewer (and the judge) must find in it.
    expect(body.startsWith(issueMarker('req_01JABCDEF'))).toBe(true);
    for (const text of [
      'payments.transfer',
      '"amount": 5000',
      'high',
      'big-payments',
      '@alice',
      '@acme/finance',
    ]) {
      expect(body).toContain(text);
    }
    expect(body).toContain('1 of 3 approvals');
    // The fence around params is longer than any backtick run inside them.
    expect(body).toContain('````json');
    expect(findRequestMarker(`Edited by a human\n${body}`)).toBe('req_01JABCDEF');
  });

  it('renders a minimal request (no context, local policy version, no server URL)', () => {
    const body = renderIssueBody({
      request: aRequestRecord({
        id: 'req_min',
        context: {},
        params: {},
        createdAt: '2026-01-01T09:00:00.000Z',
        expiresAt: '2026-01-02T09:00:00.000Z',
        policyDecision: {
          decision: 'route_to_human',
          rules: [],
          policyVersion: SHA,
          reason: 'No rule matched; the defaults route to humans.',
        },
      }),
    });
    expect(body).toMatchSnapshot();
    expect(body).not.toContain('Context from the agent');
  });
});

describe("a workflow's run in 'Requested by'", () => {
  const fromWorkflow = (runId: string) =>
    aPaymentRequest({
      context: {},
      requester: anActionsRequester({
        workflow: 'acme/payments/.github/workflows/pay.yml@refs/heads/main',
        workflowRef: 'acme/payments/.github/workflows/pay.yml@refs/heads/main',
        runId,
        sha: SHA,
      }),
    });

  it.each([
    ['github.com', 'https://github.com', 'https://github.com/acme/payments/actions/runs/9001'],
    [
      'an Enterprise Server',
      'https://github.acme.dev/',
      'https://github.acme.dev/acme/payments/actions/runs/9001',
    ],
  ])('is linked on %s, as configured', (_, githubUrl, link) => {
    const body = renderIssueBody({ request: fromWorkflow('9001'), githubUrl });
    expect(body).toContain(`([run 9001](${link}))`);
  });

  it('is named, not linked, when GitHub’s address is unknown or the run id is not a number', () => {
    expect(renderIssueBody({ request: fromWorkflow('9001') })).toContain('(run `9001`)');
    const odd = renderIssueBody({
      request: fromWorkflow('1)](https://evil.example'),
      githubUrl: 'https://github.com',
    });
    // Inside a code span: shown as text, never a link.
    expect(odd).toContain('(run `1)](https://evil.example`)');
    expect(odd).not.toContain('github.com');
  });
});

describe('comments', () => {
  it('renders the final comment for each way a request ends', () => {
    const approved = aPaymentRequest({
      status: 'approved',
      decidedBy: 'github:bob',
      decisionReason: 'Invoice checked against the PO',
      decidedAt: '2026-01-01T10:00:00.000Z',
    });
    const expired = aPaymentRequest({
      status: 'expired',
      decidedBy: 'system:expiry',
      decisionReason: 'No decision before the request expired.',
    });
    const cancelled = aPaymentRequest({
      status: 'cancelled',
      decidedBy: 'api:billing-bot',
      decisionReason: null,
    });
    const denied = aPaymentRequest({
      status: 'denied',
      decidedBy: 'github:carol',
      decisionReason: 'Closed the issue without a decision.',
    });
    expect(
      [approved, denied, expired, cancelled].map(renderDecisionComment).join('\n\n=====\n\n'),
    ).toMatchSnapshot();
  });

  it('labels an operator override in the final comment, next to the approvals it skipped', () => {
    const overridden = aPaymentRequest({
      status: 'approved',
      decidedBy: 'api:ops',
      decisionReason: 'Quarter close; finance signed off by phone',
      decidedAt: '2026-01-01T10:00:00.000Z',
    });
    const comment = renderDecisionComment(overridden);
    expect(comment.split('\n')[1]).toBe(
      '✅ **Approved** by `api:ops` — an **operator override** through the AgentGate API, with 1 of 3 approvals the policy asks for.',
    );
    expect(comment).toMatchSnapshot();
    // A cancel through the API withdraws the request; it is not labelled an override.
    const cancelled = renderDecisionComment({ ...overridden, status: 'cancelled' });
    expect(cancelled).not.toContain('override');
    expect(cancelled).toContain('by `api:ops` through the AgentGate API');
  });

  it('answers an unqualified voter with who can decide', () => {
    const request = aPaymentRequest();
    const reply = renderRefusalReply(request, 'mallory', 'approve', 'not_approver');
    expect(reply).toMatchSnapshot();
    // Named in code spans, never @-mentioned: anyone can provoke this reply.
    expect(reply).toContain('`alice`');
    expect(reply).not.toContain('@alice');
    expect(renderRefusalReply(request, 'dana', 'approve', 'requester')).toContain(
      'nobody approves their own request',
    );
    expect(
      renderNotPendingReply({ ...request, status: 'approved', decidedBy: 'github:bob' }, 'eve', 'deny'),
    ).toBe(
      '@eve, your `/deny` was not counted: this request is already **approved** (`bob`), and a decision is final.',
    );
  });
});
