/**
 * The durable state of AgentGate, as small ports that each service picks from:
 *
 * | Port              | Holds                                                      | Used by |
 * |-------------------|------------------------------------------------------------|---------|
 * | `AuditLog`        | the hash-chained audit trail                               | VoteService, the audit router, the CLI |
 * | `RequestStore`    | requests + `AuditLog` + jobs queued with a change (outbox) | RequestService, GitHub and Slack services |
 * | `JobQueue`        | free-standing jobs; claim/finish for the job runner        | JobRunner, GitHub issue/check services, policy check |
 * | `ApiKeyStore`     | hashed API keys                                            | ApiKeyService, the bootstrap key |
 * | `GitHubLinkStore` | handled deliveries/comments, issue and check-run links     | GitHub services, the reconciler |
 * | `OutboundStore`   | webhook subscriptions, delivery log, Slack message refs    | WebhookService, SlackMirror |
 *
 * `Store` is all of them plus lifecycle, for the composition root (`app/main.ts`) and the adapters
 * (`app/adapters/sqlite`, `app/adapters/memory`). Every method is async so that a networked
 * database (PostgreSQL) can implement the same contract; every state change is one transaction,
 * and a promise that resolves means the change is durable. A change that appends audit events or
 * queues jobs does so in its own transaction, which is why one implementation serves every port.
 *
 * `test/store/store-contract.ts` is the contract: every implementation must pass it.
 */
import type { Requester, Scope } from '../../sdk/schemas.js';
import type { ApiKeyStore } from './api-key-store.js';
import type { GitHubLinkStore } from './github-link-store.js';
import type { JobQueue } from './job-queue.js';
import type { OutboundStore } from './outbound-store.js';
import type { RequestStore } from './request-store.js';

export type { ApiKeyPatch, ApiKeyRecord, ApiKeyStore } from './api-key-store.js';
export type { AuditEventInput, AuditFilter, AuditHead } from './audit-log.js';
export type { GitHubCheckRunLink, GitHubIssueLink, GitHubLinkStore } from './github-link-store.js';
export type { Job, JobFilter, JobInput, JobQueue, JobStatus } from './job-queue.js';
export type {
  DeliveryStatus,
  OutboundStore,
  SlackMessageRef,
  WebhookDelivery,
  WebhookPatch,
  WebhookRecord,
} from './outbound-store.js';
export type {
  DecisionChange,
  IdempotencyInput,
  InsertRequestResult,
  RequestFilter,
  RequestRecord,
  RequestStore,
  TransitionResult,
} from './request-store.js';

export interface Store extends RequestStore, JobQueue, ApiKeyStore, GitHubLinkStore, OutboundStore {
  /** Which implementation this is, for `/health` and logs. */
  readonly kind: 'sqlite' | 'postgres' | 'memory';

  /** Cheap round trip to the database, for `GET /health?deep=true`. */
  ping(): Promise<void>;
  /** Flush and close; further calls fail with a `closed` StoreError. */
  close(): Promise<void>;
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
