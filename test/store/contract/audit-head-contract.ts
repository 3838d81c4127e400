import { describe, expect, it } from 'vitest';
import type { Store } from '../../../app/ports/store.js';
import { aDecision, anApiKey, anAuditEvent, aRequestRecord, aReview, at } from '../builders.js';

const lastOf = async (store: Store) => {
  const all = await store.listAudit({ limit: 100_000, offset: 0 });
  return { count: all.length, lastHash: all.at(-1)?.hash ?? null };
};

export function describeAuditHeadContract(current: () => Store): void {
  describe('getAuditHead', () => {
    it('starts at no entries and no hash', async () => {
      expect(await current().getAuditHead()).toEqual({ count: 0, lastHash: null });
    });

    it('follows every append path: the count and the last hash match the trail after each', async () => {
      const s = current();
      const request = aRequestRecord();
      await s.insertRequest(request, [
        anAuditEvent({ requestId: request.id }),
        anAuditEvent({ requestId: request.id, eventType: 'evaluated' }),
      ]);
      expect(await s.getAuditHead()).toEqual(await lastOf(s));
      await s.updateReview(request.id, aReview(), at(10), [anAuditEvent({ eventType: 'vote' })]);
      await s.transition(request.id, aDecision(), [anAuditEvent({ eventType: 'approved' })]);
      await s.appendAudit([anAuditEvent({ eventType: 'reflected' })]);
      const key = anApiKey();
      await s.insertApiKey(key, [anAuditEvent({ eventType: 'key_created' })]);
      await s.revokeApiKey(key.id, at(20), [anAuditEvent({ eventType: 'key_revoked' })]);
      const head = await s.getAuditHead();
      expect(head).toEqual(await lastOf(s));
      expect(head.count).toBe(7);
      expect(head.lastHash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('does not move for an empty append or a change that logs nothing', async () => {
      const s = current();
      await s.appendAudit([anAuditEvent()]);
      const head = await s.getAuditHead();
      await s.appendAudit([]);
      await s.revokeApiKey('key_unknown', at(1), [anAuditEvent({ eventType: 'key_revoked' })]);
      expect(await s.getAuditHead()).toEqual(head);
    });

    it('stays in step with the trail under concurrent appends', async () => {
      const s = current();
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          s.appendAudit(Array.from({ length: 1 + (i % 3) }, () => anAuditEvent({ details: { i } }))),
        ),
      );
      expect(await s.getAuditHead()).toEqual({ ...(await lastOf(s)), count: 60 });
    });
  });
}
