import { describe, expect, it } from 'vitest';
import { type Store, StoreError } from '../../../app/ports/store.js';
import { anApiKey, anAuditEvent, at } from '../builders.js';

const keyEvents = (store: Store) => store.listAudit({ limit: 100, offset: 0 });

export function describeApiKeyContract(current: () => Store): void {
  describe('API keys', () => {
    it('stores a key with its events and finds it by id and by hash', async () => {
      const key = anApiKey({ scopes: ['admin'], rateLimit: 120, repository: 'acme/payments' });
      await current().insertApiKey(key, [
        anAuditEvent({ eventType: 'key_created', details: { keyId: key.id } }),
      ]);
      expect(await current().getApiKey(key.id)).toEqual(key);
      expect(await current().findApiKeyByHash(key.keyHash)).toEqual(key);
      expect((await keyEvents(current())).map((e) => e.details)).toEqual([{ keyId: key.id }]);
    });

    it('answers null for an unknown id or hash', async () => {
      expect(await current().getApiKey('key_unknown')).toBeNull();
      expect(await current().findApiKeyByHash('0'.repeat(64))).toBeNull();
    });

    it('refuses a second key with the same hash as a conflict, and logs nothing for it', async () => {
      const key = anApiKey();
      await current().insertApiKey(key, []);
      const error = await current()
        .insertApiKey(anApiKey({ keyHash: key.keyHash }), [anAuditEvent({ eventType: 'key_created' })])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('conflict');
      expect(await current().listApiKeys()).toEqual([key]);
      expect(await keyEvents(current())).toEqual([]);
    });

    it('lists every key, revoked ones included, oldest first, and counts the active ones', async () => {
      const newer = anApiKey({ createdAt: at(20) });
      const older = anApiKey({ createdAt: at(10) });
      const newest = anApiKey({ createdAt: at(30) });
      for (const key of [newer, older, newest]) await current().insertApiKey(key, []);
      expect(await current().countActiveApiKeys()).toBe(3);
      await current().revokeApiKey(newer.id, at(40), []);
      expect((await current().listApiKeys()).map((k) => [k.id, k.revokedAt])).toEqual([
        [older.id, null],
        [newer.id, at(40)],
        [newest.id, null],
      ]);
      expect(await current().countActiveApiKeys()).toBe(2);
    });

    it('starts with no keys', async () => {
      expect(await current().listApiKeys()).toEqual([]);
      expect(await current().countActiveApiKeys()).toBe(0);
    });

    it('revokes a key once: a second revocation keeps the first time and logs nothing', async () => {
      const key = anApiKey();
      await current().insertApiKey(key, []);
      const revoked = await current().revokeApiKey(key.id, at(100), [
        anAuditEvent({ eventType: 'key_revoked', createdAt: at(100) }),
      ]);
      expect(revoked).toEqual({ ...key, revokedAt: at(100) });
      const again = await current().revokeApiKey(key.id, at(200), [
        anAuditEvent({ eventType: 'key_revoked', createdAt: at(200) }),
      ]);
      expect(again).toEqual({ ...key, revokedAt: at(100) });
      expect(await current().findApiKeyByHash(key.keyHash)).toEqual(revoked);
      expect((await keyEvents(current())).map((e) => e.createdAt)).toEqual([at(100)]);
    });

    it('answers null when revoking an unknown id, and logs nothing', async () => {
      expect(
        await current().revokeApiKey('key_unknown', at(1), [anAuditEvent({ eventType: 'key_revoked' })]),
      ).toBeNull();
      expect(await keyEvents(current())).toEqual([]);
    });
  });
}
