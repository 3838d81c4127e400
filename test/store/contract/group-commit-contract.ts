/**
 * Writes asked for together (one group commit on SQLite and PostgreSQL) succeed or fail one by one:
 * a change that fails takes nothing of the others with it, and the audit chain and head stay whole.
 */
import { describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../app/approvals/audit-chain.js';
import { type Store, StoreError } from '../../../app/ports/store.js';
import { aDecision, anAuditEvent, aRequestRecord } from '../builders.js';

export function describeGroupCommitContract(current: () => Store): void {
  describe('writes asked for together', () => {
    it('fail alone: a duplicate id is a conflict, the rest are stored with their jobs and audit', async () => {
      const store = current();
      const requests = [1, 2, 3, 4].map((i) => aRequestRecord({ id: `req_group_${i}` }));
      const duplicate = aRequestRecord({ id: 'req_group_1', action: 'the.duplicate' });
      const insert = (request: (typeof requests)[number]) =>
        store.insertRequest(
          request,
          [
            anAuditEvent({ requestId: request.id }),
            anAuditEvent({ requestId: request.id, eventType: 'evaluated' }),
          ],
          undefined,
          [{ kind: 'test.job', payload: { requestId: request.id } }],
        );
      // All in one turn of the event loop: one batch where the store batches.
      const settled = await Promise.allSettled([
        insert(requests[0]!),
        insert(requests[1]!),
        insert(duplicate),
        insert(requests[2]!),
        insert(requests[3]!),
      ]);
      expect(settled.map((s) => s.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      const failure = (settled[2] as PromiseRejectedResult).reason;
      expect(failure).toBeInstanceOf(StoreError);
      expect((failure as StoreError).code).toBe('conflict');
      for (const request of requests)
        expect((await store.getRequest(request.id))?.action).toBe(request.action);
      const trail = await store.listAudit({ limit: 100, offset: 0 });
      expect(trail).toHaveLength(8);
      expect(verifyAuditChain(trail).ok).toBe(true);
      expect(await store.getAuditHead()).toEqual({ count: 8, lastHash: trail.at(-1)?.hash });
      const jobs = await store.listJobs({ kind: 'test.job', limit: 100 });
      expect(jobs.map((j) => j.payload.requestId).sort()).toEqual(requests.map((r) => r.id).sort());
    });

    it('in order: a decision asked for in the same turn as the creates sees its request, and the chain keeps the order asked for', async () => {
      const store = current();
      const first = aRequestRecord();
      const second = aRequestRecord();
      const created = (request: typeof first) =>
        store.insertRequest(request, [anAuditEvent({ requestId: request.id, eventType: 'created' })]);
      const [, decided, , appended] = await Promise.all([
        created(first),
        store.transition(first.id, aDecision(), [
          anAuditEvent({ requestId: first.id, eventType: 'approved' }),
        ]),
        created(second),
        store.appendAudit([anAuditEvent({ requestId: second.id, eventType: 'commented' })]),
      ]);
      expect(decided.ok).toBe(true);
      expect((await store.getRequest(first.id))?.status).toBe('approved');
      const trail = await store.listAudit({ limit: 100, offset: 0 });
      expect(trail.map((entry) => [entry.requestId, entry.eventType])).toEqual([
        [first.id, 'created'],
        [first.id, 'approved'],
        [second.id, 'created'],
        [second.id, 'commented'],
      ]);
      expect(verifyAuditChain(trail).ok).toBe(true);
      expect(appended.map((entry) => entry.hash)).toEqual([trail.at(-1)?.hash]);
      expect(await store.getAuditHead()).toEqual({ count: 4, lastHash: trail.at(-1)?.hash });
    });
  });
}
