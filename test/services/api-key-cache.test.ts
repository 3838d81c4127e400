/**
 * API keys cached where a feed tells of their changes (key-cache.ts through ApiKeyService): a
 * revocation is never outlived, whether made here, heard from elsewhere, or unheard because the
 * feed went quiet. The store is counted, the feed and the clock are driven by hand.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../app/adapters/memory/memory-store.js';
import type { KeyChangeFeed } from '../../app/ports/key-change-feed.js';
import type { Store } from '../../app/ports/store.js';
import { ApiKeyService } from '../../app/services/api-key-service.js';
import { AppError } from '../../app/services/app-error.js';
import { newId } from '../../app/services/ids.js';
import { KEY_CACHE_MAX_AGE_MS } from '../../app/services/key-cache.js';
import { ManualClock } from '../helpers/manual-clock.js';

/** A feed whose changes and connection the test decides. */
class HandFeed implements KeyChangeFeed {
  live = true;
  readonly #watchers: ((keyId: string | null) => void)[] = [];
  watch(changed: (keyId: string | null) => void): void {
    this.#watchers.push(changed);
  }
  changed(keyId: string | null): void {
    for (const watcher of this.#watchers) watcher(keyId);
  }
  lose(): void {
    this.live = false;
    this.changed(null);
  }
}

/** The store, counting key lookups; `hold` makes the next lookup wait until released. */
function countingStore() {
  const store = createMemoryStore();
  let lookups = 0;
  let held: { release: () => void } | null = null;
  const counted: Store = Object.create(store);
  counted.findApiKeyByHash = async (hash) => {
    lookups += 1;
    const record = await store.findApiKeyByHash(hash);
    if (held) {
      const gate = held;
      held = null;
      await new Promise<void>((resolve) => {
        gate.release = resolve;
      });
    }
    return record;
  };
  return {
    store: counted,
    lookups: () => lookups,
    /** The next lookup reads, then waits; returns how to let it finish. */
    hold() {
      const gate = { release: () => {} };
      held = gate;
      return () => gate.release();
    },
  };
}

async function setUp() {
  const counting = countingStore();
  const feed = new HandFeed();
  const clock = new ManualClock();
  const keys = new ApiKeyService({ store: counting.store, clock, newId, keyChanges: feed });
  // The same database seen by another instance, without a cache of its own.
  const elsewhere = new ApiKeyService({ store: counting.store, clock, newId });
  const created = await keys.create({ name: 'agent', scopes: ['request:create'] }, 'test');
  return { ...counting, feed, clock, keys, elsewhere, created };
}

const refused = (attempt: Promise<unknown>) =>
  expect(attempt).rejects.toSatisfy((error) => error instanceof AppError && error.code === 'unauthorized');

describe('API keys cached while a feed tells of their changes', () => {
  it('reads a key once, then answers from memory', async () => {
    const { keys, created, lookups } = await setUp();
    const first = await keys.authenticate(created.key);
    const second = await keys.authenticate(created.key);
    expect(second).toEqual(first);
    expect(lookups()).toBe(1);
  });

  it('refuses a key revoked on this instance at once', async () => {
    const { keys, created } = await setUp();
    await keys.authenticate(created.key);
    await keys.revoke(created.id, 'test');
    await refused(keys.authenticate(created.key));
  });

  it('refuses a key revoked elsewhere once the feed tells of it, and sees a changed rate limit', async () => {
    const { keys, elsewhere, feed, created } = await setUp();
    await keys.authenticate(created.key);
    await elsewhere.update(created.id, { rateLimit: 5 }, 'test');
    feed.changed(created.id);
    expect((await keys.authenticate(created.key)).rateLimit).toBe(5);
    await elsewhere.revoke(created.id, 'test');
    feed.changed(created.id);
    await refused(keys.authenticate(created.key));
  });

  it('keeps other keys cached when one changes', async () => {
    const { keys, feed, created, lookups } = await setUp();
    const other = await keys.create({ name: 'other', scopes: ['request:read'] }, 'test');
    await keys.authenticate(created.key);
    await keys.authenticate(other.key);
    feed.changed(created.id);
    await keys.authenticate(other.key);
    expect(lookups()).toBe(2);
  });

  it('trusts nothing cached once the feed goes quiet, and caches nothing until it hears again', async () => {
    const { keys, elsewhere, feed, created, lookups } = await setUp();
    await keys.authenticate(created.key);
    feed.lose();
    await elsewhere.revoke(created.id, 'test'); // unheard
    await refused(keys.authenticate(created.key));
    const other = await keys.create({ name: 'other', scopes: ['request:read'] }, 'test');
    const before = lookups();
    await keys.authenticate(other.key);
    await keys.authenticate(other.key);
    expect(lookups() - before).toBe(2);
    feed.live = true;
    await keys.authenticate(other.key);
    await keys.authenticate(other.key);
    expect(lookups() - before).toBe(3);
  });

  it('does not cache a lookup that a change overtook', async () => {
    const { keys, elsewhere, feed, created, hold } = await setUp();
    const release = hold();
    const racing = keys.authenticate(created.key); // reads the key while it is still active…
    await elsewhere.revoke(created.id, 'test');
    feed.changed(created.id); // …and the revocation is heard before that lookup ends
    release();
    await racing; // answered as read: it started before the revocation
    await refused(keys.authenticate(created.key));
  });

  it('reads a key again after the maximum age, whatever the feed says', async () => {
    const { keys, created, clock, lookups } = await setUp();
    await keys.authenticate(created.key);
    clock.advance(KEY_CACHE_MAX_AGE_MS - 1);
    await keys.authenticate(created.key);
    expect(lookups()).toBe(1);
    clock.advance(1);
    await keys.authenticate(created.key);
    expect(lookups()).toBe(2);
  });

  it('never caches an unknown or revoked key', async () => {
    const { keys, created, lookups } = await setUp();
    await keys.revoke(created.id, 'test');
    await refused(keys.authenticate(created.key));
    await refused(keys.authenticate(created.key));
    await refused(keys.authenticate('agk_unknown'));
    expect(lookups()).toBe(3);
  });

  it('without a feed reads the key on every request', async () => {
    const counting = countingStore();
    const keys = new ApiKeyService({ store: counting.store, clock: new ManualClock(), newId });
    const created = await keys.create({ name: 'agent', scopes: ['request:create'] }, 'test');
    await keys.authenticate(created.key);
    await keys.authenticate(created.key);
    expect(counting.lookups()).toBe(2);
  });
});
