/**
 * More of the contract of `getAuditHead`, `updateApiKey` and `updateWebhook`: the head follows
 * appends from every port, and updates leave the audit chain intact.
 */
import { describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../app/approvals/audit-chain.js';
import type { Store } from '../../../app/ports/store.js';
import { anApiKey, anAuditEvent, aRequestRecord, at } from '../builders.js';

const aWebhook = (id: string) => ({
  id,
  url: 'https://hooks.example.com/agentgate',
  events: ['request.created' as const],
  secret: 'whsec_a-secret-of-enough-length',
  enabled: true,
  createdAt: at(1),
});

export function describeStoreAdditionsContract(current: () => Store): void {
  describe('getAuditHead', () => {
    it('starts empty and follows every append, whichever port appends', async () => {
      expect(await current().getAuditHead()).toEqual({ count: 0, lastHash: null });
      const request = aRequestRecord();
      await current().insertRequest(request, [anAuditEvent({ requestId: request.id })]);
      await current().appendAudit([anAuditEvent(), anAuditEvent({ eventType: 'vote' })]);
      await current().insertApiKey(anApiKey(), [anAuditEvent({ eventType: 'key_created' })]);
      const trail = await current().listAudit({ limit: 100, offset: 0 });
      const verdict = verifyAuditChain(trail);
      expect(verdict.ok && verdict.lastHash).toBe(trail.at(-1)?.hash);
      expect(await current().getAuditHead()).toEqual({ count: 4, lastHash: trail.at(-1)?.hash });
    });

    it('does not move for a change that failed', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, [anAuditEvent()]);
      const before = await current().getAuditHead();
      await expect(current().insertRequest(request, [anAuditEvent()])).rejects.toMatchObject({
        code: 'conflict',
      });
      expect(await current().getAuditHead()).toEqual(before);
    });
  });

  describe('updateApiKey', () => {
    it('changes the rate limit with its audit events; an unknown id changes and logs nothing', async () => {
      const key = anApiKey({ rateLimit: 60 });
      await current().insertApiKey(key, []);
      const updated = await current().updateApiKey(key.id, { rateLimit: null }, at(5), [
        anAuditEvent({ eventType: 'key_updated', createdAt: at(5) }),
      ]);
      expect(updated).toEqual({ ...key, rateLimit: null });
      expect(await current().getApiKey(key.id)).toEqual(updated);
      expect(
        await current().updateApiKey('key_unknown', { rateLimit: 1 }, at(6), [anAuditEvent()]),
      ).toBeNull();
      const trail = await current().listAudit({ limit: 10, offset: 0 });
      expect(trail.map((e) => e.eventType)).toEqual(['key_updated']);
    });
  });

  describe('updateWebhook', () => {
    it('changes only the given fields, keeps the secret, and can disable a subscription', async () => {
      await current().insertWebhook(aWebhook('whk_1'), []);
      const moved = await current().updateWebhook('whk_1', { url: 'https://new.example.com/hook' }, at(2), [
        anAuditEvent({ eventType: 'webhook_updated' }),
      ]);
      expect(moved).toMatchObject({
        url: 'https://new.example.com/hook',
        events: ['request.created'],
        enabled: true,
      });
      const disabled = await current().updateWebhook(
        'whk_1',
        { enabled: false, events: ['request.decided'] },
        at(3),
        [],
      );
      expect(disabled).toEqual({
        ...aWebhook('whk_1'),
        url: 'https://new.example.com/hook',
        events: ['request.decided'],
        enabled: false,
      });
      expect(await current().getWebhook('whk_1')).toEqual(disabled);
      expect(
        await current().updateWebhook('whk_unknown', { enabled: true }, at(4), [anAuditEvent()]),
      ).toBeNull();
      expect((await current().listAudit({ limit: 10, offset: 0 })).map((e) => e.eventType)).toEqual([
        'webhook_updated',
      ]);
    });
  });
}
