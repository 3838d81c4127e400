import { describe, expect, it } from 'vitest';
import type { Store } from '../../../app/ports/store.js';
import type { Vote } from '../../../sdk/schemas.js';
import { aDecision, anAuditEvent, aRequestRecord, aReview, at } from '../builders.js';

/** Review compare-and-set: an update or decision computed from a stale review never lands. */
export function describeReviewVersionContract(current: () => Store): void {
  describe('review compare-and-set', () => {
    const vote = (voter: string): Vote => ({
      voter,
      decision: 'approve',
      reason: null,
      source: 'issue',
      qualifiesFor: ['emails-need-review'],
      url: null,
      createdAt: at(5),
    });

    it('updates a review only when the stored review is still the expected one', async () => {
      const request = aRequestRecord({ review: aReview() });
      await current().insertRequest(request, []);
      const alice = aReview({ votes: [vote('alice')] });
      const bob = aReview({ votes: [vote('bob')] });
      // Both read the same review; alice's update lands first, bob's was computed from the old one.
      const first = await current().updateReview(
        request.id,
        alice,
        at(5),
        [anAuditEvent()],
        [],
        request.review,
      );
      expect(first?.review).toEqual(alice);
      const stale = await current().updateReview(
        request.id,
        bob,
        at(6),
        [anAuditEvent({ eventType: 'stale' })],
        [{ kind: 'stale', payload: {} }],
        request.review,
      );
      expect(stale).toBeNull();
      expect((await current().getRequest(request.id))?.review).toEqual(alice);
      // Nothing of the refused update was kept: no event, no job.
      expect((await current().listAudit({ limit: 10, offset: 0 })).map((e) => e.eventType)).not.toContain(
        'stale',
      );
      expect(await current().listJobs({ kind: 'stale', limit: 10 })).toEqual([]);
      // Recomputed from the current review, it lands.
      const both = aReview({ votes: [vote('alice'), vote('bob')] });
      expect((await current().updateReview(request.id, both, at(7), [], [], alice))?.review).toEqual(both);
    });

    it('compares against a request without a review (null) too, and skips the check when not asked', async () => {
      const request = aRequestRecord({ review: null });
      await current().insertRequest(request, []);
      expect(await current().updateReview(request.id, aReview(), at(5), [], [], aReview())).toBeNull();
      expect((await current().updateReview(request.id, aReview(), at(5), [], [], null))?.review).toEqual(
        aReview(),
      );
      const unchecked = aReview({ url: 'https://example.test/x' });
      expect((await current().updateReview(request.id, unchecked, at(6), []))?.review).toEqual(unchecked);
    });

    it('decides only when the stored review is still the one the decision was tallied from', async () => {
      const request = aRequestRecord({ review: aReview() });
      await current().insertRequest(request, []);
      const alice = aReview({ votes: [vote('alice')] });
      await current().updateReview(request.id, alice, at(5), []);
      const stale = await current().transition(
        request.id,
        aDecision({ review: aReview({ votes: [vote('bob')] }), reviewBefore: request.review }),
        [anAuditEvent({ eventType: 'approved' })],
        [{ kind: 'decided', payload: {} }],
      );
      expect(stale).toEqual({
        ok: false,
        request: expect.objectContaining({ status: 'pending', review: alice }),
      });
      expect(await current().listJobs({ limit: 10 })).toEqual([]);
      const decided = await current().transition(
        request.id,
        aDecision({ review: aReview({ votes: [vote('alice'), vote('bob')] }), reviewBefore: alice }),
        [],
      );
      expect(decided.ok).toBe(true);
    });
  });
}
