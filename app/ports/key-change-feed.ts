/**
 * Tells an instance that API keys changed elsewhere — revoked or changed on another instance, by the
 * CLI, by hand in the database — so what it caches of them never outlives the change
 * (api-key-service.ts; on PostgreSQL, a trigger announces every change: pg-notify-bus.ts).
 */
export interface KeyChangeFeed {
  /**
   * Calls `changed(keyId)` once a change of that key has committed, and `changed(null)` when changes
   * may have gone unheard (the connection carrying them was lost): then nothing cached is trusted.
   */
  watch(changed: (keyId: string | null) => void): void;
  /** True while changes are heard: only then may keys be cached. */
  readonly live: boolean;
}
