import { randomBytes } from 'node:crypto';

/**
 * `aud_` + the time in milliseconds (12 hex digits, so ids sort by creation) + 80 random bits.
 * Chain order is the table's sequence, not the id; the id only has to be unique.
 */
export function newAuditId(now = Date.now()): string {
  return `aud_${now.toString(16).padStart(12, '0')}${randomBytes(10).toString('hex')}`;
}
