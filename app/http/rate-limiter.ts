/**
 * A sliding-window rate limit per key: the count of the current minute plus the previous minute's
 * count weighted by how much of it still overlaps the window. O(1) memory per key.
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** What is left after this request. */
  remaining: number;
  /** Whole seconds until the current window resets. */
  resetSeconds: number;
  /** Whole seconds to wait before retrying, when refused. */
  retryAfterSeconds: number;
}

const WINDOW_MS = 60_000;

export class SlidingWindowRateLimiter {
  readonly #windows = new Map<string, { start: number; current: number; previous: number }>();

  take(key: string, limit: number, nowMs: number): RateDecision {
    const start = nowMs - (nowMs % WINDOW_MS);
    let w = this.#windows.get(key);
    if (!w) {
      w = { start, current: 0, previous: 0 };
      this.#windows.set(key, w);
    } else if (w.start !== start) {
      w.previous = start - w.start === WINDOW_MS ? w.current : 0;
      w.current = 0;
      w.start = start;
    }
    const overlap = 1 - (nowMs - start) / WINDOW_MS;
    const used = Math.ceil(w.previous * overlap) + w.current;
    const resetSeconds = Math.ceil((start + WINDOW_MS - nowMs) / 1000);
    if (used >= limit) {
      // Earliest moment the weighted count drops below the limit; at the latest, the window reset.
      const end = start + WINDOW_MS;
      const freeAt =
        w.current < limit && w.previous > 0
          ? start + WINDOW_MS * (1 - (limit - w.current - 1) / w.previous)
          : end;
      const retryAfterSeconds = Math.max(1, Math.ceil((Math.min(freeAt, end) - nowMs) / 1000));
      return { allowed: false, limit, remaining: 0, resetSeconds, retryAfterSeconds };
    }
    w.current += 1;
    return { allowed: true, limit, remaining: limit - used - 1, resetSeconds, retryAfterSeconds: 0 };
  }
}
