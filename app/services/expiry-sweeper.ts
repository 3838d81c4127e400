import type { Logger } from '../logger.js';
import type { RequestService } from './request-service.js';

/** Expires overdue requests every `intervalMs` (so a request expires within 5 s of `expiresAt`). */
export class ExpirySweeper {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #busy = false;

  constructor(
    private readonly requests: RequestService,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.#timer ??= setInterval(() => void this.runOnce(), this.intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One sweep; overlapping calls share the one in progress. */
  runOnce(): Promise<void> {
    if (this.#busy) return this.#running;
    this.#busy = true;
    this.#running = this.requests
      .expireDue()
      .then(
        (count) => {
          if (count > 0) this.log.debug({ count }, 'expired overdue requests');
        },
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
