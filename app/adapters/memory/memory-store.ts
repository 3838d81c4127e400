/**
 * The Store in memory: the fake beside the SQLite adapter (STYLE "Ports with fakes"), for service
 * tests that need a store but not a database. It passes the same contract suite
 * (`test/store/store-contract.ts`), so a service test on it means what it would mean on SQLite.
 *
 * How it keeps the contract without a database: every method does its work synchronously, so no
 * other call can interleave (one winner among concurrent transitions, one claimant per job,
 * one creator per idempotency key). Each change first prepares everything that can fail —
 * argument checks, JSON copies of the records, audit hashes — and only then writes, so a failed
 * change leaves nothing behind (the transaction). Records go in and out as JSON copies, as they
 * would through a database: a caller never holds the stored object. The audit chain uses the same
 * pure `hashAuditEntry` as the SQLite store.
 *
 * Single process only, and gone at exit: not for production.
 */
import type { AuditEntry, Review } from '../../../sdk/schemas.js';
import { GENESIS_HASH } from '../../approvals/audit-chain.js';
import { isOverdue } from '../../approvals/is-overdue.js';
import {
  type ApiKeyRecord,
  type AuditEventInput,
  type AuditFilter,
  type InsertRequestResult,
  type JobInput,
  type RequestRecord,
  type Store,
  StoreError,
} from '../../ports/store.js';
import { chainAuditEntries, checkedCount, toUtcIso } from '../store-values.js';
import { ascending, copy, descending } from './json-copy.js';
import { createMemoryJobs } from './memory-jobs.js';
import { createMemoryLinks } from './memory-links.js';

