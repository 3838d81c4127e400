import { describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../app/approvals/audit-chain.js';
import { type Store, StoreError } from '../../../app/ports/store.js';
import { aDecision, anActionsRequester, anAuditEvent, aRequestRecord, at } from '../builders.js';

const auditOf = (store: Store, requestId: string) => store.listAudit({ requestId, limit: 1000, offset: 0 });
const allAudit = (store: Store) => store.listAudit({ limit: 1000, offset: 0 });

export function describeRequestContract(current: () => Store): void {
  describe('insertRequest and getRequest', () => {
    it('stores every field, nested JSON included, and reads it back unchanged', async () => {
      const request = aRequestRecord({
        params: {
          amount: 5000,
          tags: ['a', 'b'],
          deep: { x: { y: [true, false, null] } },
          unicode: 'Grüße ✓',
        },
        context: { onBehalfOf: 'alice', pr: 'https://github.com/acme/payments/pull/7' },
        requester: anActionsRequester({ workflow: 'deploy', environment: 'production' }),
        repository: null,
      });
      const result = await current().insertRequest(request, []);
      expect(result).toEqual({ kind: 'created', request });
      expect(await current().getRequest(request.id)).toEqual(request);
    });

    it('keeps which rules forbid operator overrides, and reads a request stored without it as it was', async () => {
      const locked = aRequestRecord();
      locked.policyDecision = { ...locked.policyDecision, overridesForbiddenBy: ['emails-need-review'] };
      await current().insertRequest(locked, []);
      expect((await current().getRequest(locked.id))?.policyDecision.overridesForbiddenBy).toEqual([
        'emails-need-review',
      ]);
      // Requests stored before the setting existed have no such field: they read as "allowed".
      const old = aRequestRecord();
      await current().insertRequest(old, []);
      expect((await current().getRequest(old.id))?.policyDecision).not.toHaveProperty('overridesForbiddenBy');
    });

    it('stores a request that a policy already decided', async () => {
      const request = aRequestRecord({
        status: 'approved',
        decidedAt: at(0),
        decidedBy: 'policy',
        decisionReason: 'auto-approved by rule "small-amounts"',
        review: null,
      });
      await current().insertRequest(request, []);
      expect(await current().getRequest(request.id)).toEqual(request);
    });

    it('answers null for an unknown id', async () => {
      expect(await current().getRequest('req_unknown')).toBeNull();
    });

    it('appends the first audit events with the request, in order', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, [
        anAuditEvent({ requestId: request.id, eventType: 'created' }),
        anAuditEvent({ requestId: request.id, eventType: 'evaluated', actor: 'policy' }),
      ]);
      const trail = await auditOf(current(), request.id);
      expect(trail.map((e) => [e.eventType, e.actor])).toEqual([
        ['created', 'api:mailer'],
        ['evaluated', 'policy'],
      ]);
    });

    it('refuses a second request with the same id as a conflict, and logs nothing for it', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, []);
      const error = await current()
        .insertRequest(aRequestRecord({ id: request.id, action: 'other' }), [
          anAuditEvent({ requestId: request.id }),
        ])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('conflict');
      expect((await current().getRequest(request.id))?.action).toBe('send_email');
      expect(await allAudit(current())).toEqual([]);
    });
  });

  it('fails only the changes that go wrong when many run at once, leaving nothing of them behind', async () => {
    const taken = aRequestRecord();
    await current().insertRequest(taken, []);
    const batch = Array.from({ length: 9 }, (_, i) =>
      i === 4 ? aRequestRecord({ id: taken.id }) : aRequestRecord(),
    );
    // The request row of #6 goes in before its event turns out to be unserializable: it must go too.
    const detailsOf = (i: number) => (i === 6 ? { big: 10n } : { i });
    const results = await Promise.allSettled(
      batch.map((r, i) =>
        current().insertRequest(r, [anAuditEvent({ requestId: r.id, details: detailsOf(i) })]),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([
      ...Array(4).fill('fulfilled'),
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const conflict = (results[4] as PromiseRejectedResult).reason;
    expect(conflict).toBeInstanceOf(StoreError);
    expect((conflict as StoreError).code).toBe('conflict');
    expect((results[6] as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
    expect(await current().getRequest(batch[6]!.id)).toBeNull();
    expect(await current().getRequest(taken.id)).toEqual(taken);
    const trail = await allAudit(current());
    expect(trail.map((e) => e.requestId)).toEqual(
      batch.filter((_, i) => i !== 4 && i !== 6).map((r) => r.id),
    );
    expect(verifyAuditChain(trail).ok).toBe(true);
  });

  describe('idempotency', () => {
    const key = (overrides: { ownerId?: string; key?: string; fingerprint?: string } = {}) => ({
      ownerId: 'key:key_1',
      key: 'retry-1',
      fingerprint: 'body-hash-1',
      ...overrides,
    });

    it('returns the original request for the same key and body, without storing or logging again', async () => {
      const first = aRequestRecord();
      await current().insertRequest(first, [anAuditEvent({ requestId: first.id })], key());
      const retry = aRequestRecord({ params: first.params });
      const result = await current().insertRequest(retry, [anAuditEvent({ requestId: retry.id })], key());
      expect(result).toEqual({ kind: 'existing', request: first });
      expect(await current().getRequest(retry.id)).toBeNull();
      expect((await current().listRequests({ limit: 10, offset: 0 })).total).toBe(1);
      expect(await allAudit(current())).toHaveLength(1);
    });

    it('reports a conflict, with the original, for the same key and another body', async () => {
      const first = aRequestRecord();
      await current().insertRequest(first, [], key());
      const other = aRequestRecord({ params: { to: 'someone-else@example.com' } });
      const result = await current().insertRequest(
        other,
        [anAuditEvent({ requestId: other.id })],
        key({ fingerprint: 'body-hash-2' }),
      );
      expect(result).toEqual({ kind: 'idempotency_conflict', request: first });
      expect(await current().getRequest(other.id)).toBeNull();
      expect(await allAudit(current())).toEqual([]);
    });

    it('scopes keys per owner: another owner with the same key gets its own request', async () => {
      const mine = aRequestRecord({ ownerId: 'key:key_1' });
      const theirs = aRequestRecord({ ownerId: 'key:key_2' });
      await current().insertRequest(mine, [], key({ ownerId: 'key:key_1' }));
      const result = await current().insertRequest(theirs, [], key({ ownerId: 'key:key_2' }));
      expect(result).toEqual({ kind: 'created', request: theirs });
    });

    it('treats different keys of one owner as different requests', async () => {
      await current().insertRequest(aRequestRecord(), [], key({ key: 'a' }));
      const second = aRequestRecord();
      expect((await current().insertRequest(second, [], key({ key: 'b' }))).kind).toBe('created');
    });

    it('returns the original in its current state once it has been decided', async () => {
      const first = aRequestRecord();
      await current().insertRequest(first, [], key());
      await current().transition(first.id, aDecision({ status: 'denied' }), []);
      const result = await current().insertRequest(aRequestRecord(), [], key());
      expect(result.kind).toBe('existing');
      expect(result.request.status).toBe('denied');
    });

    it('lets exactly one of many concurrent inserts with the same key create the request', async () => {
      const attempts = Array.from({ length: 20 }, () => aRequestRecord());
      const results = await Promise.all(attempts.map((r) => current().insertRequest(r, [], key())));
      const created = results.filter((r) => r.kind === 'created');
      expect(created).toHaveLength(1);
      const winner = created[0]!.request;
      for (const r of results) expect(r.request.id).toBe(winner.id);
      expect((await current().listRequests({ limit: 100, offset: 0 })).total).toBe(1);
    });
  });
}
