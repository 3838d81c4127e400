import { describe, expect, it } from 'vitest';
import { describeOverride, isOverride, overridesForbiddenBy } from '../../sdk/is-override.js';
import type { ApprovalRequest, PolicyDecisionKind, RequestStatus } from '../../sdk/schemas.js';
import { aRequestRecord, aReview } from '../store/builders.js';

const decided = (
  status: RequestStatus,
  decidedBy: string | null,
  decision: PolicyDecisionKind = 'route_to_human',
) =>
  aRequestRecord({
    status,
    decidedBy,
    policyDecision: { decision, rules: ['r'], policyVersion: 'v', reason: 'why' },
  });

describe('isOverride', () => {
  it.each<[string, ReturnType<typeof decided>, boolean]>([
    ['approved through the API', decided('approved', 'api:ops'), true],
    ['denied through the API (the admin key)', decided('denied', 'api:admin'), true],
    ['cancelled through the API: a withdrawal, not an override', decided('cancelled', 'api:ops'), false],
    ['approved by a GitHub vote', decided('approved', 'github:alice'), false],
    ['denied from Slack', decided('denied', 'slack:U123'), false],
    ['expired', decided('expired', 'system:expiry'), false],
    ['approved by policy', decided('approved', 'policy', 'auto_approve'), false],
    ['still pending', decided('pending', null), false],
  ])('%s → %s', (_label, request, expected) => {
    expect(isOverride(request)).toBe(expected);
  });
});

describe('overridesForbiddenBy', () => {
  it('reads a request stored before the setting existed as "allowed"', () => {
    const old = aRequestRecord();
    expect(old.policyDecision).not.toHaveProperty('overridesForbiddenBy');
    expect(overridesForbiddenBy(old)).toEqual([]);
    const locked: ApprovalRequest = {
      ...old,
      policyDecision: { ...old.policyDecision, overridesForbiddenBy: ['finance'] },
    };
    expect(overridesForbiddenBy(locked)).toEqual(['finance']);
  });
});

describe('describeOverride', () => {
  it('counts the approvals the override skipped, marked up for the medium', () => {
    const review = aReview();
    const [first] = review.requirements;
    if (!first) throw new Error('the builder has a requirement');
    review.requirements = [
      { ...first, count: 2, approvedBy: ['github:alice'] },
      { ...first, rule: 'legal', count: 1 },
    ];
    expect(describeOverride({ review })).toBe(
      'an operator override through the AgentGate API, with 1 of 3 approvals the policy asks for',
    );
    expect(describeOverride({ review: null }, (label) => `**${label}**`)).toBe(
      'an **operator override** through the AgentGate API',
    );
  });
});
