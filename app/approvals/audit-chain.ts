/**
 * The audit trail is a hash chain: each entry's hash covers its content and the previous entry's
 * hash, so changing, removing or reordering any entry breaks every hash after it.
 * Pure: uses only node:crypto's hash, no IO.
 */
import { createHash } from 'node:crypto';
import type { AuditEntry } from '../../sdk/schemas.js';

/** `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every depth, so equal content always hashes the same: exactly
 * what `JSON.stringify` with a key-sorting replacer gives (`canonicalJsonByReplacer`), written out
 * for plain JSON values, which is all the audit trail holds (it hashes details after a JSON round
 * trip), at a fraction of the cost. Anything else (a Date, a Map, a class instance) takes the
 * replacer's path, so the output never differs.
 */
export function canonicalJson(value: unknown): string {
  const text = canonical(value);
  return text === undefined ? (JSON.stringify(value) as string) : text;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,9})$/;
const isArrayIndex = (key: string) => ARRAY_INDEX.test(key) && Number(key) < 4_294_967_295;

/**
 * The keys in the order the replacer's `Object.fromEntries(sorted)` object lists them: JavaScript
 * puts array-index keys ("0", "9", "10") first in numeric order — `Object.keys` already gives them
 * so — then the other keys in insertion order, here sorted by code unit.
 */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  let indexes = 0;
  while (indexes < keys.length && isArrayIndex(keys[indexes] as string)) indexes += 1;
  if (indexes === 0) return keys.sort(byCodeUnit);
  return keys.slice(0, indexes).concat(keys.slice(indexes).sort(byCodeUnit));
}

function canonical(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i += 1) {
          if (i > 0) out += ',';
          out += canonical(value[i]) ?? 'null';
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return canonicalJsonByReplacer(value);
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalJsonByReplacer(value);
      const record = value as Record<string, unknown>;
      let out = '{';
      let first = true;
      for (const key of sortedKeys(record)) {
        const text = canonical(record[key]);
        if (text === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${text}`;
        first = false;
      }
      return `${out}}`;
    }
    case 'bigint':
      return canonicalJsonByReplacer(value); // throws, as JSON.stringify does
    default:
      return undefined; // undefined, functions and symbols are left out, as by JSON.stringify
  }
}

/** The definition `canonicalJson` keeps to: `JSON.stringify` with every object's keys sorted. */
export function canonicalJsonByReplacer(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => byCodeUnit(a, b)))
      : v,
  );
}

export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>): string {
  return hashAuditContent(entry, canonicalJson(entry.details));
}

/** The hash of an entry whose details are already canonical JSON (`canonicalJson(details)`). */
export function hashAuditContent(entry: Omit<AuditEntry, 'hash' | 'details'>, detailsJson: string): string {
  return chainHash(entry.prevHash, auditContent(entry, detailsJson));
}

/**
 * What an entry's hash covers besides the previous hash: the canonical JSON of `{id, requestId,
 * eventType, actor, details, createdAt}` (details already canonical), written here in its sorted key
 * order (actor, createdAt, details, eventType, id, requestId) rather than sorted again per entry.
 */
export function auditContent(
  entry: Pick<AuditEntry, 'id' | 'requestId' | 'eventType' | 'actor' | 'createdAt'>,
  detailsJson: string,
): string {
  const { id, requestId, eventType, actor, createdAt } = entry;
  return (
    `{"actor":${JSON.stringify(actor)},"createdAt":${JSON.stringify(createdAt)},"details":${detailsJson},` +
    `"eventType":${JSON.stringify(eventType)},"id":${JSON.stringify(id)},"requestId":${requestId === null ? 'null' : JSON.stringify(requestId)}}`
  );
}

/**
 * An entry's hash: SHA-256, in hex, of the previous entry's hash, a newline and the entry's content
 * (UTF-8). The PostgreSQL store computes the same in SQL when it appends a batch's entries in one
 * statement (`agentgate_append`, pg-migrations.ts); a test holds the two to each other.
 */
export function chainHash(prevHash: string, content: string): string {
  return createHash('sha256').update(`${prevHash}\n${content}`).digest('hex');
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

/** The audit head as the store keeps it (count of entries and the last one's hash). */
export interface AuditHeadView {
  count: number;
  lastHash: string | null;
}

/** What a walk over the whole table found, the chain being intact. */
export interface ChainWalk {
  /** Entries in the table. */
  count: number;
  /** Hash of the last entry (the genesis hash when there is none). */
  lastHash: string;
  /** Hash after the first `before.count` entries (genesis for 0), or null when the table has fewer. */
  hashAtHead: string | null;
}

/**
 * Compares an intact chain with the audit head, read once `before` the walk and once `after` it (so
 * entries appended by a running server during the walk are not taken for forgeries). Returns what
 * is wrong, in words, or null. A valid chain that is shorter than the head was truncated: that is
 * what the chain alone cannot see.
 */
export function checkAuditHead(walk: ChainWalk, before: AuditHeadView, after: AuditHeadView): string | null {
  const ending = (head: AuditHeadView) =>
    head.count === 0 ? 'no entries' : `${head.count} entries ending in ${head.lastHash}`;
  if (walk.count < before.count) {
    const missing = before.count - walk.count;
    return walk.count === 0
      ? `truncated: the head says ${ending(before)}, the table has none (every entry was deleted)`
      : `truncated: the head says ${ending(before)}, the table has ${walk.count} ending in ` +
          `${walk.lastHash} (the last ${missing === 1 ? 'entry was' : `${missing} entries were`} deleted)`;
  }
  if (walk.hashAtHead !== (before.lastHash ?? GENESIS_HASH)) {
    return (
      `replaced: the head says ${ending(before)}, but entry ${before.count} of the table has hash ` +
      `${walk.hashAtHead} (entries at the end were deleted and others written in their place)`
    );
  }
  if (walk.count > after.count) {
    const extra = walk.count - after.count;
    return (
      `extended: the head says ${ending(after)}, the table has ${walk.count} ` +
      `(${extra === 1 ? 'an entry was' : `${extra} entries were`} added outside AgentGate)`
    );
  }
  if (walk.count === after.count && walk.lastHash !== (after.lastHash ?? GENESIS_HASH)) {
    return `replaced: the head says ${ending(after)}, the table's last entry has hash ${walk.lastHash}`;
  }
  return null;
}
