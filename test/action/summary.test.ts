import { describe, expect, it } from 'vitest';
import { describeOutcome, formatDuration } from '../../action/describe.js';
import { renderSummary } from '../../action/summary.js';
import type { ApprovalRequest } from '../../sdk/index.js';

const aRequest = (overrides: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  id: 'req_1',
  action: 'deploy:production',
  params: {},
  context: {},
  urgency: 'normal',
  status: 'denied',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:01:00.000Z',
  decidedAt: '2026-01-01T00:01:00.000Z',
  expiresAt: '2026-01-02T00:00:00.000Z',
  decidedBy: 'github:alice',
  decisionReason: 'not during the freeze',
  repository: 'acme/app',
  requester: { type: 'api_key', name: 'ci' },
  policyDecision: { decision: 'route_to_human', rules: ['deploys'], policyVersion: 'v1', reason: 'routed' },
  review: null,
  ...overrides,
});

describe('renderSummary', () => {
  it('is one table: decision, who, why, rules and the review link', () => {
    expect(renderSummary(aRequest(), 'https://github.com/acme/app/issues/7')).toBe(
      [
        '### AgentGate: deploy:production — denied',
        '',
        '| | |',
        '| --- | --- |',
        '| Request | `req_1` |',
        '| Action | `deploy:production` |',
        '| Decision | ❌ denied |',
        '| Decided by | github:alice |',
        '| Reason | not during the freeze |',
        '| Policy rules | `deploys` |',
        '| Review | [https://github.com/acme/app/issues/7](https://github.com/acme/app/issues/7) |',
        '',
      ].join('\n'),
    );
  });

  it("keeps a reviewer's text from breaking the table or injecting markup", () => {
    const summary = renderSummary(
      aRequest({ decisionReason: 'no | way\n<img src=x onerror=alert(1)> [click](http://evil)' }),
      'https://x',
    );
    const row = summary.split('\n').find((line) => line.startsWith('| Reason'));
    expect(row).toBe(
      '| Reason | no \\| way<br>&lt;img src=x onerror=alert(1)&gt; \\[click\\](http://evil) |',
    );
  });
});

describe('an operator override', () => {
  const overridden = aRequest({
    status: 'approved',
    decidedBy: 'api:ops',
    decisionReason: 'hotfix',
    review: {
      via: 'issue',
      url: 'https://github.com/acme/app/issues/7',
      requirements: [
        {
          rule: 'deploys',
          approvers: { teams: ['acme/sre'] },
          count: 1,
          via: 'issue',
          timeout: null,
          notify: null,
          allowRequester: false,
          approvedBy: [],
        },
      ],
      votes: [],
      boundPullRequest: null,
    },
  });

  it('is never "approved" next to "0 of 1 approval" without saying so, in the summary', () => {
    expect(renderSummary(overridden, 'https://github.com/acme/app/issues/7')).toBe(
      [
        '### AgentGate: deploy:production — approved by operator override',
        '',
        '| | |',
        '| --- | --- |',
        '| Request | `req_1` |',
        '| Action | `deploy:production` |',
        '| Decision | ✅ **approved by operator override** |',
        '| Decided by | api:ops |',
        '| Reason | hotfix |',
        '| Approvals | 0 of 1 approval — skipped by an operator override through the AgentGate API |',
        '| Policy rules | `deploys` |',
        '| Review | [https://github.com/acme/app/issues/7](https://github.com/acme/app/issues/7) |',
        '',
      ].join('\n'),
    );
  });

  it('or in the log', () => {
    expect(describeOutcome(overridden)).toBe(
      'approved by api:ops (an operator override through the AgentGate API, with 0 of 1 approval the policy asks for): hotfix',
    );
    // GitHub votes, and a cancel through the API, are not overrides.
    expect(describeOutcome({ ...overridden, decidedBy: 'github:alice' })).toBe(
      'approved by github:alice: hotfix',
    );
    expect(describeOutcome({ ...overridden, status: 'cancelled' })).toBe('cancelled by api:ops: hotfix');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [12_000, '12s'],
    [270_000, '4m 30s'],
    [3_600_000, '1h'],
    [3_900_000, '1h 5m'],
    [2 * 86_400_000 + 3_600_000 + 60_000, '2d 1h'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
