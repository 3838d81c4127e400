/** A routed payment request as Discord and email reviewers see it, for the rendering tests. */
import { toWireRequest } from '../../app/services/to-wire-request.js';
import type { ApprovalRequest, ReviewRequirement } from '../../sdk/schemas.js';
import { aRequestRecord, aReview } from '../store/builders.js';

export const ALICE = '200000000000000001';
const requirement = (overrides: Partial<ReviewRequirement> = {}): ReviewRequirement => ({
  rule: 'big-payments',
  approvers: { discord: [ALICE], email: ['bob@example.com'], teams: ['acme/finance'] },
  count: 2,
  via: 'issue',
  timeout: '4h',
  notify: { discord: ['100000000000000001'], email: ['bob@example.com'] },
  allowRequester: false,
  approvedBy: [],
  ...overrides,
});

export const aRequest = (overrides: Parameters<typeof aRequestRecord>[0] = {}): ApprovalRequest =>
  toWireRequest(
    aRequestRecord({
      id: 'req_01payments',
      action: 'payments.transfer',
      params: { amount: 25_000, currency: 'EUR', to: 'ACME Supplies <billing@acme.example>' },
      context: { agent: 'ap-bot', onBehalfOf: 'email:carol@example.com' },
      urgency: 'high',
      createdAt: '2026-01-01T12:00:00.000Z',
      updatedAt: '2026-01-01T12:00:00.000Z',
      expiresAt: '2026-01-01T16:00:00.000Z',
      requester: { type: 'api_key', name: 'ap-bot' },
      policyDecision: {
        decision: 'route_to_human',
        rules: ['big-payments'],
        policyVersion: 'sha256:abc',
        reason: 'Rule big-payments routes it to a human.',
      },
      review: aReview({ url: 'https://github.com/acme/payments/issues/42', requirements: [requirement()] }),
      ...overrides,
    }),
  );

export const descriptions = new Map([['big-payments', 'Payments over 1,000 need two people from finance']]);
