/**
 * The durable state of AgentGate. Every method is async so that a networked database (PostgreSQL)
 * can implement the same contract; every state change is one transaction, and a promise that
 * resolves means the change is durable.
 *
 * `test/store/store-contract.ts` is the contract: every implementation must pass it.
 */
import type {
  ApprovalRequest,
  AuditEntry,
  Requester,
  RequestStatus,
  Review,
  Scope,
  Urgency,
  WebhookEvent,
} from '../../sdk/schemas.js';

/** A request as stored: the wire object plus who owns it (for "requesters read their own"). */
export interface RequestRecord extends ApprovalRequest {
  /** Principal that created it: `key:<api key id>`, `admin`, or `oidc:<owner/name>:run:<run id>`. */
  ownerId: string;
}

/** An audit event to append; the store assigns `id`, `prevHash` and `hash`. */
export interface AuditEventInput {
  requestId: string | null;
  eventType: string;
  actor: string;
  details: Record<string, unknown>;
  createdAt: string;
}

/**
 * Work to do after a state change — open a GitHub issue, deliver a webhook, update a Slack
 * message — stored in the same transaction as the change, so it is never lost and never done for
 * a change that did not happen (the outbox pattern). `app/services/job-runner.ts` runs them.
 */
export interface JobInput {
  kind: string;
  payload: Record<string, unknown>;
  /** Earliest time to run (ISO-8601); when absent, as soon as possible. */
  runAt?: string;
}

export type JobStatus = 'queued' | 'done' | 'failed';

export interface Job {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  status: JobStatus;
  /** Next time it may run; while claimed, the end of the claim's lease. */
  runAt: string;
  /** Runs started so far (a claim counts as one). */
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface JobFilter {
  kind?: string;
  status?: JobStatus;
  limit: number;
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
}

export type TransitionResult =
  | { ok: true; request: RequestRecord }
  /** The request was no longer pending (or does not exist: `request` is null). */
  | { ok: false; request: RequestRecord | null };

export interface AuditFilter {
  requestId?: string;
  eventType?: string;
  actor?: string;
  /** ISO-8601, inclusive. */
  since?: string;
  /** ISO-8601, exclusive. */
  until?: string;
  limit: number;
  offset: number;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** sha256 hex of the full key; the key itself is never stored. */
  keyHash: string;
  scopes: Scope[];
  rateLimit: number | null;
  repository: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** What `updateApiKey` may change: `rateLimit` null removes the limit. */
export interface ApiKeyPatch {
  rateLimit: number | null;
}

/**
 * The durable end of the audit trail, moved in the same transaction as every append: how many
 * entries there are and the last one's hash (null while there are none). `audit verify` compares the
 * table with it, so deleting entries from the end, which leaves a valid chain, is found.
 */
export interface AuditHead {
  count: number;
  lastHash: string | null;
}

// ---------------------------------------------------------------------------------------------
// Outgoing webhooks and Slack messages

/** A webhook subscription. The secret is kept to sign deliveries; the API shows it only at creation. */
export interface WebhookRecord {
  id: string;
  url: string;
  events: WebhookEvent[];
  secret: string;
  /** A disabled subscription gets no new deliveries. */
  enabled: boolean;
  createdAt: string;
}

/** What `updateWebhook` may change; absent fields stay as they are. */
export interface WebhookPatch {
  url?: string;
  events?: WebhookEvent[];
  enabled?: boolean;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event for one subscription: every attempt sends the same id and body. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  event: string;
  requestId: string | null;
  /** The exact JSON body sent (and signed) on every attempt. */
  body: string;
  status: DeliveryStatus;
  attempts: number;
  /** HTTP status of the last attempt, or null when it got no answer. */
  responseStatus: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export interface DeliveryAttempt {
  /** `pending` when it will be tried again. */
  status: DeliveryStatus;
  responseStatus: number | null;
  error: string | null;
  at: string;
}

export interface DeliveryFilter {
  webhookId: string;
  status?: DeliveryStatus;
  limit: number;
}

/** Where a request's Slack message is, so it can be updated in place. */
export interface SlackMessageRef {
  requestId: string;
  /** The channel as configured (`#payments`, or an id). */
  channel: string;
  /** The channel id Slack answered with (what `chat.update` needs). */
  channelId: string;
  ts: string;
  createdAt: string;
}

export interface Store {
  /** Which implementation this is, for `/health` and logs. */
  readonly kind: 'sqlite' | 'postgres';

