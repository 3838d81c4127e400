import type { Logger } from '../logger.js';
import { type ClusterLock, localClusterLock } from '../ports/cluster-lock.js';
import type { RequestService } from './request-service.js';

/** The name periodic sweeps share across instances (`ClusterLock`). */
const LOCK_NAME = 'expiry-sweep';

/**
 * Expires overdue requests every `intervalMs` (so a request expires within 5 s of `expiresAt`).
 * With many instances the `lock` lets one sweep at a time, about once per interval between them.
 */
export class ExpirySweeper {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #busy = false;

  constructor(
    private readonly requests: RequestService,
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly lock: ClusterLock = localClusterLock,
  ) {}

  start(): void {
    // Skipped when another instance swept within most of an interval (timers drift a little).
    this.#timer ??= setInterval(
      () => void this.runOnce({ minIntervalMs: Math.floor(this.intervalMs * 0.9) }),
      this.intervalMs,
    ).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One sweep (unless another instance is sweeping); overlapping calls share the one in progress. */
  runOnce(options: { minIntervalMs?: number } = {}): Promise<void> {
    if (this.#busy) return this.#running;
    this.#busy = true;
    this.#running = this.lock
      .tryRun(
        LOCK_NAME,
        async () => {
          const count = await this.requests.expireDue();
          if (count > 0) this.log.debug({ count }, 'expired overdue requests');
        },
        options,
      )
      .then(
        () => undefined,
        (error: unknown) => this.log.error({ err: error }, 'expiry sweep failed; will retry'),
      )
      .finally(() => {
        this.#busy = false;
      });
    return this.#running;
  }

  /** Resolves when no sweep is running. */
  idle(): Promise<void> {
    return this.#running;
  }
}
