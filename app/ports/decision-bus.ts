/**
 * Tells every instance of a cluster that a request was decided, so long-poll waiters connected to any
 * of them wake (docs/operations.md, "Many instances"). Only the request id travels; the instance
 * that has waiters for it reads the request from the shared store.
 */
export interface DecisionBusListener {
  /** `requestId` was decided on some instance (this one included). */
  decided(requestId: string): void;
  /**
   * Announcements may have been missed (the connection was lost and is back): re-read every request
   * with a waiter.
   */
  resync(): void;
}

export interface DecisionBus {
  /** Announces a decision to every instance listening. */
  announce(requestId: string): Promise<void>;
  /** Starts delivering announcements to `listener` (resolves once listening). */
  start(listener: DecisionBusListener): Promise<void>;
  close(): Promise<void>;
}