  /** Cheap round trip to the database, for `GET /health?deep=true`. */
  ping(): Promise<void>;
  /** Flush and close; further calls fail. */
  close(): Promise<void>;

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
   * Returns null when the request is not pending any more.
   */
  updateReview(
    id: string,
    review: Review,
    at: string,
    events: AuditEventInput[],
    /** Queued only when the review is updated. */
    jobs?: JobInput[],
  ): Promise<RequestRecord | null>;

  /** Ids of pending requests whose `expiresAt` is at or before `now`, oldest expiry first. */
  findExpired(now: string, limit: number): Promise<string[]>;

  /** Appends events to the hash-chained audit trail, in order. */
  appendAudit(events: AuditEventInput[]): Promise<AuditEntry[]>;

  /** Oldest first (chain order). */
  listAudit(filter: AuditFilter): Promise<AuditEntry[]>;
  /** The audit head: entry count and last hash as recorded by the appends (see `AuditHead`). */
  getAuditHead(): Promise<AuditHead>;

  /** Queues jobs on their own (work not tied to a request change). */
  enqueueJobs(jobs: JobInput[], at: string): Promise<void>;
  /**
   * Takes up to `limit` queued jobs due at `now`, oldest due first, counting an attempt for each
   * and leasing them for `leaseSeconds` (their `runAt` moves to the lease's end), so a worker that
   * dies mid-job gives them back instead of losing them. Concurrent claims never share a job.
   */
  claimJobs(now: string, limit: number, leaseSeconds: number): Promise<Job[]>;
  /** Marks a claimed job done. */
  completeJob(id: string, at: string): Promise<void>;
  /** Puts a claimed job back in the queue until `runAt`, remembering why it failed. */
  retryJob(id: string, runAt: string, error: string, at: string): Promise<void>;
  /** Gives up on a job: it stays visible with its last error. */
  failJob(id: string, error: string, at: string): Promise<void>;
  getJob(id: string): Promise<Job | null>;
  /** Newest first. */
  listJobs(filter: JobFilter): Promise<Job[]>;

  insertApiKey(key: ApiKeyRecord, events: AuditEventInput[]): Promise<void>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  /** All keys, revoked ones included, oldest first. */
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /**
   * Changes a key's settings (revoked keys included) and appends `events`, atomically; null (and
   * nothing logged) when the id is unknown.
   */
  updateApiKey(
    id: string,
    patch: ApiKeyPatch,
    at: string,
    events: AuditEventInput[],
  ): Promise<ApiKeyRecord | null>;
  /** Returns the revoked key, or null when the id is unknown. Revoking twice keeps the first time. */
  revokeApiKey(id: string, at: string, events: AuditEventInput[]): Promise<ApiKeyRecord | null>;
  countActiveApiKeys(): Promise<number>;

  // --- GitHub App (app/github, app/services/github-*) ------------------------------------------

  /**
   * Records `key` (`delivery:<guid>`, `comment:<owner/name>#<id>`) as processed, atomically; false
   * when it already was, so a redelivered webhook or a comment seen again is handled once.
   */
  claimGitHubKey(key: string, at: string): Promise<boolean>;
  /** Forgets a claim whose handling failed, so a redelivery or the next reconciliation may retry it. */
  releaseGitHubKey(key: string): Promise<void>;
  /** Links a request to its issue; false (nothing changes) when the request already has one. */
  linkGitHubIssue(link: GitHubIssueLink): Promise<boolean>;
  getGitHubIssue(requestId: string): Promise<GitHubIssueLink | null>;
  /** The link of issue `number` in `repository` (compared case-insensitively, as GitHub does). */
  findGitHubIssue(repository: string, number: number): Promise<GitHubIssueLink | null>;
  /** Links of still-pending requests, by request id, after `afterRequestId` (for reconciliation). */
  listPendingGitHubIssues(limit: number, afterRequestId?: string): Promise<GitHubIssueLink[]>;
  /**
   * Links a request to its check run, or moves the link to a newer run of the same request (the
   * latest run carries the state); the commit and pull request of the first link stay.
   */
  linkGitHubCheckRun(link: GitHubCheckRunLink): Promise<void>;
  getGitHubCheckRun(requestId: string): Promise<GitHubCheckRunLink | null>;
  /** Check runs of still-pending requests gated on commit `headSha` of `repository` (case-insensitive), oldest first. */
  findPendingGitHubCheckRuns(repository: string, headSha: string): Promise<GitHubCheckRunLink[]>;
  /** Check runs of still-pending requests, by request id, after `afterRequestId` (for reconciliation). */
  listPendingGitHubCheckRuns(limit: number, afterRequestId?: string): Promise<GitHubCheckRunLink[]>;

