import type { RequestRecord } from '../ports/store.js';

type Waiter = (request: RequestRecord) => void;

/**
 * Wakes long-poll waiters the moment their request is decided: no polling, one map lookup per
 * decision. In-process; a multi-instance store publishes into it from its own notifications.
 */
export class DecisionHub {
  readonly #waiters = new Map<string, Set<Waiter>>();
  #count = 0;

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

  publish(request: RequestRecord): void {
    const set = this.#waiters.get(request.id);
    if (!set) return;
    this.#waiters.delete(request.id);
    this.#count -= set.size;
    for (const waiter of set) waiter(request);
  }

  /** Ids with at least one waiter (used at shutdown to answer everyone). */
  waitingIds(): string[] {
    return [...this.#waiters.keys()];
  }

  get size(): number {
    return this.#count;
  }
}