export function createMemoryStore(): Store {
  const requests = new Map<string, RequestRecord>();
  /** `ownerId` NUL `key` → the request it created. */
  const idempotency = new Map<string, { fingerprint: string; requestId: string }>();
  const audit: AuditEntry[] = [];
  const apiKeys = new Map<string, ApiKeyRecord>();
  let closed = false;

  /** Runs one call: refused once closed; any failure a StoreError that says what was being done. */
  function run<T>(doing: string, call: () => T): Promise<T> {
    if (closed) return Promise.reject(new StoreError('closed', `Could not ${doing}: the store is closed.`));
    try {
      return Promise.resolve(call());
    } catch (error) {
      if (error instanceof StoreError) return Promise.reject(error);
      return Promise.reject(
        new StoreError('failed', `Could not ${doing}: ${String(error)}.`, { cause: error }),
      );
    }
  }

  const queue = createMemoryJobs(run);
  const { prepareJobs } = queue;

  /**
   * Hashes `events` onto the chain without storing them; `commit` appends them. Preparing first
   * lets a change fail (an unserializable detail) before it has written anything.
   */
  function prepareEvents(events: readonly AuditEventInput[]): { entries: AuditEntry[]; commit(): void } {
    const entries = chainAuditEntries(events, audit.at(-1)?.hash ?? GENESIS_HASH).map((chained) =>
      chained.entry(),
    );
    return { entries, commit: () => audit.push(...entries) };
  }

  /** Prepares events and jobs of one change, then commits both (or neither, when preparing fails). */
  function sideEffects(
    events: readonly AuditEventInput[],
    queued: readonly JobInput[] | undefined,
    at: string,
  ) {
    const trail = prepareEvents(events);
    const work = prepareJobs(queued, at);
    return () => {
      trail.commit();
      work.commit();
    };
  }

  const pending = (requestId: string) => requests.get(requestId)?.status === 'pending';
  const links = createMemoryLinks({
    run,
    prepareEvents,
    prepareJobs,
    pending,
    hasRequest: (id) => requests.has(id),
  });

  return {
    kind: 'memory',
    ...links,
    ...queue.methods,

    ping: () => run('reach the store', () => undefined),

    async close() {
      closed = true;
    },

    insertRequest: (request, events, idem, queued) =>
      run(`store request ${request.id}`, (): InsertRequestResult => {
        const idemKey = idem && `${idem.ownerId}\u0000${idem.key}`;
        const seen = idemKey === undefined ? undefined : idempotency.get(idemKey);
        if (idem && seen) {
          const original = requests.get(seen.requestId);
          if (!original) throw new Error(`idempotency key points to missing request ${seen.requestId}`);
          const kind = seen.fingerprint === idem.fingerprint ? 'existing' : 'idempotency_conflict';
          return { kind, request: copy(original) };
        }
        if (requests.has(request.id)) {
          throw new StoreError(
            'conflict',
            `Could not store request ${request.id}: a request with this id already exists.`,
          );
        }
        const stored = copy(request);
        const commit = sideEffects(events, queued, request.createdAt);
        requests.set(stored.id, stored);
        if (idem && idemKey)
          idempotency.set(idemKey, { fingerprint: idem.fingerprint, requestId: stored.id });
        commit();
        return { kind: 'created', request: copy(stored) };
      }),

    getRequest: (id) =>
      run(`read request ${id}`, () => {
        const request = requests.get(id);
        return request ? copy(request) : null;
      }),

    listRequests: (filter) =>
      run('list requests', () => {
        const limit = checkedCount(filter.limit, 'limit');
        const offset = checkedCount(filter.offset, 'offset');
        const repository = filter.repository?.toLowerCase();
        const ownerPrefix =
          filter.repositoryOwner === undefined ? undefined : `${filter.repositoryOwner.toLowerCase()}/`;
        const matches = [...requests.values()]
          .filter(
            (r) =>
              (filter.status === undefined || r.status === filter.status) &&
              (filter.action === undefined || r.action === filter.action) &&
              (filter.urgency === undefined || r.urgency === filter.urgency) &&
              (filter.ownerId === undefined || r.ownerId === filter.ownerId) &&
              (repository === undefined || r.repository?.toLowerCase() === repository) &&
              (ownerPrefix === undefined || (r.repository?.toLowerCase().startsWith(ownerPrefix) ?? false)),
          )
          .sort((a, b) => descending(a.createdAt, b.createdAt) || descending(a.id, b.id));
        return { requests: matches.slice(offset, offset + limit).map(copy), total: matches.length };
      }),

    transition: (id, change, events, queued) =>
      run(`decide request ${id}`, () => {
        const request = requests.get(id);
        if (request?.status !== 'pending') return { ok: false, request: request ? copy(request) : null };
        if (change.reviewBefore !== undefined && !sameReview(request.review, change.reviewBefore)) {
          return { ok: false, request: copy(request) };
        }
        const decided: RequestRecord = {
          ...request,
          status: change.status,
          decidedBy: change.decidedBy,
          decisionReason: change.decisionReason,
          decidedAt: change.at,
          updatedAt: change.at,
          review: change.review === undefined ? request.review : copy(change.review),
        };
        const commit = sideEffects(events, queued, change.at);
        requests.set(id, decided);
        commit();
        return { ok: true, request: copy(decided) };
      }),

    updateReview: (id, review, at, events, queued, expectedReview) =>
      run(`update the review of request ${id}`, () => {
        const request = requests.get(id);
        if (request?.status !== 'pending') return null;
        if (expectedReview !== undefined && !sameReview(request.review, expectedReview)) return null;
        const updated: RequestRecord = { ...request, review: copy(review), updatedAt: at };
        const commit = sideEffects(events, queued, at);
        requests.set(id, updated);
        commit();
        return copy(updated);
      }),

    findExpired: (now, limit) =>
      run('find expired requests', () => {
        const at = toUtcIso(now, 'now');
        return [...requests.values()]
          .filter((r) => isOverdue(r, at))
          .sort((a, b) => ascending(a.expiresAt, b.expiresAt) || ascending(a.id, b.id))
          .slice(0, checkedCount(limit, 'limit'))
          .map((r) => r.id);
      }),

    appendAudit: (events) =>
      run('append to the audit trail', () => {
        const trail = prepareEvents(events);
        trail.commit();
        return copy(trail.entries);
      }),

    listAudit: (filter: AuditFilter) =>
      run('read the audit trail', () => {
        const since = filter.since === undefined ? undefined : toUtcIso(filter.since, 'since');
        const until = filter.until === undefined ? undefined : toUtcIso(filter.until, 'until');
        const offset = checkedCount(filter.offset, 'offset');
        return audit
          .filter(
            (e) =>
              (filter.requestId === undefined || e.requestId === filter.requestId) &&
              (filter.eventType === undefined || e.eventType === filter.eventType) &&
              (filter.actor === undefined || e.actor === filter.actor) &&
              (since === undefined || e.createdAt >= since) &&
              (until === undefined || e.createdAt < until),
          )
          .slice(offset, offset + checkedCount(filter.limit, 'limit'))
          .map(copy);
      }),

    insertApiKey: (key, events) =>
      run(`store API key ${key.id}`, () => {
        if (apiKeys.has(key.id))
          throw new StoreError(
            'conflict',
            `Could not store API key ${key.id}: an API key with this id already exists.`,
          );
        if ([...apiKeys.values()].some((k) => k.keyHash === key.keyHash)) {
          throw new StoreError(
            'conflict',
            `Could not store API key ${key.id}: an API key with this hash already exists.`,
          );
        }
        const stored = copy(key);
        const trail = prepareEvents(events);
        apiKeys.set(stored.id, stored);
        trail.commit();
      }),

    findApiKeyByHash: (keyHash) =>
      run('look up an API key', () => {
        const key = [...apiKeys.values()].find((k) => k.keyHash === keyHash);
        return key ? copy(key) : null;
      }),

    getApiKey: (id) =>
      run(`read API key ${id}`, () => {
        const key = apiKeys.get(id);
        return key ? copy(key) : null;
      }),

    // Map order is insertion order, SQLite's rowid tie-break.
    listApiKeys: () =>
      run('list API keys', () =>
        [...apiKeys.values()].sort((a, b) => ascending(a.createdAt, b.createdAt)).map(copy),
      ),

    revokeApiKey: (id, at, events) =>
      run(`revoke API key ${id}`, () => {
        const key = apiKeys.get(id);
        // Unknown (null), or already revoked: keep the first revocation and log nothing new.
        if (!key || key.revokedAt !== null) return key ? copy(key) : null;
        const revoked = { ...key, revokedAt: at };
        const trail = prepareEvents(events);
        apiKeys.set(id, revoked);
        trail.commit();
        return copy(revoked);
      }),

    updateApiKey: (id, patch, _at, events) =>
      run(`update API key ${id}`, () => {
        const key = apiKeys.get(id);
        if (!key) return null;
        const updated = { ...key, rateLimit: patch.rateLimit };
        const trail = prepareEvents(events);
        apiKeys.set(id, updated);
        trail.commit();
        return copy(updated);
      }),

    getAuditHead: () =>
      run('read the end of the audit trail', () => ({
        count: audit.length,
        lastHash: audit.at(-1)?.hash ?? null,
      })),

    countActiveApiKeys: () =>
      run('count API keys', () => [...apiKeys.values()].filter((k) => k.revokedAt === null).length),
  };
}

/** Reviews compare as the SQL stores compare them: by their JSON text. */
function sameReview(stored: Review | null, expected: Review | null): boolean {
  return JSON.stringify(stored) === JSON.stringify(expected);
}
