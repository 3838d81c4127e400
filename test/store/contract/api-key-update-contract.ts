import { describe, expect, it } from 'vitest';
import type { Store } from '../../../app/ports/store.js';
import { anApiKey, anAuditEvent, at } from '../builders.js';

export function describeApiKeyUpdateContract(current: () => Store): void {
  describe('updateApiKey', () => {
    it('sets and removes the rate limit, with its audit event, and the key is found changed by hash', async () => {
      const key = anApiKey({ rateLimit: 60 });
      await current().insertApiKey(key, []);
      const limited = await current().updateApiKey(key.id, { rateLimit: 5 }, at(10), [
        anAuditEvent({ eventType: 'key_updated', details: { keyId: key.id, rateLimit: 5 } }),
      ]);
      expect(limited).toEqual({ ...key, rateLimit: 5 });
      expect(await current().findApiKeyByHash(key.keyHash)).toEqual(limited);
      const unlimited = await current().updateApiKey(key.id, { rateLimit: null }, at(20), [
        anAuditEvent({ eventType: 'key_updated', details: { keyId: key.id, rateLimit: null } }),
      ]);
      expect(unlimited).toEqual({ ...key, rateLimit: null });
      expect(await current().getApiKey(key.id)).toEqual(unlimited);
      const audit = await current().listAudit({ limit: 10, offset: 0 });
      expect(audit.map((e) => e.details.rateLimit)).toEqual([5, null]);
    });

    it('answers null for an unknown id and logs nothing', async () => {
      expect(
        await current().updateApiKey('key_unknown', { rateLimit: 1 }, at(1), [
          anAuditEvent({ eventType: 'key_updated' }),
        ]),
      ).toBeNull();
      expect(await current().listAudit({ limit: 10, offset: 0 })).toEqual([]);
    });

    it('leaves the other keys alone', async () => {
      const one = anApiKey({ rateLimit: 10 });
      const other = anApiKey({ rateLimit: 10 });
      await current().insertApiKey(one, []);
      await current().insertApiKey(other, []);
      await current().updateApiKey(one.id, { rateLimit: 99 }, at(1), []);
      expect(await current().getApiKey(other.id)).toEqual(other);
    });
  });
}