  // --- Outgoing webhooks and Slack messages (app/webhooks, app/slack) ---------------------------

  insertWebhook(webhook: WebhookRecord, events: AuditEventInput[]): Promise<void>;
  getWebhook(id: string): Promise<WebhookRecord | null>;
  /** Oldest first. */
  listWebhooks(): Promise<WebhookRecord[]>;
  /**
   * Changes a subscription (the fields `patch` names) and appends `events`, atomically; null (and
   * nothing logged) when the id is unknown. The secret never changes here.
   */
  updateWebhook(
    id: string,
    patch: WebhookPatch,
    at: string,
    events: AuditEventInput[],
  ): Promise<WebhookRecord | null>;
  /** Removes a subscription and its delivery log; false when the id is unknown. */
  deleteWebhook(id: string, events: AuditEventInput[]): Promise<boolean>;
  /**
   * Stores a delivery and queues `jobs` with it, in one transaction. A delivery id already stored is
   * left as it was and nothing is queued (false), so a repeated fan-out never delivers twice.
   */
  insertDelivery(delivery: WebhookDelivery, jobs: JobInput[]): Promise<boolean>;
  /** Counts an attempt and records its outcome; null when the delivery is unknown. */
  recordDeliveryAttempt(id: string, attempt: DeliveryAttempt): Promise<WebhookDelivery | null>;
  getDelivery(id: string): Promise<WebhookDelivery | null>;
  /** Newest first. */
  listDeliveries(filter: DeliveryFilter): Promise<WebhookDelivery[]>;

  /** Remembers a posted Slack message (one per request and channel; a second save keeps the first). */
  saveSlackMessage(ref: SlackMessageRef, events: AuditEventInput[]): Promise<void>;
  /** The request's Slack messages, oldest first. */
  listSlackMessages(requestId: string): Promise<SlackMessageRef[]>;
}

/** Where a request is reviewed on GitHub. */
export interface GitHubIssueLink {
  requestId: string;
  repository: string;
  number: number;
  /** The issue's `html_url`. */
  url: string;
  createdAt: string;
}

/** Where a request is reviewed on a commit: its check run `AgentGate: <action>`. */
export interface GitHubCheckRunLink {
  requestId: string;
  repository: string;
  /** The commit (40 hex) the request is gated on: `context.sha`. */
  headSha: string;
  /** `context.pullRequest`, when the request names one. */
  pullRequest: number | null;
  checkRunId: number;
  /** The check run's `html_url`. */
  url: string;
  createdAt: string;
}

/** Who is asking, as far as the audit trail and ownership are concerned. */
export interface Principal {
  /** Stable owner id stored on requests (see `RequestRecord.ownerId`). */
  id: string;
  /** `decidedBy`/`actor` form: `api:<key name>`, `github-actions:<owner/name>`. */
  actor: string;
  requester: Requester;
  scopes: ReadonlySet<Scope>;
  /** Repository this principal is bound to, if any. */
  repository: string | null;
  /** Requests per minute, or null for unlimited. */
  rateLimit: number | null;
  /** Rate-limit bucket. */
  keyId: string;
}

/**
 * Why a store call failed, for the one place that maps errors to HTTP: `busy` (another writer held
 * the database past the busy timeout) and `closed` are "try again later" (503), `conflict` is a
 * duplicate id or key hash (409), `schema_too_new` and `failed` (disk full, I/O, corruption) are
 * internal errors (500). Every Store method rejects with a StoreError rather than a driver error.
 */
export type StoreErrorCode = 'busy' | 'closed' | 'conflict' | 'schema_too_new' | 'failed';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
