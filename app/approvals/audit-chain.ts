/**
 * The audit trail is a hash chain: each entry's hash covers its content and the previous entry's
 * hash, so changing, removing or reordering any entry breaks every hash after it.
 * Pure: uses only node:crypto's hash, no IO.
 */
import { createHash } from 'node:crypto';
import type { AuditEntry } from '../../sdk/schemas.js';

/** `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>): string {
  const { id, requestId, eventType, actor, details, createdAt, prevHash } = entry;
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalJson({ id, requestId, eventType, actor, details, createdAt }))
    .digest('hex');
}

export type ChainVerdict =
  | { ok: true; checked: number; lastHash: string }
  | { ok: false; checked: number; entryId: string; problem: string };

/**
 * Checks entries in chain order, continuing from `prevHash` (the genesis hash for the first page).
 * Call it page by page, passing the previous page's `lastHash`.
 */
export function verifyAuditChain(entries: readonly AuditEntry[], prevHash = GENESIS_HASH): ChainVerdict {
  let expectedPrev = prevHash;
  let checked = 0;
  for (const entry of entries) {
    if (entry.prevHash !== expectedPrev) {
      return {
        ok: false,
        checked,
        entryId: entry.id,
        problem: 'prevHash does not match the previous entry (an entry was removed or reordered)',
      };
    }
    if (hashAuditEntry(entry) !== entry.hash) {
      return {
        ok: false,
        checked,
        entryId: entry.id,
        problem: 'hash does not match the entry content (the entry was changed)',
      };
    }
    expectedPrev = entry.hash;
    checked += 1;
  }
  return { ok: true, checked, lastHash: expectedPrev };
}
