/**
 * A map with a size cap (least recently used entries go first) and an optional time to live per
 * entry: for anything keyed by what callers send (repository names, key ids), which must not grow
 * without bound. `now` is injectable so tests move time by hand.
 */
export interface BoundedCacheOptions {
  max: number;
  /** Default time to live of an entry in ms; absent, entries live until evicted. */
  ttlMs?: number;
  now?: () => number;
}

export class BoundedCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor({ max, ttlMs = Number.POSITIVE_INFINITY, now = Date.now }: BoundedCacheOptions) {
    this.#max = max;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The live value of `key` (and marks it recently used), or undefined. */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  set(key: K, value: V, ttlMs = this.#ttlMs): this {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value as K);
    return this;
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Live entries, least recently used first (without marking them used). */
  *entries(): IterableIterator<[K, V]> {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt > now) yield [key, entry.value];
  }

  values(): IterableIterator<V> {
    return (function* (entries) {
      for (const [, value] of entries) yield value;
    })(this.entries());
  }
}
