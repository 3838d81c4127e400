import { describe, expect, it } from 'vitest';
import { SlidingWindowRateLimiter } from '../../app/http/rate-limiter.js';

describe('SlidingWindowRateLimiter', () => {
  const minute = 60_000;
  const t0 = 10 * minute;

  it('allows the limit within a window, then refuses until the window slides', () => {
    const limiter = new SlidingWindowRateLimiter();
    const taken = Array.from({ length: 5 }, (_, i) => limiter.take('k', 5, t0 + i));
    expect(taken.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0]);
    const refused = limiter.take('k', 5, t0 + 10);
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('weights the previous window: half a minute later, half of its count still counts', () => {
    const limiter = new SlidingWindowRateLimiter();
    for (let i = 0; i < 10; i += 1) limiter.take('k', 10, t0 + i);
    // 30 s into the next window, 5 of the previous 10 still count: 5 more are allowed.
    const next = t0 + minute + 30_000;
    const allowed = Array.from({ length: 6 }, () => limiter.take('k', 10, next).allowed);
    expect(allowed).toEqual([true, true, true, true, true, false]);
  });

  it('forgets windows older than one minute, and keeps keys apart', () => {
    const limiter = new SlidingWindowRateLimiter();
    for (let i = 0; i < 3; i += 1) limiter.take('a', 3, t0);
    expect(limiter.take('a', 3, t0).allowed).toBe(false);
    expect(limiter.take('b', 3, t0).allowed).toBe(true);
    expect(limiter.take('a', 3, t0 + 2 * minute).remaining).toBe(2);
  });

  it('tells a refused caller when a slot frees up', () => {
    const limiter = new SlidingWindowRateLimiter();
    for (let i = 0; i < 4; i += 1) limiter.take('k', 4, t0);
    const refused = limiter.take('k', 4, t0 + minute);
    // The previous window weighs 4 at the window start: one slot frees after a quarter minute.
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(15);
    expect(limiter.take('k', 4, t0 + minute + 15_000).allowed).toBe(true);
  });
});
