/**
 * Approval requests, their audit trail and the jobs their changes queue (the outbox): every change
 * of a request appends its audit events and queues its jobs in the same transaction, so a reaction
 * (an issue, a webhook, a Slack update) is never lost and never done for a change that did not
 * happen. That shared transaction is why requests, audit and "queue with a change" are one port.
 */
import type { ApprovalRequest, RequestStatus, Review, Urgency } from '../../sdk/schemas.js';
import type { AuditEventInput, AuditLog } from './audit-log.js';
import type { JobInput } from './job-queue.js';

/** A request as stored: the wire object plus who owns it (for "requesters read their own"). */
export interface RequestRecord extends ApprovalRequest {
  /** Principal that created it: `key:<api key id>`, `admin`, or `oidc:<owner/name>:run:<run id>`. */
  ownerId: string;
}

export interface IdempotencyInput {
  /** Keys are scoped per principal: two agents may use the same key. */
  ownerId: string;
  key: string;
  /** Hash of the canonical request body: the same key with another body is a conflict. */
  fingerprint: string;
}

export type InsertRequestResult =
  | { kind: 'created'; request: RequestRecord }
  /** The idempotency key was seen with the same body: the original request. */
  | { kind: 'existing'; request: RequestRecord }
  /** The idempotency key was seen with a different body. */
  | { kind: 'idempotency_conflict'; request: RequestRecord };

export interface RequestFilter {
  status?: RequestStatus;
  action?: string;
  urgency?: Urgency;
  /** Only requests of this owner. */
  ownerId?: string;
  /** Only requests of this repository (`owner/name`, compared case-insensitively, as GitHub does). */
  repository?: string;
  /** Only requests of the repositories of this GitHub owner (user or organization, case-insensitive). */
  repositoryOwner?: string;
  limit: number;
  offset: number;
}

export interface DecisionChange {
  status: Exclude<RequestStatus, 'pending'>;
  decidedBy: string;
  decisionReason: string | null;
  /** ISO-8601 time of the decision; also the new `updatedAt`. */
  at: string;
  /** The review as of the decision (the deciding vote recorded), when it changed. */
  review?: Review;
  /**
   * Compare-and-set: when set, the transition happens only if the stored review still equals this
   * (the review the decision was computed from), so a decision tallied from a stale read never
   * overwrites a vote another instance counted meanwhile. Otherwise `{ ok: false }` with the request
   * as it is (still pending): read again and recount.
   */
  reviewBefore?: Review | null;
}

export type TransitionResult =
  | { ok: true; request: RequestRecord }
  /** The request was no longer pending (or does not exist: `request` is null). */
  | { ok: false; request: RequestRecord | null };

export interface RequestStore extends AuditLog {
  /**
   * Stores a new request and its first audit events in one transaction.
   * With `idempotency`, a key already used by the same owner returns the original request instead
   * (`existing` when the fingerprint matches, `idempotency_conflict` when it does not).
   */
  insertRequest(
    request: RequestRecord,
    events: AuditEventInput[],
    idempotency?: IdempotencyInput,
    /** Queued only when the request is created (not for `existing` or a conflict). */
    jobs?: JobInput[],
  ): Promise<InsertRequestResult>;

  getRequest(id: string): Promise<RequestRecord | null>;

  /** Newest first (`createdAt` desc, then `id` desc); `total` counts the whole filtered set. */
  listRequests(filter: RequestFilter): Promise<{ requests: RequestRecord[]; total: number }>;

  /**
   * Moves a pending request to a final status and appends `events`, atomically. Exactly one of any
   * number of concurrent transitions of the same request succeeds.
   */
  transition(
    id: string,
    change: DecisionChange,
    events: AuditEventInput[],
    /** Queued only when the transition succeeds. */
    jobs?: JobInput[],
  ): Promise<TransitionResult>;

  /**
   * Replaces the review (votes, url) of a still-pending request and appends `events`, atomically.
   * Returns null when the request is not pending any more, or (with `expectedReview`) when its review
   * is no longer the one the update was computed from.
   */
  updateReview(
    id: string,
    review: Review,
    at: string,
    events: AuditEventInput[],
    /** Queued only when the review is updated. */
    jobs?: JobInput[],
    /**
     * Compare-and-set: update only if the stored review still equals this one (the review as read),
     * so an update computed from a stale read never overwrites a newer review, on any instance. The
     * review itself is the version: every change of it (a vote, a withdrawal, a url) changes it.
     */
    expectedReview?: Review | null,
  ): Promise<RequestRecord | null>;

  /**
   * Ids of pending requests overdue at `now` (`isOverdue` in app/approvals/is-overdue.ts: `expiresAt`
   * at or before `now`), oldest expiry first.
   */
  findExpired(now: string, limit: number): Promise<string[]>;
}
