import type { Logger } from '../logger.js';
import type { DecisionBus } from '../ports/decision-bus.js';
import type { RequestRecord } from '../ports/store.js';

type Waiter = (request: RequestRecord) => void;

/** Requests read at once when announcements from other instances are checked. */
const REFRESH_BATCH = 16;

/** What wakes waiters on other instances: the bus, and how to read a request announced on it. */
export interface DecisionHubCluster {
  bus: DecisionBus;
  read(requestId: string): Promise<RequestRecord | null>;
  log: Logger;
}

/**
 * Wakes long-poll waiters the moment their request is decided: no polling, one map lookup per
 * decision. With a `cluster` bus (many instances on PostgreSQL) each decision is also announced to
 * the other instances, and an announcement from another instance wakes the waiters here once the
 * request, read back from the store, is decided; after a lost connection every request with a
 * waiter is read again, so a decision announced in the gap is not missed.
 */
export class DecisionHub {
  readonly #waiters = new Map<string, Set<Waiter>>();
  #count = 0;

  constructor(private readonly cluster?: DecisionHubCluster) {}

  /** Calls `waiter` once when `requestId` is decided. Returns the unsubscribe function. */
  subscribe(requestId: string, waiter: Waiter): () => void {
    let set = this.#waiters.get(requestId);
    if (!set) {
      set = new Set();
      this.#waiters.set(requestId, set);
    }
    set.add(waiter);
    this.#count += 1;
    return () => {
      const current = this.#waiters.get(requestId);
      if (current?.delete(waiter)) {
        this.#count -= 1;
        if (current.size === 0) this.#waiters.delete(requestId);
      }
    };
  }

  /** Wakes this instance's waiters of `request`, and announces a decision to the other instances. */
  publish(request: RequestRecord): void {
    this.#wake(request);
    if (this.cluster && request.status !== 'pending') {
      const { bus, log } = this.cluster;
      bus.announce(request.id).catch((error: unknown) => {
        // Waiters elsewhere still answer at their timeout, with the decided state.
        log.warn(
          { err: error, requestId: request.id },
          'could not announce a decision to the other instances',
        );
      });
    }
  }

  /** Starts hearing the other instances' decisions (nothing to do on one instance). */
  async start(): Promise<void> {
    await this.cluster?.bus.start({
      decided: (id) => void this.#refresh([id]),
      resync: () => void this.#refresh(this.waitingIds()),
    });
  }

  async close(): Promise<void> {
    await this.cluster?.bus.close();
  }

  /** Ids with at least one waiter (used at shutdown to answer everyone). */
  waitingIds(): string[] {
    return [...this.#waiters.keys()];
  }

  get size(): number {
    return this.#count;
  }

  #wake(request: RequestRecord): void {
    const set = this.#waiters.get(request.id);
    if (!set) return;
    this.#waiters.delete(request.id);
    this.#count -= set.size;
    for (const waiter of set) waiter(request);
  }

  /**
   * Reads the requests among `ids` that have waiters here, and wakes those decided: a few reads at
   * a time, so a resync with thousands of waiters neither crawls nor floods the store.
   */
  async #refresh(ids: readonly string[]): Promise<void> {
    const cluster = this.cluster;
    if (!cluster) return;
    const waited = ids.filter((id) => this.#waiters.has(id));
    for (let i = 0; i < waited.length; i += REFRESH_BATCH) {
      await Promise.all(
        waited.slice(i, i + REFRESH_BATCH).map(async (id) => {
          try {
            const request = await cluster.read(id);
            if (request && request.status !== 'pending') this.#wake(request);
          } catch (error) {
            // The waiter still answers at its timeout, reading the request itself.
            cluster.log.warn({ err: error, requestId: id }, 'could not read a request decided elsewhere');
          }
        }),
      );
    }
  }
}
