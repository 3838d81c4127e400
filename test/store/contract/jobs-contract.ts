import { describe, expect, it } from 'vitest';
import { type Store, StoreError } from '../../../app/ports/store.js';
import { aDecision, aRequestRecord, aReview, at } from '../builders.js';

const job = (kind = 'github.create_issue', payload: Record<string, unknown> = { requestId: 'req_1' }) => ({
  kind,
  payload,
});

export function describeJobsContract(current: () => Store): void {
  describe('jobs (outbox)', () => {
    it('queues jobs with a new request, in the same transaction', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, [], undefined, [job('a', { requestId: request.id }), job('b')]);
      const jobs = await current().listJobs({ limit: 10 });
      expect(jobs.map((j) => j.kind).sort()).toEqual(['a', 'b']);
      expect(jobs[0]).toMatchObject({
        status: 'queued',
        attempts: 0,
        lastError: null,
        runAt: request.createdAt,
      });
    });

    it('queues nothing for an idempotent replay or conflict', async () => {
      const request = aRequestRecord();
      const idem = { ownerId: request.ownerId, key: 'k', fingerprint: 'f' };
      await current().insertRequest(request, [], idem, [job()]);
      await current().insertRequest(aRequestRecord(), [], idem, [job()]);
      await current().insertRequest(aRequestRecord(), [], { ...idem, fingerprint: 'other' }, [job()]);
      expect(await current().listJobs({ limit: 10 })).toHaveLength(1);
    });

    it('queues jobs with a transition only when it succeeds', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, []);
      await current().transition(request.id, aDecision({ at: at(10) }), [], [job('decided')]);
      await current().transition(request.id, aDecision({ at: at(11) }), [], [job('decided-again')]);
      await current().updateReview(request.id, aReview(), at(12), [], [job('late-review')]);
      expect((await current().listJobs({ limit: 10 })).map((j) => j.kind)).toEqual(['decided']);
    });

    it('claims due jobs oldest first, leases them and counts the attempt', async () => {
      await current().enqueueJobs([{ ...job('later'), runAt: at(100) }], at(0));
      await current().enqueueJobs([{ ...job('second'), runAt: at(5) }], at(0));
      await current().enqueueJobs([{ ...job('first'), runAt: at(1) }], at(0));
      const claimed = await current().claimJobs(at(10), 10, 30);
      expect(claimed.map((j) => j.kind)).toEqual(['first', 'second']);
      expect(claimed[0]).toMatchObject({ attempts: 1, runAt: at(40), status: 'queued' });
      // Leased: not claimable again until the lease ends; then back (the worker died).
      expect(await current().claimJobs(at(20), 10, 30)).toEqual([]);
      const again = await current().claimJobs(at(41), 10, 30);
      expect(again.map((j) => j.kind).sort()).toEqual(['first', 'second']);
      expect(again.map((j) => j.attempts)).toEqual([2, 2]);
    });

    it('never hands the same job to two concurrent claims', async () => {
      await current().enqueueJobs(
        Array.from({ length: 20 }, (_, i) => job('k', { i })),
        at(0),
      );
      const claims = await Promise.all(Array.from({ length: 10 }, () => current().claimJobs(at(1), 5, 60)));
      const ids = claims.flat().map((j) => j.id);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    });

    it('completes, retries and fails claimed jobs', async () => {
      await current().enqueueJobs([job('ok'), job('flaky'), job('doomed')], at(0));
      const claimed = await current().claimJobs(at(1), 10, 60);
      const byKind = Object.fromEntries(claimed.map((j) => [j.kind, j.id]));
      await current().completeJob(byKind.ok!, at(2));
      await current().retryJob(byKind.flaky!, at(30), 'HTTP 502 from GitHub', at(2));
      await current().failJob(byKind.doomed!, 'repository not found', at(2));

      expect(await current().getJob(byKind.ok!)).toMatchObject({ status: 'done', updatedAt: at(2) });
      expect(await current().getJob(byKind.flaky!)).toMatchObject({
        status: 'queued',
        runAt: at(30),
        lastError: 'HTTP 502 from GitHub',
        attempts: 1,
      });
      expect(await current().getJob(byKind.doomed!)).toMatchObject({
        status: 'failed',
        lastError: 'repository not found',
      });
      expect((await current().claimJobs(at(29), 10, 60)).map((j) => j.kind)).toEqual([]);
      expect((await current().claimJobs(at(30), 10, 60)).map((j) => j.kind)).toEqual(['flaky']);
      expect((await current().listJobs({ status: 'failed', limit: 10 })).map((j) => j.kind)).toEqual([
        'doomed',
      ]);
    });

    it('refuses to finish a job that is not queued', async () => {
      await current().enqueueJobs([job()], at(0));
      const [claimed] = await current().claimJobs(at(1), 1, 60);
      await current().completeJob(claimed!.id, at(2));
      await expect(current().completeJob(claimed!.id, at(3))).rejects.toBeInstanceOf(StoreError);
      await expect(current().failJob('job_unknown', 'x', at(3))).rejects.toMatchObject({ code: 'conflict' });
      expect(await current().getJob('job_unknown')).toBeNull();
    });
  });
}
