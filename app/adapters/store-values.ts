/**
 * Argument checks, id shapes, stored-row readers and the audit chaining step every Store adapter
 * shares, so the SQLite, PostgreSQL and in-memory stores accept and produce the same values.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEntry, Requester } from '../../sdk/schemas.js';
import { canonicalJson, hashAuditContent } from '../approvals/audit-chain.js';
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

/** An audit entry chained and ready to store: its row for the SQL stores, its hash, the entry itself. */
export interface ChainedAuditEntry {
  /** The audit table's columns (id, request_id, event_type, actor, details, created_at, prev_hash, hash). */
  row: AuditRowValues;
  hash: string;
  /** The entry as a reader gets it back (its details parsed from the stored JSON); built on demand. */
  entry(): AuditEntry;
}

/**
 * The entries `events` become when appended after `prevHash`: new ids and the chain's hashes. Each
 * entry's details are kept as their canonical JSON (`canonicalJson`: plain JSON, keys sorted), the
 * very text the hash covers, so what a reader gets back hashes the same whatever the details held
 * (`toJSON` values, `undefined` fields). Throws, before anything is written, on details that are not
 * JSON.
 */
export function chainAuditEntries(events: readonly AuditEventInput[], prevHash: string): ChainedAuditEntry[] {
  let previous = prevHash;
  return events.map((event) => {
    const detailsJson = canonicalJson(event.details) as string | undefined;
    if (detailsJson === undefined || detailsJson[0] !== '{') {
      throw new TypeError(`The details of audit event "${event.eventType}" are not a JSON object.`);
    }
    const fields = {
      id: newAuditId(),
      requestId: event.requestId,
      eventType: event.eventType,
      actor: event.actor,
      createdAt: event.createdAt,
      prevHash: previous,
    };
    const hash = hashAuditContent(fields, detailsJson);
    previous = hash;
    const row: AuditRowValues = [
      fields.id,
      fields.requestId,
      fields.eventType,
      fields.actor,
      detailsJson,
      fields.createdAt,
      fields.prevHash,
      hash,
    ];
    const entry = (): AuditEntry => ({
      ...fields,
      details: JSON.parse(detailsJson) as Record<string, unknown>,
      hash,
    });
    return { row, hash, entry };
  });
}
