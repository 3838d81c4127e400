/**
 * Argument checks, id shapes, stored-row readers and the audit chaining step every Store adapter
 * shares, so the SQLite, PostgreSQL and in-memory stores accept and produce the same values.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEntry, Requester } from '../../sdk/schemas.js';
import { hashAuditEntry } from '../approvals/audit-chain.js';
import { pullRequestOfRef } from '../approvals/pull-request-binding.js';
import type { AuditEventInput } from '../ports/store.js';

/** Stored times are UTC `…sssZ` strings compared as text, so bounds must be in the same form. */
export function toUtcIso(value: string, name: string): string {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new RangeError(`${name} is not an ISO-8601 time: "${value}"`);
  return time.toISOString();
}

/** SQLite reads a negative LIMIT as "no limit": refuse it rather than return everything. */
export function checkedCount(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number ≥ 0, got ${value}`);
  }
  return value;
}

/**
 * `aud_` + the time in milliseconds (12 hex digits, so ids sort by creation) + a random UUID's 122
 * random bits (randomUUID draws from a cached entropy pool: far cheaper than randomBytes per id).
 * Chain order is the table's sequence, not the id; the id only has to be unique.
 */
function newAuditId(now = Date.now()): string {
  return newStoreId('aud', now);
}

/** `<prefix>_` + time + random, as for audit ids. */
export function newStoreId(prefix: string, now = Date.now()): string {
  return `${prefix}_${now.toString(16).padStart(12, '0')}${randomUUID().replaceAll('-', '')}`;
}

/**
 * A stored `requester`, with the GitHub Actions facts added after it was stored (DESIGN §11) read
 * back from what it does hold: the pull request of its `ref`, its `workflow` as `workflowRef`, null
 * for what was never recorded. So policies and renderers see one shape, old rows included.
 */
export function readStoredRequester(json: string): Requester {
  const stored = JSON.parse(json) as Requester;
  if (stored.type !== 'github_actions') return stored;
  const partial = stored as Partial<typeof stored> & Pick<typeof stored, 'type' | 'workflow' | 'ref'>;
  return {
    ...stored,
    workflowRef: partial.workflowRef ?? partial.workflow,
    jobWorkflowRef: partial.jobWorkflowRef ?? null,
    event: partial.event ?? null,
    environment: partial.environment ?? null,
    pullRequest: partial.pullRequest !== undefined ? partial.pullRequest : pullRequestOfRef(partial.ref),
  };
}

/** An audit entry's column values, in the audit table's order (both SQL stores). */
export type AuditRowValues = [string, string | null, string, string, string, string, string, string];

/**
 * The entries `events` become when appended after `prevHash`: new ids, the chain's hashes, and each
 * entry's details as the JSON a store keeps. Details are hashed as a reader gets them back (a JSON
 * round trip), so `toJSON` values or `undefined` fields cannot make a stored entry disagree with its
 * hash. Throws, before anything is written, on details that are not JSON. `row` is the entry as the
 * SQL stores write it: the audit table's columns (id, request_id, event_type, actor, details,
 * created_at, prev_hash, hash), in that order.
 */
export function chainAuditEntries(
  events: readonly AuditEventInput[],
  prevHash: string,
): { entry: AuditEntry; detailsJson: string; row: AuditRowValues }[] {
  let previous = prevHash;
  return events.map((event) => {
    const detailsJson = JSON.stringify(event.details);
    const content = {
      id: newAuditId(),
      requestId: event.requestId,
      eventType: event.eventType,
      actor: event.actor,
      details: JSON.parse(detailsJson) as Record<string, unknown>,
      createdAt: event.createdAt,
      prevHash: previous,
    };
    const entry: AuditEntry = { ...content, hash: hashAuditEntry(content) };
    previous = entry.hash;
    const row: AuditRowValues = [
      entry.id,
      entry.requestId,
      entry.eventType,
      entry.actor,
      detailsJson,
      entry.createdAt,
      entry.prevHash,
      entry.hash,
    ];
    return { entry, detailsJson, row };
  });
}
