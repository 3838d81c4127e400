/**
 * The hash-chained audit trail (DESIGN §10). Appending is the only write; every other port that
 * changes state appends its events in the same transaction as the change.
 */
import type { AuditEntry } from '../../sdk/schemas.js';

/** An audit event to append; the store assigns `id`, `prevHash` and `hash`. */
export interface AuditEventInput {
  requestId: string | null;
  eventType: string;
  actor: string;
  details: Record<string, unknown>;
  createdAt: string;
}

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

/**
 * The durable end of the audit trail, moved in the same transaction as every append: how many
 * entries there are and the last one's hash (null while there are none). `audit verify` compares the
 * table with it, so deleting entries from the end, which leaves a valid chain, is found.
 */
export interface AuditHead {
  count: number;
  lastHash: string | null;
}

export interface AuditLog {
  /** Appends events to the hash-chained audit trail, in order. */
  appendAudit(events: AuditEventInput[]): Promise<AuditEntry[]>;
  /** Oldest first (chain order). */
  listAudit(filter: AuditFilter): Promise<AuditEntry[]>;
  /** The audit head: entry count and last hash as recorded by the appends (see `AuditHead`). */
  getAuditHead(): Promise<AuditHead>;
}
