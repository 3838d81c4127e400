import { describe, expect, it } from 'vitest';
import { toWireRequest } from '../../app/services/to-wire-request.js';
import { renderSlackMessage } from '../../app/slack/render-slack-message.js';
import type { ApprovalRequest, ReviewRequirement } from '../../sdk/schemas.js';
import { aRequestRecord, aReview } from '../store/builders.js';

const requirement = (overrides: Partial<ReviewRequirement> = {}): ReviewRequirement => ({
  rule: 'big-payments',
  approvers: { slack: ['U0ALICE', 'U0BOB'], teams: ['acme/finance'] },
  count: 2,
  via: 'issue',
  timeout: '4h',
  notify: { slack: '#payments' },
  allowRequester: false,
  approvedBy: [],
  ...overrides,
});

const pending = (): ApprovalRequest =>
  toWireRequest(
    aRequestRecord({
      id: 'req_01payments',
      action: 'payments.transfer',
      params: { amount: 25_000, currency: 'EUR', to: 'ACME Supplies <billing@acme.example>' },
      context: { agent: 'ap-bot', onBehalfOf: 'slack:U0CAROL' },
      urgency: 'high',
      createdAt: '2026-01-01T12:00:00.000Z',
      updatedAt: '2026-01-01T12:00:00.000Z',
      expiresAt: '2026-01-01T16:00:00.000Z',
      requester: { type: 'api_key', name: 'ap-bot' },
      policyDecision: {
        decision: 'route_to_human',
        rules: ['big-payments'],
        policyVersion: 'sha256:abc',
        reason: 'routed',
      },
      review: aReview({ url: 'https://github.com/acme/payments/issues/42', requirements: [requirement()] }),
    }),
  );

const descriptions = new Map([['big-payments', 'Payments over 1,000 need two people from finance']]);

describe('renderSlackMessage', () => {
  it('shows a pending request with everything a reviewer needs, and the buttons', async () => {
    const message = renderSlackMessage({
      request: pending(),
      ruleDescriptions: descriptions,
      interactive: true,
    });
    expect(message.text).toBe('Approval needed: payments.transfer (high urgency, 0 of 2 approvals)');
    await expect(JSON.stringify(message.blocks, null, 2)).toMatchFileSnapshot(
      '__snapshots__/pending.blocks.json.snap',
    );
  });

  it('shows progress and votes after one approval', async () => {
    const request = pending();
    request.review = aReview({
      url: request.review?.url ?? null,
      requirements: [requirement({ approvedBy: ['slack:U0ALICE'] })],
      votes: [
        {
          voter: 'slack:U0ALICE',
          decision: 'approve',
          reason: null,
          createdAt: '2026-01-01T12:05:00.000Z',
          source: 'slack',
          qualifiesFor: ['big-payments'],
          url: null,
        },
      ],
    });
    const message = renderSlackMessage({ request, ruleDescriptions: descriptions, interactive: true });
    expect(message.text).toBe('Approval needed: payments.transfer (high urgency, 1 of 2 approvals)');
    await expect(JSON.stringify(message.blocks, null, 2)).toMatchFileSnapshot(
      '__snapshots__/one-approval.blocks.json.snap',
    );
  });

  it('shows the decision, who made it and why, without buttons', async () => {
    const request = {
      ...pending(),
      status: 'denied' as const,
      decidedAt: '2026-01-01T12:10:00.000Z',
      decidedBy: 'github:dave',
      decisionReason: 'Supplier not on the approved list',
    };
    const message = renderSlackMessage({ request, ruleDescriptions: descriptions, interactive: true });
    expect(message.text).toBe('Denied: payments.transfer by dave on GitHub');
    expect(message.blocks.some((b) => b.type === 'actions')).toBe(false);
    await expect(JSON.stringify(message.blocks, null, 2)).toMatchFileSnapshot(
      '__snapshots__/denied.blocks.json.snap',
    );
  });

  it('labels an operator override in the header, the outcome and the notification text', async () => {
    const request = {
      ...pending(),
      status: 'approved' as const,
      decidedAt: '2026-01-01T12:10:00.000Z',
      decidedBy: 'api:ops',
      decisionReason: 'Quarter close',
    };
    const message = renderSlackMessage({ request, ruleDescriptions: descriptions, interactive: true });
    expect(message.text).toBe('Approved by operator override: payments.transfer by API key `ops`');
    expect(message.blocks[0]).toMatchObject({
      text: { text: ':white_check_mark: Approved by operator override: payments.transfer' },
    });
    expect(JSON.stringify(message.blocks[1])).toContain(
      ':warning: An *operator override* through the AgentGate API, with 0 of 2 approvals the policy asks for: the approvers below did not decide it.',
    );
    await expect(JSON.stringify(message.blocks, null, 2)).toMatchFileSnapshot(
      '__snapshots__/overridden.blocks.json.snap',
    );
    const cancelled = renderSlackMessage({
      request: { ...request, status: 'cancelled' },
      ruleDescriptions: descriptions,
      interactive: true,
    });
    expect(JSON.stringify(cancelled)).not.toContain('override');
  });

  it('shows an expiry', () => {
    const request = {
      ...pending(),
      status: 'expired' as const,
      decidedAt: '2026-01-01T16:00:00.000Z',
      decidedBy: 'system:expiry',
    };
    const message = renderSlackMessage({ request, ruleDescriptions: descriptions, interactive: true });
    expect(message.blocks[0]).toMatchObject({ text: { text: ':alarm_clock: Expired: payments.transfer' } });
    expect(JSON.stringify(message.blocks[1])).toContain(
      '*Expired* · <!date^1767283200^{date_short_pretty} at {time}|2026-01-01 16:00 UTC>: nobody decided in time.',
    );
  });

  it('has no buttons without interactivity', () => {
    const message = renderSlackMessage({
      request: pending(),
      ruleDescriptions: descriptions,
      interactive: false,
    });
    expect(message.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('never lets request content mention a channel, fake a link or a user', () => {
    const request = {
      ...pending(),
      params: { note: '<!channel> pay now <https://evil.example|your bank> <@U0ALICE>' },
      decisionReason: '<!here>',
    };
    const text = JSON.stringify(
      renderSlackMessage({
        request,
        ruleDescriptions: new Map([['big-payments', '<!everyone>']]),
        interactive: true,
      }),
    );
    expect(text).not.toMatch(/<!channel>|<!here>|<!everyone>|<https:\/\/evil/);
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('explains a request routed by the defaults', () => {
    const request = pending();
    request.review = aReview({
      requirements: [
        requirement({ rule: 'default', approvers: { permission: 'write' }, count: 1, notify: null }),
      ],
    });
    const text = JSON.stringify(
      renderSlackMessage({ request, ruleDescriptions: new Map(), interactive: true }).blocks,
    );
    expect(text).toContain('• *default* — No rule decided it, and the defaults send it to a human.');
    expect(text).toContain('• *default* needs 1 approval from anyone with write access or more on GitHub.');
  });

  it("links the request's web console page when the server's public URL is known", () => {
    const text = JSON.stringify(
      renderSlackMessage({
        request: pending(),
        ruleDescriptions: descriptions,
        interactive: true,
        serverUrl: 'https://agentgate.acme.dev/',
      }).blocks,
    );
    expect(text).toContain(
      '<https://agentgate.acme.dev/requests/req_01payments|Open in AgentGate> · <https://github.com/acme/payments/issues/42|Review on GitHub> · request `req_01payments`',
    );
  });
});
