/**
 * Argument checks, id shapes, stored-row readers and the audit chaining step every Store adapter
 * shares, so the SQLite, PostgreSQL and in-memory stores accept and produce the same values.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEntry, Requester } from '../../sdk/schemas.js';
import { auditContent, canonicalJson, chainHash } from '../approvals/audit-chain.js';
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
 * An audit entry before it is chained: everything but the previous hash and its own. `content` is
 * what its hash covers besides the previous hash (`auditContent`).
 */
export interface PreparedAuditEntry {
  id: string;
  requestId: string | null;
  eventType: string;
  actor: string;
  /** The details as stored: their canonical JSON (`canonicalJson`), the very text the hash covers. */
  detailsJson: string;
  createdAt: string;
  content: string;
}

/**
 * `events` as entries to append: new ids, each entry's details as their canonical JSON (plain JSON,
 * keys sorted), so what a reader gets back hashes the same whatever the details held (`toJSON`
 * values, `undefined` fields). Throws, before anything is written, on details that are not a JSON
 * object.
 */
export function prepareAuditEntries(events: readonly AuditEventInput[]): PreparedAuditEntry[] {
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
    };
    return { ...fields, detailsJson, content: auditContent(fields, detailsJson) };
  });
}

/** `prepared` chained after `prevHash`, in order. */
function chainPrepared(prepared: readonly PreparedAuditEntry[], prevHash: string): ChainedAuditEntry[] {
  let previous = prevHash;
  return prepared.map((entry) => {
    const hash = chainHash(previous, entry.content);
    const chained = chainedEntry(entry, previous, hash);
    previous = hash;
    return chained;
  });
}

/** `entry` as chained after `prevHash` with `hash` (computed here, or by the database). */
export function chainedEntry(entry: PreparedAuditEntry, prevHash: string, hash: string): ChainedAuditEntry {
  const { id, requestId, eventType, actor, detailsJson, createdAt } = entry;
  const row: AuditRowValues = [id, requestId, eventType, actor, detailsJson, createdAt, prevHash, hash];
  return {
    row,
    hash,
    entry: () => ({
      id,
      requestId,
      eventType,
      actor,
      details: JSON.parse(detailsJson) as Record<string, unknown>,
      createdAt,
      prevHash,
      hash,
    }),
  };
}

/** The entries `events` become when appended after `prevHash` (`prepareAuditEntries`, chained). */
export function chainAuditEntries(events: readonly AuditEventInput[], prevHash: string): ChainedAuditEntry[] {
  return chainPrepared(prepareAuditEntries(events), prevHash);
}
