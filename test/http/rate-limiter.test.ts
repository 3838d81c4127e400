import { describe, expect, it } from 'vitest';
import { SlidingWindowRateLimiter } from '../../app/http/rate-limiter.js';
import { keyClient } from '../helpers/http.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestServer } from '../helpers/test-server.js';

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

  it('counts each request for the minute after it, no longer', () => {
    const limiter = new SlidingWindowRateLimiter();
    for (let i = 0; i < 5; i += 1) limiter.take('k', 10, t0);
    for (let i = 0; i < 5; i += 1) limiter.take('k', 10, t0 + 30_000);
    expect(limiter.take('k', 10, t0 + 59_999).allowed).toBe(false);
    // A minute after the first five, they have left; the later five still count.
    const allowed = Array.from({ length: 6 }, () => limiter.take('k', 10, t0 + minute).allowed);
    expect(allowed).toEqual([true, true, true, true, true, false]);
  });

  it('forgets windows older than one minute, and keeps keys apart', () => {
    const limiter = new SlidingWindowRateLimiter();
    for (let i = 0; i < 3; i += 1) limiter.take('a', 3, t0);
    expect(limiter.take('a', 3, t0).allowed).toBe(false);
    expect(limiter.take('b', 3, t0).allowed).toBe(true);
    expect(limiter.take('a', 3, t0 + 2 * minute).remaining).toBe(2);
  });

  it('tells a refused caller when the oldest requests leave the window', () => {
    const limiter = new SlidingWindowRateLimiter();
    limiter.take('k', 4, t0);
    limiter.take('k', 4, t0 + 10_000);
    limiter.take('k', 4, t0 + 20_000);
    limiter.take('k', 4, t0 + 20_500);
    const refused = limiter.take('k', 4, t0 + 45_000);
    // The first request leaves the window at t0 + 60 s: 15 s from now.
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 15, resetSeconds: 35 });
    expect(limiter.take('k', 4, t0 + 59_999).allowed).toBe(false);
    expect(limiter.take('k', 4, t0 + 60_000).allowed).toBe(true);
  });
});

describe('Retry-After', () => {
  const minute = 60_000;
  const t0 = 10 * minute;

  /** Takes until refused, then waits exactly Retry-After: the next take must be allowed. */
  function obeys(limiter: SlidingWindowRateLimiter, limit: number, at: number): number {
    let now = at;
    let refused = limiter.take('k', limit, now);
    while (refused.allowed) refused = limiter.take('k', limit, now);
    now += refused.retryAfterSeconds * 1000;
    expect(limiter.take('k', limit, now)).toMatchObject({ allowed: true });
    return refused.retryAfterSeconds;
  }

  it('is long enough after a burst late in the window (once told 25 s, then refused again)', () => {
    const limiter = new SlidingWindowRateLimiter();
    // 5 hits 35 s into a minute: the old limiter said 25 s (the minute's end), when they still counted.
    expect(obeys(limiter, 5, t0 + 35_000)).toBe(60);
  });

  it.each([
    [1, 0],
    [1, 59_999],
    [3, 12_345],
    [10, 30_000],
    [7, 59_000],
    [100, 1],
    [60, 45_500],
  ])('holds for a limit of %i with a burst %i ms into the window, and keeps holding', (limit, offset) => {
    const limiter = new SlidingWindowRateLimiter();
    let now = t0 + offset;
    for (let round = 0; round < 5; round += 1) {
      const wait = obeys(limiter, limit, now);
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(120);
      now += wait * 1000 + 777;
    }
  });

  it('is not longer than needed: a second earlier is still refused', () => {
    const limiter = new SlidingWindowRateLimiter();
    for (let i = 0; i < 4; i += 1) limiter.take('k', 4, t0 + i * 7_000);
    const refused = limiter.take('k', 4, t0 + 30_000);
    expect(refused.retryAfterSeconds).toBe(30);
    expect(limiter.take('k', 4, t0 + 30_000 + refused.retryAfterSeconds * 1000 - 1000).allowed).toBe(false);
  });
});

describe('memory', () => {
  const minute = 60_000;

  it('tracks at most maxKeys keys, dropping windows that no longer count first', () => {
    const limiter = new SlidingWindowRateLimiter({ maxKeys: 100 });
    for (let i = 0; i < 3; i += 1) limiter.take('busy', 3, 0);
    for (let i = 0; i < 10_000; i += 1) limiter.take(`k${i}`, 3, 3 * minute + i);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });

  it('keeps a key used within the window while stale keys come and go', () => {
    const limiter = new SlidingWindowRateLimiter({ maxKeys: 10 });
    for (let i = 0; i < 9; i += 1) limiter.take(`old${i}`, 1, 0);
    for (let i = 0; i < 3; i += 1) limiter.take('busy', 3, 3 * minute);
    for (let i = 0; i < 9; i += 1) limiter.take(`new${i}`, 1, 3 * minute + 1);
    expect(limiter.take('busy', 3, 3 * minute + 2).allowed).toBe(false);
  });
});

describe('429 over HTTP', () => {
  it('a client that waits exactly Retry-After is served, again and again', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 35));
    const t = await startTestServer({ clock });
    try {
      const { api } = await keyClient(t.url, t.adminKey, 'polite', ['request:read'], { rateLimit: 3 });
      const waits: string[] = [];
      for (let round = 0; round < 4; round += 1) {
        let res = await api('GET', '/api/requests');
        while (res.status === 200) {
          clock.advance(4_321);
          res = await api('GET', '/api/requests');
        }
        expect(res.status).toBe(429);
        expect(res.body.code).toBe('rate_limited');
        const retryAfter = res.headers.get('retry-after') ?? '';
        expect(retryAfter).toMatch(/^[1-9]\d*$/);
        expect(res.body.error).toContain(`${retryAfter} s`);
        waits.push(retryAfter);
        clock.advance(Number(retryAfter) * 1000);
        expect((await api('GET', '/api/requests')).status).toBe(200);
      }
      expect(waits.every((w) => Number(w) <= 60)).toBe(true);
    } finally {
      await t.close();
    }
  });
});
