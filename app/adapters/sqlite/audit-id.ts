import { randomUUID } from 'node:crypto';

/**
 * `aud_` + the time in milliseconds (12 hex digits, so ids sort by creation) + a random UUID's 122
 * random bits (randomUUID draws from a cached entropy pool: far cheaper than randomBytes per id).
 * Chain order is the table's sequence, not the id; the id only has to be unique.
 */
export function newAuditId(now = Date.now()): string {
  return newStoreId('aud', now);
}

/** `<prefix>_` + time + random, as for audit ids. */
export function newStoreId(prefix: string, now = Date.now()): string {
  return `${prefix}_${now.toString(16).padStart(12, '0')}${randomUUID().replaceAll('-', '')}`;
}
