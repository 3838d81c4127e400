/**
 * The principals of API keys recently used, by the hash of their secret, so an instance on a shared
 * database does not read its key table on every request (on PostgreSQL that read was a round trip
 * and about half of the database's work per create). Trusted only while a `KeyChangeFeed` is live:
 *
 * - a change heard drops that key, and the instance that made it drops it at once (`forget`);
 * - a feed that goes quiet (its connection lost) drops everything, and nothing is cached until it
 *   hears again;
 * - a lookup that was under way when any change was heard is not cached (it may have read the key
 *   before the change committed);
 * - no entry is used after `maxAgeMs`: the bound for a feed that died without a word.
 *
 * Only keys that authenticate are cached; an unknown or revoked key is looked up every time.
 */
import { BoundedCache } from '../bounded-cache.js';
import type { KeyChangeFeed } from '../ports/key-change-feed.js';
import type { Principal } from '../ports/store.js';

export interface KeyCacheOptions {
  /** Entries kept at most (least recently used go first). */
  max?: number;
  maxAgeMs?: number;
  now?: () => number;
}

export const KEY_CACHE_MAX_AGE_MS = 10_000;

export class KeyCache {
  readonly #feed: KeyChangeFeed;
  readonly #entries: BoundedCache<string, Principal>;
  /** Moves at every change heard, so a lookup can tell whether one came while it ran. */
  #generation = 0;

  constructor(
    feed: KeyChangeFeed,
    { max = 10_000, maxAgeMs = KEY_CACHE_MAX_AGE_MS, now }: KeyCacheOptions = {},
  ) {
    this.#feed = feed;
    this.#entries = new BoundedCache({ max, ttlMs: maxAgeMs, ...(now && { now }) });
    feed.watch((keyId) => this.forget(keyId));
  }

  /** The principal of `keyHash`: cached, or `load`ed (null: unknown or revoked, never cached). */
  async resolve(keyHash: string, load: () => Promise<Principal | null>): Promise<Principal | null> {
    if (this.#feed.live) {
      const cached = this.#entries.get(keyHash);
      if (cached) return cached;
    }
    const generation = this.#generation;
    const principal = await load();
    if (principal && this.#feed.live && generation === this.#generation)
      this.#entries.set(keyHash, principal);
    return principal;
  }

  /** Drops what is cached of `keyId` (null: of every key). */
  forget(keyId: string | null): void {
    this.#generation += 1;
    if (keyId === null) {
      this.#entries.clear();
      return;
    }
    const stale = [...this.#entries.entries()].filter(([, principal]) => principal.keyId === keyId);
    for (const [keyHash] of stale) this.#entries.delete(keyHash);
  }
}
