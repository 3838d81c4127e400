import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../app/webhooks/sign-webhook.js';
import { webhookEventFor } from '../../app/webhooks/webhook-events.js';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { aRequestRecord } from '../store/builders.js';

const BASE_DELAY = 10_000;
const MAX_ATTEMPTS = 4;
const SECRET = 'receiver-secret-of-enough-length';

let t: TestServer;
let clock: ManualClock;
let admin: Api;
let agent: Api;
let receiver: WebhookReceiver;

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  t = await startTestServer({
    clock,
    webhooks: { allowPrivate: true, baseDelayMs: BASE_DELAY, maxAttempts: MAX_ATTEMPTS, timeoutMs: 2000 },
    policies: {
      'p.yaml': 'rules:\n  - name: reads\n    if: { action: "read_*" }\n    decision: auto_approve\n',
    },
  });
  admin = apiClient(t.url, t.adminKey);
  agent = (await keyClient(t.url, t.adminKey, 'agent', ['request:create'])).api;
  receiver = await startWebhookReceiver(SECRET);
});
afterAll(async () => {
  await t.close();
  await receiver.close();
});

/** Runs the queue until nothing due is left (the runner's own timer may be mid-run). */
async function settle() {
  for (let quiet = 0; quiet < 2; ) {
    await t.server.jobs.idle();
    quiet = (await t.server.jobs.runOnce()) === 0 ? quiet + 1 : 0;
  }
}

const deliveriesOf = async (hookId: string) =>
  (await admin('GET', `/api/webhooks/${hookId}/deliveries?limit=100`)).body.deliveries as Array<
    Record<string, any>
  >;

