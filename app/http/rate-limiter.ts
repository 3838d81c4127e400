/**
 * A sliding-minute rate limit per key: a request counts for the 60 seconds after the second it
 * arrived in, kept as 60 per-second counts (a few hundred bytes per key, whatever the limit). So a
 * refused caller can be told exactly when enough old requests leave the window.
 */
import type { RateDecision, RateLimiter } from '../ports/rate-limiter.js';

/** Seconds in the window (the PostgreSQL limiter keeps the same 60 per-second counts). */
export const WINDOW_S = 60;
/**
 * Keys tracked at once. A key untouched for a minute counts nothing and is dropped first; only past
 * this many keys used within the last minute would the least recently used one lose its count.
 */
const DEFAULT_MAX_KEYS = 20_000;

/** The slot of second `s` (seconds before 1970 included, for clocks that start at zero). */
const slot = (s: number): number => ((s % WINDOW_S) + WINDOW_S) % WINDOW_S;

interface Window {
  /** Requests per second, indexed by `slot(second)`. */
  counts: Uint32Array;
  /** The last second the counts were brought up to. */
  second: number;
  total: number;
}

export class SlidingWindowRateLimiter implements RateLimiter {
  /** In least-recently-used order: a key moves to the end whenever it is used. */
  readonly #windows = new Map<string, Window>();
  readonly #maxKeys: number;

  constructor({ maxKeys = DEFAULT_MAX_KEYS }: { maxKeys?: number } = {}) {
    this.#maxKeys = maxKeys;
  }

  /** How many keys are tracked. */
  get size(): number {
    return this.#windows.size;
  }

  take(key: string, limit: number, nowMs: number): RateDecision {
    const second = Math.floor(nowMs / 1000);
    const w = this.#window(key, second);
    const allowed = w.total < limit;
    if (allowed) {
      w.counts[slot(second)] = (w.counts[slot(second)] as number) + 1;
      w.total += 1;
    }
    return describeWindow(w, second, limit, nowMs, allowed);
  }

  /** The key's window, brought up to `second` and moved to the most recently used end. */
  #window(key: string, second: number): Window {
    let w = this.#windows.get(key);
    if (w) {
      this.#windows.delete(key);
      advance(w, second);
    } else {
      if (this.#windows.size >= this.#maxKeys) this.#evict(second);
      w = { counts: new Uint32Array(WINDOW_S), second, total: 0 };
    }
    this.#windows.set(key, w);
    return w;
  }

  /** Drops the windows that count nothing any more (at the front), and at least one. */
  #evict(second: number): void {
    for (const [key, w] of this.#windows) {
      if (second - w.second < WINDOW_S && this.#windows.size < this.#maxKeys) return;
      this.#windows.delete(key);
    }
  }
}

/** Forgets the seconds that have left the window by `second`. */
function advance(w: Window, second: number): void {
  if (second <= w.second) return;
  if (second - w.second >= WINDOW_S) {
    w.counts.fill(0);
    w.total = 0;
  } else {
    for (let s = w.second + 1; s <= second; s += 1) {
      w.total -= w.counts[slot(s)] as number;
      w.counts[slot(s)] = 0;
    }
  }
  w.second = second;
}

/**
 * The answer for a window brought up to `second`: after counting the request when `allowed`, as it
 * stood when refused.
 */
export function describeWindow(
  w: Pick<Window, 'counts' | 'total'>,
  second: number,
  limit: number,
  nowMs: number,
  allowed: boolean,
): RateDecision {
  /** Whole seconds from now until the requests of second `s` have left the window. */
  const untilGone = (s: number) => Math.max(1, Math.ceil(((s + WINDOW_S) * 1000 - nowMs) / 1000));
  if (allowed) {
    return {
      allowed: true,
      limit,
      remaining: Math.max(0, limit - w.total),
      resetSeconds: untilGone(second),
      retryAfterSeconds: 0,
    };
  }
  // Walk from the oldest second until enough requests have left for one more to fit.
  let leaving = 0;
  let s = second - WINDOW_S + 1;
  for (; s < second; s += 1) {
    leaving += w.counts[slot(s)] as number;
    if (w.total - leaving < limit) break;
  }
  let newest = second;
  while (newest > s && w.counts[slot(newest)] === 0) newest -= 1;
  return {
    allowed: false,
    limit,
    remaining: 0,
    resetSeconds: untilGone(newest),
    retryAfterSeconds: untilGone(s),
  };
}
