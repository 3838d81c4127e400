/**
 * The Store contract for several instances on one database (PostgreSQL for a cluster; SQLite for the
 * server plus the CLI on one file): each `Store` here is its own connection pool, as separate processes
 * would have. Concurrency is real: the calls run at the same time against the database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../app/approvals/audit-chain.js';
import type { Store } from '../../app/ports/store.js';
import type { Vote } from '../../sdk/schemas.js';
import { aDecision, anAuditEvent, aRequestRecord, aReview, at } from './builders.js';

export function describeInstancesContract(name: string, openInstances: () => Promise<Store[]>): void {
  describe(`Store contract, several instances on one database: ${name}`, () => {
    let stores: Store[] = [];
    const on = (i: number): Store => stores[i % stores.length]!;

    beforeEach(async () => {
      stores = await openInstances();
      expect(stores.length).toBeGreaterThanOrEqual(2);
    });
    afterEach(async () => {
      await Promise.all(stores.map((s) => s.close()));
      stores = [];
    });

    it('lets exactly one of 50 concurrent decisions spread over the instances win', async () => {
      const request = aRequestRecord();
      await on(0).insertRequest(request, []);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          on(i).transition(
            request.id,
            aDecision({ status: i % 2 === 0 ? 'approved' : 'denied', decidedBy: `github:u${i}` }),
            [anAuditEvent({ requestId: request.id, eventType: 'decided', details: { i } })],
            [{ kind: 'decided', payload: { i } }],
          ),
        ),
      );
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const stored = await on(1).getRequest(request.id);
      expect(stored).toEqual(winners[0]!.request);
      // Only the winner's event and job exist.
      expect(await on(0).listAudit({ requestId: request.id, limit: 100, offset: 0 })).toHaveLength(1);
      expect(await on(1).listJobs({ kind: 'decided', limit: 100 })).toHaveLength(1);
    });

    it('counts two votes racing on two instances: the stale one is refused, recounted, and lands', async () => {
      const vote = (voter: string): Vote => ({
        voter,
        decision: 'approve',
        reason: null,
        source: 'issue',
        qualifiesFor: ['emails-need-review'],
        url: null,
        createdAt: at(5),
      });
      const request = aRequestRecord({ review: aReview() });
      await on(0).insertRequest(request, []);
      // Both instances read the same review and each adds its voter.
      const [a, b] = await Promise.all([on(0).getRequest(request.id), on(1).getRequest(request.id)]);
      const results = await Promise.all([
        on(0).updateReview(request.id, { ...a!.review!, votes: [vote('alice')] }, at(5), [], [], a!.review),
        on(1).updateReview(request.id, { ...b!.review!, votes: [vote('bob')] }, at(5), [], [], b!.review),
      ]);
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      const loser = results[0] === null ? 'alice' : 'bob';
      const now = await on(0).getRequest(request.id);
      const again = await on(1).updateReview(
        request.id,
        { ...now!.review!, votes: [...now!.review!.votes, vote(loser)] },
        at(6),
        [],
        [],
        now!.review,
      );
      expect(again?.review?.votes.map((v) => v.voter).sort()).toEqual(['alice', 'bob']);
    });

    it('answers a race of inserts with one idempotency key on every instance with one request', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          on(i).insertRequest(aRequestRecord({ ownerId: 'key:k1' }), [anAuditEvent({ details: { i } })], {
            ownerId: 'key:k1',
            key: 'same-key',
            fingerprint: 'f',
          }),
        ),
      );
      expect(results.filter((r) => r.kind === 'created')).toHaveLength(1);
      expect(results.filter((r) => r.kind === 'existing')).toHaveLength(9);
      expect(new Set(results.map((r) => r.request.id)).size).toBe(1);
      expect((await on(0).listRequests({ limit: 100, offset: 0 })).total).toBe(1);
      expect(await on(1).listAudit({ limit: 100, offset: 0 })).toHaveLength(1);
    });

    it('records a GitHub delivery as processed on exactly one instance', async () => {
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, i) => on(i).claimGitHubKey('delivery:abc', at(i))),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
    });

    it('never hands one job to two instances, and gives a dead claimer’s jobs to another after the lease', async () => {
      await on(0).enqueueJobs(
        Array.from({ length: 30 }, (_, i) => ({ kind: 'k', payload: { i } })),
        at(0),
      );
      const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => on(i).claimJobs(at(1), 7, 30)));
      const ids = claims.flat().map((j) => j.id);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
      // Instance 0 "dies" with its jobs claimed; the others finish theirs.
      const dead = claims[0]!;
      for (const [i, claimed] of claims.entries()) {
        if (i === 0) continue;
        for (const job of claimed) await on(i).completeJob(job.id, at(2));
      }
      expect(await on(1).claimJobs(at(20), 100, 30)).toEqual([]);
      // After the lease (1 s + 30 s) another instance takes them over, exactly once.
      const takeover = await Promise.all([
        on(1).claimJobs(at(32), 100, 30),
        on(2).claimJobs(at(32), 100, 30),
      ]);
      expect(
        takeover
          .flat()
          .map((j) => j.id)
          .sort(),
      ).toEqual(dead.map((j) => j.id).sort());
      expect(takeover.flat().every((j) => j.attempts === 2)).toBe(true);
    });

    it('keeps one valid audit chain when every instance appends at once', async () => {
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          on(i).appendAudit([anAuditEvent({ details: { i } }), anAuditEvent({ details: { i, n: 2 } })]),
        ),
      );
      const trail = await on(1).listAudit({ limit: 1000, offset: 0 });
      expect(trail).toHaveLength(120);
      expect(verifyAuditChain(trail)).toMatchObject({ ok: true, checked: 120 });
      expect(await on(0).getAuditHead()).toEqual({ count: 120, lastHash: trail.at(-1)!.hash });
    });
  });
}
