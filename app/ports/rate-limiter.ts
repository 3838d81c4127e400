/**
 * Per-key rate limits (a sliding minute, app/http/rate-limiter.ts): in memory for one instance,
 * shared through the database for many (docs/operations.md, "Rate limits across instances").
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** What is left after this request. */
  remaining: number;
  /** Whole seconds until every request counted now has left the window (the full limit is back). */
  resetSeconds: number;
  /**
   * Whole seconds to wait before retrying, when refused: a caller who waits exactly this long (and
   * sends nothing in between) is served. Refused requests do not count.
   */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one request of `key` against `limit` a minute at `nowMs`, unless that would exceed it. */
  take(key: string, limit: number, nowMs: number): RateDecision | Promise<RateDecision>;
}
