/** API keys (hashed) and their audit events. */
import type { Scope } from '../../sdk/schemas.js';
import type { AuditEventInput } from './audit-log.js';

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

export interface ApiKeyStore {
  /** Rejects with a `conflict` StoreError for an id or key hash already stored. */
  insertApiKey(key: ApiKeyRecord, events: AuditEventInput[]): Promise<void>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  /** All keys, revoked ones included, oldest first. */
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** Returns the revoked key, or null when the id is unknown. Revoking twice keeps the first time. */
  revokeApiKey(id: string, at: string, events: AuditEventInput[]): Promise<ApiKeyRecord | null>;
  countActiveApiKeys(): Promise<number>;
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
}
