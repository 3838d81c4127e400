/**
 * Runs periodic work (expiry sweeps, GitHub reconciliation) on one instance at a time across a
 * cluster, and at most about once per interval (docs/operations.md, "Many instances").
 */
export interface ClusterLock {
  /**
   * Runs `fn` unless another instance is running work of the same `name`, or (with
   * `minIntervalMs`) some instance started it less than `minIntervalMs` ago. Resolves with whether
   * it ran.
   */
  tryRun(name: string, fn: () => Promise<unknown>, options?: { minIntervalMs?: number }): Promise<boolean>;
}

/** One process: nothing to coordinate with, so the work always runs. */
export const localClusterLock: ClusterLock = {
  async tryRun(_name, fn) {
    await fn();
    return true;
  },
};