describe('signed deliveries with durable retries', () => {
  it('delivers every event exactly once, signed, after the receiver was down then failing for a while', async () => {
    const hook = (
      await admin('POST', '/api/webhooks', {
        url: receiver.url,
        events: ['request.created', 'request.decided', 'request.expired'],
        secret: SECRET,
      })
    ).body;
    await receiver.setMode('down');

    const routed = (await agent('POST', '/api/requests', { action: 'deploy:prod' })).body;
    const auto = (await agent('POST', '/api/requests', { action: 'read_file' })).body;
    const expiring = (await agent('POST', '/api/requests', { action: 'deploy:staging', timeout: 1 })).body;
    await admin('POST', `/api/requests/${routed.id}/decide`, { decision: 'approved', reason: 'looks fine' });
    clock.advance(1000); // less than any retry delay
    await t.server.requests.expireDue();
    await settle();

    // Attempt 1 of each of the six deliveries found nobody listening.
    let log = await deliveriesOf(hook.id);
    expect(log).toHaveLength(6);
    for (const d of log) {
      expect(d).toMatchObject({ status: 'pending', attempts: 1, responseStatus: null });
      expect(d.lastError).toMatch(/ECONNREFUSED/);
      expect(d).not.toHaveProperty('body');
    }
    // Each retry waits base × 2^(attempt-1), scaled by a jitter in [0.5, 1).
    const retries = await t.store.listJobs({ kind: 'webhooks.deliver', status: 'queued', limit: 10 });
    expect(retries).toHaveLength(6);
    for (const job of retries) {
      const wait = Date.parse(job.runAt) - Date.parse(job.updatedAt);
      expect(wait).toBeGreaterThanOrEqual(BASE_DELAY * 0.5);
      expect(wait).toBeLessThan(BASE_DELAY);
    }
    const firstDue = Math.min(...retries.map((job) => Date.parse(job.runAt)));
    clock.advance(firstDue - clock.now().getTime() - 1);
    await settle();
    expect(receiver.received).toHaveLength(0); // nothing is due before its backoff

    await receiver.setMode('error');
    clock.advance(BASE_DELAY);
    await settle();
    log = await deliveriesOf(hook.id);
    expect(log.every((d) => d.attempts === 2 && d.responseStatus === 503 && d.status === 'pending')).toBe(
      true,
    );
    expect(receiver.received).toHaveLength(6);
    for (const job of await t.store.listJobs({ kind: 'webhooks.deliver', status: 'queued', limit: 10 })) {
      const wait = Date.parse(job.runAt) - Date.parse(job.updatedAt);
      expect(wait).toBeGreaterThanOrEqual(BASE_DELAY);
      expect(wait).toBeLessThan(2 * BASE_DELAY);
    }

    await receiver.setMode('up');
    clock.advance(2 * BASE_DELAY);
    await settle();
    clock.advance(3_600_000);
    await settle();

    const accepted = receiver.accepted(); // throws if one delivery id was accepted twice
    expect(accepted).toHaveLength(6);
    expect(accepted.every((r) => r.signatureValid)).toBe(true);
    const events = accepted.map((r) => `${r.body.data.request.id}:${r.body.event}`).sort();
    expect(events).toEqual(
      [
        `${routed.id}:request.created`,
        `${routed.id}:request.decided`,
        `${auto.id}:request.created`,
        `${auto.id}:request.decided`,
        `${expiring.id}:request.created`,
        `${expiring.id}:request.expired`,
      ].sort(),
    );
    for (const r of accepted) {
      expect(Object.keys(r.body)).toEqual(['event', 'deliveryId', 'timestamp', 'data']);
      expect(r.headers['x-agentgate-event']).toBe(r.body.event);
      expect(r.headers['x-agentgate-delivery']).toBe(r.body.deliveryId);
      expect(r.headers['content-type']).toBe('application/json');
      // The attempt's time (this test's clock), in Unix seconds.
      expect(r.headers['x-agentgate-timestamp']).toBe(
        String(Math.floor(clock.now().getTime() / 1000) - 3600),
      );
      expect(r.body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      // Each retry kept its delivery id: the 503s were answered to the same ids.
      const tries = receiver.received.filter((x) => x.headers['x-agentgate-delivery'] === r.body.deliveryId);
      expect(tries.map((x) => x.answered)).toEqual([503, 200]);
      expect(new Set(tries.map((x) => x.rawBody)).size).toBe(1);
    }
    const decided = accepted.find(
      (r) => r.body.event === 'request.decided' && r.body.data.request.id === routed.id,
    );
    expect(decided?.body.data.request).toMatchObject({
      status: 'approved',
      decidedBy: 'api:admin',
      decisionReason: 'looks fine',
    });
    expect(decided?.body.data.request).not.toHaveProperty('ownerId');
    const expired = accepted.find((r) => r.body.event === 'request.expired');
    expect(expired?.body.data.request).toMatchObject({ status: 'expired', decidedBy: 'system:expiry' });

    log = await deliveriesOf(hook.id);
    expect(log.every((d) => d.status === 'delivered' && d.attempts === 3 && d.responseStatus === 200)).toBe(
      true,
    );
    expect(log.every((d) => d.deliveredAt !== null && d.lastError === null)).toBe(true);
    const received = receiver.received.length;
    clock.advance(24 * 3_600_000);
    await settle();
    expect(receiver.received).toHaveLength(received);
    await admin('DELETE', `/api/webhooks/${hook.id}`);
  });

  it('gives up after the bounded number of attempts and shows the delivery as failed', async () => {
    const broken = await startWebhookReceiver(SECRET);
    await broken.setMode('error');
    try {
      const hook = (
        await admin('POST', '/api/webhooks', { url: broken.url, events: ['request.created'], secret: SECRET })
      ).body;
      const request = (await agent('POST', '/api/requests', { action: 'deploy:prod' })).body;
      for (let i = 0; i < MAX_ATTEMPTS + 2; i += 1) {
        await settle();
        clock.advance(2 ** i * BASE_DELAY);
      }
      await settle();
      expect(broken.received).toHaveLength(MAX_ATTEMPTS);
      const [delivery] = await deliveriesOf(hook.id);
      expect(delivery).toMatchObject({
        event: 'request.created',
        requestId: request.id,
        status: 'failed',
        attempts: MAX_ATTEMPTS,
        responseStatus: 503,
        lastError: 'HTTP 503 from the receiver',
        deliveredAt: null,
      });
      expect(
        (await admin('GET', `/api/webhooks/${hook.id}/deliveries?status=failed`)).body.deliveries,
      ).toHaveLength(1);
      const jobs = await t.store.listJobs({ kind: 'webhooks.deliver', status: 'failed', limit: 100 });
      expect(jobs.filter((j) => j.payload.deliveryId === delivery?.id)).toHaveLength(1);
      await admin('DELETE', `/api/webhooks/${hook.id}`);
    } finally {
      await broken.close();
    }
  });

  it('sends only the events a subscription asked for', async () => {
    const picky = await startWebhookReceiver(SECRET);
    try {
      const hook = (
        await admin('POST', '/api/webhooks', { url: picky.url, events: ['request.decided'], secret: SECRET })
      ).body;
      const request = (await agent('POST', '/api/requests', { action: 'deploy:qa' })).body;
      await settle();
      expect(picky.received).toHaveLength(0);
      await admin('POST', `/api/requests/${request.id}/cancel`, { reason: 'not needed' });
      await settle();
      expect(picky.accepted().map((r) => [r.body.event, r.body.data.request.status])).toEqual([
        ['request.decided', 'cancelled'],
      ]);
      await admin('DELETE', `/api/webhooks/${hook.id}`);
    } finally {
      await picky.close();
    }
  });

  it('a test ping is signed, answered at once and kept in the log', async () => {
    const hook = (await admin('POST', '/api/webhooks', { url: receiver.url, events: ['request.created'] }))
      .body;
    receiver.secret = hook.secret;
    const ping = await admin('POST', `/api/webhooks/${hook.id}/test`, {});
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ event: 'ping', status: 'delivered', attempts: 1, responseStatus: 200 });
    const last = receiver.received.at(-1);
    expect(last?.signatureValid).toBe(true);
    expect(last?.body).toMatchObject({
      event: 'ping',
      deliveryId: ping.body.id,
      data: { webhook: { id: hook.id } },
    });

    await receiver.setMode('down');
    const failed = await admin('POST', `/api/webhooks/${hook.id}/test`, {});
    expect(failed.body).toMatchObject({ event: 'ping', status: 'failed', responseStatus: null });
    expect(failed.body.lastError).toMatch(/ECONNREFUSED/);
    expect((await deliveriesOf(hook.id)).map((d) => d.status)).toEqual(['failed', 'delivered']);
    await receiver.setMode('up');
    receiver.secret = SECRET;
    await admin('DELETE', `/api/webhooks/${hook.id}`);
  });
});

describe('signature and events', () => {
  it('signs "<timestamp>.<body>" with HMAC-SHA256, hex, prefixed sha256=', () => {
    const body = '{"event":"request.created"}';
    const expected = createHmac('sha256', 'whsec_test').update(`1767268800.${body}`).digest('hex');
    expect(signWebhook('whsec_test', 1_767_268_800, body)).toBe(`sha256=${expected}`);
    expect(signWebhook('whsec_test', 1_767_268_801, body)).not.toBe(`sha256=${expected}`);
  });

  it.each([
    ['created', 'pending', 'request.created'],
    ['created', 'approved', 'request.created'],
    ['decided', 'approved', 'request.decided'],
    ['decided', 'denied', 'request.decided'],
    ['decided', 'cancelled', 'request.decided'],
    ['decided', 'expired', 'request.expired'],
    ['voted', 'pending', null],
  ] as const)('%s (%s) is %s', (change, status, event) => {
    expect(webhookEventFor(change, aRequestRecord({ status }))).toBe(event);
  });
});
