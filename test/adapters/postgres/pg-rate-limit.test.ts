/**
 * Rate limits hold across instances (issue #17, item 4): two instances' limiters, each on its own
 * pool, on one database. Time is passed in (no clock, no sleeps).
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgRateLimiter, setUpRateLimits } from '../../../app/adapters/postgres/pg-rate-limit.js';
import { SlidingWindowRateLimiter } from '../../../app/http/rate-limiter.js';
import { createTestSchema, type TestSchema } from '../../helpers/pg-cluster-db.js';

let db: TestSchema;
let a: PgRateLimiter;
let b: PgRateLimiter;
let poolA: pg.Pool;

beforeAll(async () => {
  db = await createTestSchema('rate');
  poolA = db.pool();
  const poolB = db.pool();
  await Promise.all([setUpRateLimits(poolA), setUpRateLimits(poolB)]); // two instances starting at once
  a = new PgRateLimiter(poolA);
  b = new PgRateLimiter(poolB);
});
afterAll(async () => {
  await db?.drop();
});

const T0 = 1_800_000_000_000;

describe('PgRateLimiter', () => {
  it('a key allowed 60 a minute gets 60 in total, whichever instance each request hits', async () => {
    let allowed = 0;
    // Three tries a second for a minute, round-robin over the two instances.
    for (let i = 0; i < 180; i += 1) {
      const limiter = i % 2 === 0 ? a : b;
      if ((await limiter.take('key-rr', 60, T0 + i * 333)).allowed) allowed += 1;
    }
    expect(allowed).toBe(60);
    // The next minute: the first requests have left the window.
    expect((await b.take('key-rr', 60, T0 + 60_000)).allowed).toBe(true);
  });

  it('requests racing on both instances in the same second never pass more than the limit', async () => {
    const takes = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).take('key-race', 60, T0 + 500));
    const decisions = await Promise.all(takes);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(60);
    const refused = decisions.find((d) => !d.allowed);
    expect(refused).toMatchObject({ remaining: 0, retryAfterSeconds: 60, limit: 60 });
  });

  it('answers exactly as the in-memory limiter of one instance does (remaining, reset, retry-after)', async () => {
    const memory = new SlidingWindowRateLimiter();
    // Bursts at irregular times over three minutes, limit 7.
    const times = [
      0, 10, 20, 999, 1000, 1500, 5000, 5001, 30_000, 30_500, 59_999, 60_000, 60_001, 61_000, 90_000,
    ];
    const later = times.map((t) => t + 120_000);
    for (const t of [...times, ...later, 240_000, 240_000, 240_000]) {
      const limiter = t % 2 === 0 ? a : b;
      expect(await limiter.take('key-same', 7, T0 + t)).toEqual(memory.take('key-same', 7, T0 + t));
    }
  });

  it('keeps keys apart, and a late instance clock counts into the newest second', async () => {
    expect((await a.take('key-x', 1, T0 + 10_000)).allowed).toBe(true);
    expect((await a.take('key-y', 1, T0 + 10_000)).allowed).toBe(true);
    // B's clock is 2 s behind: still counted against the same minute.
    expect((await b.take('key-x', 1, T0 + 8000)).allowed).toBe(false);
    const { rows } = await poolA.query('SELECT key, second FROM agentgate_rate_windows WHERE key = $1', [
      'key-x',
    ]);
    expect(rows).toEqual([{ key: 'key-x', second: String(Math.floor((T0 + 10_000) / 1000)) }]);
  });
});
