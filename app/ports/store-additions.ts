/**
 * Store methods that branch `hostile-shapes` adds, with their SQLite side. The in-memory store
 * implements them already, so when that branch merges: move `updateApiKey` into ApiKeyStore,
 * `updateWebhook` into OutboundStore and `getAuditHead` into AuditLog, add `enabled` to
 * WebhookRecord (then drop `EnabledWebhook`), run `describeStoreAdditionsContract` from
 * `describeStoreContract`, and delete this file. Until then `Store` does not include them, so the
 * SQLite store still typechecks.
 */
import type { WebhookEvent } from '../../sdk/schemas.js';
import type { ApiKeyRecord } from './api-key-store.js';
import type { AuditEventInput } from './audit-log.js';
import type { WebhookRecord } from './outbound-store.js';

/** Where the audit chain ends, kept in the same transaction as every append. */
export interface AuditHead {
  /** Entries in the trail. */
  count: number;
  /** Hash of the last entry; the genesis hash for an empty trail. */
  lastHash: string;
}

export interface WebhookPatch {
  url?: string;
  events?: WebhookEvent[];
  enabled?: boolean;
}

export type EnabledWebhook = WebhookRecord & { enabled: boolean };

export interface StoreAdditions {
  /** Changes a key's rate limit and appends `events`, atomically; null (and no events) for an unknown id. */
  updateApiKey(
    id: string,
    patch: { rateLimit: number | null },
    at: string,
    events: AuditEventInput[],
  ): Promise<ApiKeyRecord | null>;
  /** Changes a subscription and appends `events`, atomically; null (and no events) for an unknown id. */
  updateWebhook(
    id: string,
    patch: WebhookPatch,
    at: string,
    events: AuditEventInput[],
  ): Promise<EnabledWebhook | null>;
  getAuditHead(): Promise<AuditHead>;
}
