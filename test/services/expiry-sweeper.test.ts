import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../app/logger.js';
import type { ClusterLock } from '../../app/ports/cluster-lock.js';
import { ExpirySweeper } from '../../app/services/expiry-sweeper.js';
import type { RequestService } from '../../app/services/request-service.js';

const log = createLogger('silent');

/** Counts sweeps; the sweeper needs nothing else of the request service. */
function requests() {
  const calls = { sweeps: 0 };
  const service = {
    expireDue: async () => {
      calls.sweeps += 1;
      return 0;
    },
  } as unknown as RequestService;
  return { service, calls };
}

/** A lock that records what it was asked and lets the work run only when `held` is false. */
function recordingLock(held: { value: boolean }) {
  const asked: { name: string; minIntervalMs: number | undefined }[] = [];
  const lock: ClusterLock = {
    async tryRun(name, fn, options) {
      asked.push({ name, minIntervalMs: options?.minIntervalMs });
      if (held.value) return false;
      await fn();
      return true;
    },
  };
  return { lock, asked };
}

describe('ExpirySweeper across instances', () => {
  it('sweeps under the cluster lock, and skips its turn when another instance holds it', async () => {
    const { service, calls } = requests();
    const held = { value: true };
    const { lock, asked } = recordingLock(held);
    const sweeper = new ExpirySweeper(service, log, 1000, lock);
    await sweeper.runOnce();
    expect(calls.sweeps).toBe(0);
    held.value = false;
    await sweeper.runOnce();
    expect(calls.sweeps).toBe(1);
    expect(asked.map((a) => a.name)).toEqual(['expiry-sweep', 'expiry-sweep']);
  });

  it('its timer asks to be skipped when any instance swept less than 90% of an interval ago', async () => {
    vi.useFakeTimers();
    try {
      const { service, calls } = requests();
      const { lock, asked } = recordingLock({ value: false });
      const sweeper = new ExpirySweeper(service, log, 5000, lock);
      sweeper.start();
      await vi.advanceTimersByTimeAsync(5000);
      sweeper.stop();
      await sweeper.idle();
      expect(asked).toEqual([{ name: 'expiry-sweep', minIntervalMs: 4500 }]);
      expect(calls.sweeps).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('without a cluster lock (one instance) every call sweeps', async () => {
    const { service, calls } = requests();
    const sweeper = new ExpirySweeper(service, log, 1000);
    await sweeper.runOnce();
    await sweeper.runOnce({ minIntervalMs: 900 });
    expect(calls.sweeps).toBe(2);
  });
});
