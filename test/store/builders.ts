/** Small builders for Store tests: valid records with unique ids, overridable field by field. */
import { randomUUID } from 'node:crypto';
import type { ApiKeyRecord, AuditEventInput, DecisionChange, RequestRecord } from '../../app/ports/store.js';
import type { Requester, Review } from '../../sdk/schemas.js';

let counter = 0;
const unique = (prefix: string) =>
  `${prefix}_${String(++counter).padStart(6, '0')}_${randomUUID().slice(0, 8)}`;

/** `2025-01-01T00:00:00.000Z` plus `seconds`: distinct, ordered times that are easy to read. */
export function at(seconds: number): string {
  return new Date(Date.UTC(2025, 0, 1) + seconds * 1000).toISOString();
}

export function aRequestRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id: unique('req'),
    ownerId: 'key:key_1',
    action: 'send_email',
    params: { to: 'ops@example.com', subject: 'Quarterly numbers', nested: { list: [1, 'two', null] } },
    context: { agent: 'mailer', onBehalfOf: 'alice' },
    urgency: 'normal',
    status: 'pending',
    createdAt: at(0),
    updatedAt: at(0),
    decidedAt: null,
    expiresAt: at(3600),
    decidedBy: null,
    decisionReason: null,
    repository: 'acme/payments',
    requester: { type: 'api_key', name: 'mailer' },
    policyDecision: {
      decision: 'route_to_human',
      rules: ['emails-need-review'],
      policyVersion: 'a'.repeat(40),
      reason: 'matched rule "emails-need-review"',
    },
    review: aReview(),
    ...overrides,
  };
}

type ActionsRequester = Extract<Requester, { type: 'github_actions' }>;

/** A GitHub Actions requester as an OIDC token of a push to main in acme/payments makes it. */
export function anActionsRequester(overrides: Partial<ActionsRequester> = {}): ActionsRequester {
  return {
    type: 'github_actions',
    repository: 'acme/payments',
    actor: 'octocat',
    workflow: 'acme/payments/.github/workflows/deploy.yml@refs/heads/main',
    runId: '123',
    sha: 'f'.repeat(40),
    ref: 'refs/heads/main',
    workflowRef: 'acme/payments/.github/workflows/deploy.yml@refs/heads/main',
    jobWorkflowRef: 'acme/payments/.github/workflows/deploy.yml@refs/heads/main',
    event: 'push',
    environment: null,
    pullRequest: null,
    ...overrides,
  };
}

export function aReview(overrides: Partial<Review> = {}): Review {
  return {
    via: 'issue',
    url: null,
    requirements: [
      {
        rule: 'emails-need-review',
        approvers: { permission: 'write' },
        count: 1,
        via: 'issue',
        timeout: '1h',
        notify: null,
        allowRequester: false,
        approvedBy: [],
      },
    ],
    votes: [],
    boundPullRequest: null,
    ...overrides,
  };
}

export function anAuditEvent(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    requestId: null,
    eventType: 'created',
    actor: 'api:mailer',
    details: { note: 'built by anAuditEvent' },
    createdAt: at(0),
    ...overrides,
  };
}

export function aDecision(overrides: Partial<DecisionChange> = {}): DecisionChange {
  return {
    status: 'approved',
    decidedBy: 'github:alice',
    decisionReason: 'looks fine',
    at: at(60),
    ...overrides,
  };
}

export function anApiKey(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const id = unique('key');
  return {
    id,
    name: `agent ${id}`,
    keyHash: randomUUID().replaceAll('-', '').repeat(2),
    scopes: ['request:create', 'request:read'],
    rateLimit: null,
    repository: null,
    createdAt: at(0),
    revokedAt: null,
    ...overrides,
  };
}
