/** Conversions between the Store's records and SQLite rows (JSON text for nested values). */

import type { AuditEntry } from '../../../sdk/schemas.js';
import type {
  ApiKeyRecord,
  GitHubCheckRunLink,
  GitHubIssueLink,
  Job,
  JobStatus,
  RequestRecord,
} from '../../ports/store.js';
import { readStoredRequester } from '../store-values.js';
import { readStoredObject } from './read-stored-json.js';

export interface RequestRow {
  id: string;
  owner_id: string;
  action: string;
  params: string;
  context: string;
  urgency: string;
  status: string;
  created_at: string;
  updated_at: string;
  decided_at: string | null;
  expires_at: string;
  decided_by: string | null;
  decision_reason: string | null;
  repository: string | null;
  requester: string;
  policy_decision: string;
  review: string | null;
}

export function toRequestRow(request: RequestRecord): RequestRow {
  return {
    id: request.id,
    owner_id: request.ownerId,
    action: request.action,
    params: JSON.stringify(request.params),
    context: JSON.stringify(request.context),
    urgency: request.urgency,
    status: request.status,
    created_at: request.createdAt,
    updated_at: request.updatedAt,
    decided_at: request.decidedAt,
    expires_at: request.expiresAt,
    decided_by: request.decidedBy,
    decision_reason: request.decisionReason,
    repository: request.repository,
    requester: JSON.stringify(request.requester),
    policy_decision: JSON.stringify(request.policyDecision),
    review: request.review === null ? null : JSON.stringify(request.review),
  };
}

export function fromRequestRow(row: RequestRow): RequestRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    action: row.action,
    params: readStoredObject(row.params, 'params'),
    context: readStoredObject(row.context, 'context'),
    urgency: row.urgency as RequestRecord['urgency'],
    status: row.status as RequestRecord['status'],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    decidedAt: row.decided_at,
    expiresAt: row.expires_at,
    decidedBy: row.decided_by,
    decisionReason: row.decision_reason,
    repository: row.repository,
    requester: readStoredRequester(row.requester),
    policyDecision: JSON.parse(row.policy_decision),
    review: row.review === null ? null : JSON.parse(row.review),
  };
}

export interface AuditRow {
  id: string;
  request_id: string | null;
  event_type: string;
  actor: string;
  details: string;
  created_at: string;
  prev_hash: string;
  hash: string;
}

export function fromAuditRow(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    requestId: row.request_id,
    eventType: row.event_type,
    actor: row.actor,
    details: JSON.parse(row.details),
    createdAt: row.created_at,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface ApiKeyRow {
  id: string;
  name: string;
  key_hash: string;
  scopes: string;
  rate_limit: number | null;
  repository: string | null;
  created_at: string;
  revoked_at: string | null;
}

export function toApiKeyRow(key: ApiKeyRecord): ApiKeyRow {
  return {
    id: key.id,
    name: key.name,
    key_hash: key.keyHash,
    scopes: JSON.stringify(key.scopes),
    rate_limit: key.rateLimit,
    repository: key.repository,
    created_at: key.createdAt,
    revoked_at: key.revokedAt,
  };
}

export function fromApiKeyRow(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    keyHash: row.key_hash,
    scopes: JSON.parse(row.scopes),
    rateLimit: row.rate_limit,
    repository: row.repository,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export interface JobRow {
  id: string;
  kind: string;
  payload: string;
  status: string;
  run_at: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export function fromJobRow(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    status: row.status as JobStatus,
    runAt: row.run_at,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface GitHubIssueRow {
  request_id: string;
  repository: string;
  number: number;
  url: string;
  created_at: string;
}

export const fromGitHubIssueRow = (row: GitHubIssueRow): GitHubIssueLink => ({
  requestId: row.request_id,
  repository: row.repository,
  number: row.number,
  url: row.url,
  createdAt: row.created_at,
});

export interface GitHubCheckRunRow {
  request_id: string;
  repository: string;
  head_sha: string;
  pull_request: number | null;
  check_run_id: number;
  url: string;
  created_at: string;
}

export const fromGitHubCheckRunRow = (row: GitHubCheckRunRow): GitHubCheckRunLink => ({
  requestId: row.request_id,
  repository: row.repository,
  headSha: row.head_sha,
  pullRequest: row.pull_request,
  checkRunId: row.check_run_id,
  url: row.url,
  createdAt: row.created_at,
});
