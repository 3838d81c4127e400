import { describe, expect, it } from 'vitest';
import type { Store, WebhookDelivery, WebhookRecord } from '../../../app/ports/store.js';
import { at } from '../builders.js';

let counter = 0;
const aWebhook = (overrides: Partial<WebhookRecord> = {}): WebhookRecord => ({
  id: `whk_${++counter}_${Math.random().toString(36).slice(2, 8)}`,
  url: 'https://hooks.example.com/agentgate',
  events: ['request.created', 'request.decided'],
  secret: 'whsec_a-secret-of-enough-length',
  enabled: true,
  createdAt: at(counter),
  ...overrides,
});

const aDelivery = (webhookId: string, overrides: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
  id: `dlv_${++counter}_${Math.random().toString(36).slice(2, 8)}`,
  webhookId,
  event: 'request.created',
  requestId: 'req_1',
  body: '{"event":"request.created"}',
  status: 'pending',
  attempts: 0,
  responseStatus: null,
  lastError: null,
  createdAt: at(counter),
  updatedAt: at(counter),
  deliveredAt: null,
  ...overrides,
});

const auditOf = (eventType: string) => [
  { requestId: null, eventType, actor: 'api:admin', details: {}, createdAt: at(0) },
];

export function describeWebhooksContract(current: () => Store): void {
  describe('webhook subscriptions and deliveries', () => {
    it('stores subscriptions with their secret, lists them oldest first, deletes them with an audit event', async () => {
      const first = aWebhook({ createdAt: at(1) });
      const second = aWebhook({ createdAt: at(2), events: ['request.expired'] });
      await current().insertWebhook(second, auditOf('webhook_created'));
      await current().insertWebhook(first, auditOf('webhook_created'));
      expect(await current().getWebhook(first.id)).toEqual(first);
      expect((await current().listWebhooks()).map((w) => w.id)).toEqual([first.id, second.id]);

      expect(await current().deleteWebhook(first.id, auditOf('webhook_deleted'))).toBe(true);
      expect(await current().deleteWebhook(first.id, auditOf('webhook_deleted'))).toBe(false);
      expect(await current().getWebhook(first.id)).toBeNull();
      const audit = await current().listAudit({ limit: 10, offset: 0 });
      expect(audit.map((e) => e.eventType)).toEqual([
        'webhook_created',
        'webhook_created',
        'webhook_deleted',
      ]);
    });

    it('stores a delivery once: the same id again queues nothing and changes nothing', async () => {
      const hook = aWebhook();
      await current().insertWebhook(hook, []);
      const delivery = aDelivery(hook.id);
      const job = { kind: 'webhooks.deliver', payload: { deliveryId: delivery.id } };
      expect(await current().insertDelivery(delivery, [job])).toBe(true);
      expect(await current().insertDelivery({ ...delivery, body: 'changed' }, [job])).toBe(false);
      expect(await current().getDelivery(delivery.id)).toEqual(delivery);
      expect(await current().listJobs({ kind: 'webhooks.deliver', limit: 10 })).toHaveLength(1);
    });

    it('counts attempts and keeps the outcome of the last one', async () => {
      const hook = aWebhook();
      await current().insertWebhook(hook, []);
      const delivery = aDelivery(hook.id);
      await current().insertDelivery(delivery, []);
      const failed = await current().recordDeliveryAttempt(delivery.id, {
        status: 'pending',
        responseStatus: 503,
        error: 'HTTP 503',
        at: at(10),
      });
      expect(failed).toMatchObject({
        attempts: 1,
        status: 'pending',
        responseStatus: 503,
        lastError: 'HTTP 503',
      });
      expect(failed?.deliveredAt).toBeNull();
      const ok = await current().recordDeliveryAttempt(delivery.id, {
        status: 'delivered',
        responseStatus: 200,
        error: null,
        at: at(20),
      });
      expect(ok).toMatchObject({
        attempts: 2,
        status: 'delivered',
        responseStatus: 200,
        lastError: null,
        updatedAt: at(20),
        deliveredAt: at(20),
      });
      expect(
        await current().recordDeliveryAttempt('dlv_unknown', { ...ok!, at: at(30), error: null }),
      ).toBeNull();
    });

    it('lists deliveries of one subscription newest first, by status, and drops them with it', async () => {
      const hook = aWebhook();
      const other = aWebhook();
      await current().insertWebhook(hook, []);
      await current().insertWebhook(other, []);
      const old = aDelivery(hook.id, { createdAt: at(1), updatedAt: at(1) });
      const recent = aDelivery(hook.id, { createdAt: at(2), updatedAt: at(2), status: 'failed' });
      await current().insertDelivery(old, []);
      await current().insertDelivery(recent, []);
      await current().insertDelivery(aDelivery(other.id), []);
      const list = await current().listDeliveries({ webhookId: hook.id, limit: 10 });
      expect(list.map((d) => d.id)).toEqual([recent.id, old.id]);
      expect(
        (await current().listDeliveries({ webhookId: hook.id, status: 'failed', limit: 10 })).map(
          (d) => d.id,
        ),
      ).toEqual([recent.id]);
      expect(await current().listDeliveries({ webhookId: hook.id, limit: 1 })).toHaveLength(1);
      await current().deleteWebhook(hook.id, []);
      expect(await current().listDeliveries({ webhookId: hook.id, limit: 10 })).toEqual([]);
      expect(await current().getDelivery(old.id)).toBeNull();
      expect(await current().listDeliveries({ webhookId: other.id, limit: 10 })).toHaveLength(1);
    });
  });
}
