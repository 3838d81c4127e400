import { describe, expect, it } from 'vitest';
import type { Store } from '../../../app/ports/store.js';
import { at } from '../builders.js';

/** A worker whose lease ran out finishes nothing: the job belongs to whoever claimed it last. */
export function describeJobFencingContract(current: () => Store): void {
  describe('job claims are fenced by their attempt', () => {
    it('refuses to finish a job for a claim that is over, and lets the current claim finish it', async () => {
      await current().enqueueJobs([{ kind: 'slow', payload: {} }], at(0));
      const [first] = await current().claimJobs(at(1), 1, 30);
      // The first worker is slow: its lease ends, another takes the job.
      const [second] = await current().claimJobs(at(40), 1, 30);
      expect([first?.attempts, second?.attempts]).toEqual([1, 2]);
      for (const late of [
        () => current().completeJob(first!.id, at(41), first!.attempts),
        () => current().retryJob(first!.id, at(100), 'late', at(41), first!.attempts),
        () => current().failJob(first!.id, 'late', at(41), first!.attempts),
      ]) {
        await expect(late()).rejects.toMatchObject({ code: 'conflict' });
      }
      // The late worker changed nothing: still leased to the second claim.
      expect(await current().getJob(first!.id)).toMatchObject({
        status: 'queued',
        attempts: 2,
        runAt: at(70),
        lastError: null,
      });
      await current().completeJob(second!.id, at(42), second!.attempts);
      expect(await current().getJob(first!.id)).toMatchObject({ status: 'done' });
    });

    it('renews the lease of the current claim only, keeping the last error', async () => {
      await current().enqueueJobs([{ kind: 'long', payload: {} }], at(0));
      const [job] = await current().claimJobs(at(1), 1, 30);
      await current().renewJobLease(job!.id, at(50), at(20), job!.attempts);
      expect(await current().getJob(job!.id)).toMatchObject({ status: 'queued', attempts: 1, runAt: at(50) });
      // Not due at the old lease's end: nobody else takes it while it runs.
      expect(await current().claimJobs(at(40), 1, 30)).toEqual([]);
      await expect(current().renewJobLease(job!.id, at(90), at(21), job!.attempts + 1)).rejects.toMatchObject(
        {
          code: 'conflict',
        },
      );
      await current().completeJob(job!.id, at(22), job!.attempts);
      await expect(current().renewJobLease(job!.id, at(90), at(23), job!.attempts)).rejects.toMatchObject({
        code: 'conflict',
      });
    });

    it('finishes unfenced as before when no attempt is given', async () => {
      await current().enqueueJobs([{ kind: 'k', payload: {} }], at(0));
      const [job] = await current().claimJobs(at(1), 1, 30);
      await current().claimJobs(at(40), 1, 30);
      await current().retryJob(job!.id, at(50), 'again', at(41));
      expect(await current().getJob(job!.id)).toMatchObject({
        status: 'queued',
        runAt: at(50),
        lastError: 'again',
      });
    });
  });
}
