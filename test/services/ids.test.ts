/** Ids (app/services/ids.ts): their shape, and that the pooled random part never repeats across refills. */
import { describe, expect, it } from 'vitest';
import { newId } from '../../app/services/ids.js';

describe('newId', () => {
  it('is the prefix, 10 time characters and 16 random ones, sorted by time', () => {
    const id = newId('req', 1_700_000_000_000);
    expect(id).toMatch(/^req_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(newId('req', 1_700_000_000_000).slice(0, 14)).toBe(id.slice(0, 14));
    expect(newId('req', 1_700_000_000_001).slice(0, 14) > id.slice(0, 14)).toBe(true);
  });

  it('draws fresh random characters for every id, across many refills of the pool', () => {
    const tails = new Set<string>();
    const seen = new Map<string, number>();
    for (let i = 0; i < 20_000; i += 1) {
      const tail = newId('req', 0).slice(14);
      tails.add(tail);
      for (const c of tail) seen.set(c, (seen.get(c) ?? 0) + 1);
    }
    expect(tails.size).toBe(20_000);
    // 320,000 characters over 32 symbols: each near 10,000, none missing or dominant.
    expect(seen.size).toBe(32);
    for (const count of seen.values()) expect(count).toBeGreaterThan(9_000);
  });
});
