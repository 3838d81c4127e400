import { describe, expect, it } from 'vitest';
import type { Store } from '../../../app/ports/store.js';
import { aDecision, anAuditEvent, aRequestRecord, aReview, at } from '../builders.js';

const auditOf = (store: Store, requestId: string) => store.listAudit({ requestId, limit: 1000, offset: 0 });

export function describeTransitionContract(current: () => Store): void {
  describe('transition', () => {
    it('moves a pending request to its final status and appends the events', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, []);
      const change = aDecision({
        status: 'denied',
        decidedBy: 'github:bob',
        decisionReason: 'not now',
        at: at(90),
      });
      const result = await current().transition(request.id, change, [
        anAuditEvent({ requestId: request.id, eventType: 'denied', actor: 'github:bob', createdAt: at(90) }),
      ]);
      const expected = {
        ...request,
        status: 'denied',
        decidedBy: 'github:bob',
        decisionReason: 'not now',
        decidedAt: at(90),
        updatedAt: at(90),
      };
      expect(result).toEqual({ ok: true, request: expected });
      expect(await current().getRequest(request.id)).toEqual(expected);
      expect((await auditOf(current(), request.id)).map((e) => e.eventType)).toEqual(['denied']);
    });

    it('accepts a decision without a reason', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, []);
      const result = await current().transition(request.id, aDecision({ decisionReason: null }), []);
      expect(result.ok && result.request.decisionReason).toBeNull();
    });

    it('lets exactly one of 100 concurrent transitions win, and logs only the winner', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, []);
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          current().transition(
            request.id,
            aDecision({ status: i % 2 === 0 ? 'approved' : 'denied', decidedBy: `github:user${i}` }),
            [anAuditEvent({ requestId: request.id, eventType: 'decided', actor: `github:user${i}` })],
          ),
        ),
      );
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.request!;
      for (const loser of results.filter((r) => !r.ok)) {
        expect(loser.request?.decidedBy).toBe(winner.decidedBy);
        expect(loser.request?.status).toBe(winner.status);
      }
      expect(await current().getRequest(request.id)).toEqual(winner);
      const trail = await auditOf(current(), request.id);
      expect(trail.map((e) => e.actor)).toEqual([winner.decidedBy]);
    });

    it('answers {ok: false, request: null} for an unknown id and logs nothing', async () => {
      const result = await current().transition('req_unknown', aDecision(), [
        anAuditEvent({ requestId: 'req_unknown' }),
      ]);
      expect(result).toEqual({ ok: false, request: null });
      expect(await current().listAudit({ limit: 10, offset: 0 })).toEqual([]);
    });

    it('refuses a second decision and keeps the first', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, []);
      await current().transition(
        request.id,
        aDecision({ status: 'approved', decidedBy: 'github:alice' }),
        [],
      );
      const late = await current().transition(
        request.id,
        aDecision({ status: 'cancelled', decidedBy: 'api:mailer', at: at(120) }),
        [anAuditEvent({ requestId: request.id, eventType: 'cancelled' })],
      );
      expect(late.ok).toBe(false);
      expect(late.request).toMatchObject({
        status: 'approved',
        decidedBy: 'github:alice',
        updatedAt: at(60),
      });
      expect(await auditOf(current(), request.id)).toEqual([]);
    });

    it('refuses a late approval once the sweeper has expired the request', async () => {
      const request = aRequestRecord({ expiresAt: at(100) });
      await current().insertRequest(request, []);
      expect(await current().findExpired(at(100), 10)).toEqual([request.id]);
      const expired = await current().transition(
        request.id,
        { status: 'expired', decidedBy: 'system:expiry', decisionReason: 'timed out', at: at(101) },
        [anAuditEvent({ requestId: request.id, eventType: 'expired', actor: 'system:expiry' })],
      );
      expect(expired.ok).toBe(true);
      const late = await current().transition(request.id, aDecision({ at: at(102) }), []);
      expect(late).toMatchObject({ ok: false, request: { status: 'expired', decidedBy: 'system:expiry' } });
      expect(await current().findExpired(at(1000), 10)).toEqual([]);
    });
  });

  describe('transition with a review', () => {
    it('stores the review given with the decision, and keeps it when none is given', async () => {
      const request = aRequestRecord({ review: aReview() });
      await current().insertRequest(request, []);
      const review = aReview({ url: 'https://github.com/acme/payments/issues/7' });
      const result = await current().transition(request.id, aDecision({ review }), []);
      expect(result).toMatchObject({ ok: true, request: { review } });
      const other = aRequestRecord({ review: aReview() });
      await current().insertRequest(other, []);
      const kept = await current().transition(other.id, aDecision(), []);
      expect(kept).toMatchObject({ ok: true, request: { review: other.review } });
    });
  });

  describe('updateReview', () => {
    it('replaces the review of a pending request, bumps updatedAt and appends the events', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, []);
      const review = aReview({
        url: 'https://github.com/acme/payments/issues/12',
        votes: [
          {
            voter: 'github:alice',
            decision: 'approve',
            reason: null,
            createdAt: at(30),
            source: 'github:comment',
            qualifiesFor: ['big-payments'],
            url: 'https://github.com/acme/payments/issues/12#issuecomment-1',
          },
        ],
      });
      const updated = await current().updateReview(request.id, review, at(30), [
        anAuditEvent({ requestId: request.id, eventType: 'vote', actor: 'github:alice' }),
      ]);
      expect(updated).toEqual({ ...request, review, updatedAt: at(30) });
      expect(await current().getRequest(request.id)).toEqual(updated);
      expect((await auditOf(current(), request.id)).map((e) => e.eventType)).toEqual(['vote']);
    });

    it('answers null and changes nothing once the request is decided', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, []);
      const decided = await current().transition(request.id, aDecision(), []);
      const result = await current().updateReview(
        request.id,
        aReview({ url: 'https://example.com/x' }),
        at(99),
        [anAuditEvent({ requestId: request.id, eventType: 'vote' })],
      );
      expect(result).toBeNull();
      expect(await current().getRequest(request.id)).toEqual(decided.request);
      expect(await auditOf(current(), request.id)).toEqual([]);
    });

    it('answers null for an unknown id', async () => {
      expect(await current().updateReview('req_unknown', aReview(), at(1), [])).toBeNull();
    });
  });

  describe('findExpired', () => {
    it('lists pending requests due at or before now, oldest expiry first, up to the limit', async () => {
      const due1 = aRequestRecord({ expiresAt: at(50) });
      const due2 = aRequestRecord({ expiresAt: at(10) });
      const dueExactly = aRequestRecord({ expiresAt: at(100) });
      const notYet = aRequestRecord({ expiresAt: at(101) });
      const decided = aRequestRecord({ expiresAt: at(5) });
      for (const r of [due1, due2, dueExactly, notYet, decided]) await current().insertRequest(r, []);
      await current().transition(decided.id, aDecision(), []);

      expect(await current().findExpired(at(100), 10)).toEqual([due2.id, due1.id, dueExactly.id]);
      expect(await current().findExpired(at(100), 2)).toEqual([due2.id, due1.id]);
      expect(await current().findExpired(at(9), 10)).toEqual([]);
    });
  });
}
