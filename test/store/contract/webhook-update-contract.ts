import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Store, WebhookRecord } from '../../../app/ports/store.js';
import { anAuditEvent, at } from '../builders.js';

const aWebhook = (overrides: Partial<WebhookRecord> = {}): WebhookRecord => ({
  id: `whk_${randomUUID().slice(0, 12)}`,
  url: 'https://hooks.example.com/agentgate',
  events: ['request.created'],
  secret: 'whsec_kept-across-updates',
  enabled: true,
  createdAt: at(1),
  ...overrides,
});

export function describeWebhookUpdateContract(current: () => Store): void {
  describe('updateWebhook and enabled', () => {
    it('stores enabled as given', async () => {
      const off = aWebhook({ enabled: false });
      await current().insertWebhook(off, []);
      expect(await current().getWebhook(off.id)).toEqual(off);
      expect((await current().listWebhooks())[0]?.enabled).toBe(false);
    });

    it('changes only the fields named, keeps the secret, and logs the events', async () => {
      const hook = aWebhook();
      await current().insertWebhook(hook, []);
      const moved = await current().updateWebhook(hook.id, { url: 'https://other.example.com/in' }, at(5), [
        anAuditEvent({ eventType: 'webhook_updated' }),
      ]);
      expect(moved).toEqual({ ...hook, url: 'https://other.example.com/in' });
      const changed = await current().updateWebhook(
        hook.id,
        { events: ['request.decided', 'request.expired'], enabled: false },
        at(6),
        [anAuditEvent({ eventType: 'webhook_updated' })],
      );
      expect(changed).toEqual({
        ...hook,
        url: 'https://other.example.com/in',
        events: ['request.decided', 'request.expired'],
        enabled: false,
      });
      expect(await current().getWebhook(hook.id)).toEqual(changed);
      expect(await current().updateWebhook(hook.id, { enabled: true }, at(7), [])).toMatchObject({
        enabled: true,
        secret: hook.secret,
      });
      expect((await current().listAudit({ limit: 10, offset: 0 })).map((e) => e.eventType)).toEqual([
        'webhook_updated',
        'webhook_updated',
      ]);
    });

    it('answers null for an unknown id and logs nothing', async () => {
      expect(
        await current().updateWebhook('whk_unknown', { enabled: false }, at(1), [
          anAuditEvent({ eventType: 'webhook_updated' }),
        ]),
      ).toBeNull();
      expect(await current().listAudit({ limit: 10, offset: 0 })).toEqual([]);
    });
  });
}
