import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../app/bounded-cache.js';

describe('BoundedCache', () => {
  it('never holds more than max entries, dropping the least recently used', () => {
    const cache = new BoundedCache<string, number>({ max: 3 });
    for (const key of ['a', 'b', 'c']) cache.set(key, key.charCodeAt(0));
    cache.get('a');
    cache.set('d', 4);
    expect([...cache.entries()].map(([key]) => key)).toEqual(['c', 'a', 'd']);
    for (let i = 0; i < 10_000; i += 1) cache.set(`k${i}`, i);
    expect(cache.size).toBe(3);
  });

  it('forgets entries after their time to live, per entry or by default', () => {
    let now = 1_000;
    const cache = new BoundedCache<string, string>({ max: 10, ttlMs: 60_000, now: () => now });
    cache.set('long', 'default ttl');
    cache.set('short', 'one second', 1_000);
    now += 999;
    expect(cache.get('short')).toBe('one second');
    now += 1;
    expect(cache.get('short')).toBeUndefined();
    expect([...cache.values()]).toEqual(['default ttl']);
    now += 59_000;
    expect(cache.has('long')).toBe(false);
    expect(cache.size).toBe(0);
  });
});
