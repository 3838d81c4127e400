import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { HOSTILE_URLS } from './hostile-urls.js';

let t: TestServer;
let manager: Api;
let agent: Api;

beforeAll(async () => {
  // Production defaults: private targets refused.
  t = await startTestServer({ webhooks: { allowPrivate: false } });
  manager = (await keyClient(t.url, t.adminKey, 'hooks', ['webhook:manage'])).api;
  agent = (await keyClient(t.url, t.adminKey, 'agent', ['request:create', 'request:read'])).api;
});
afterAll(() => t.close());

const valid = { url: 'https://hooks.example.com/agentgate', events: ['request.decided'] };

describe('/api/webhooks', () => {
  it('needs the webhook:manage scope', async () => {
    expect((await agent('GET', '/api/webhooks')).status).toBe(403);
    expect((await agent('POST', '/api/webhooks', valid)).body.code).toBe('forbidden');
    expect((await apiClient(t.url)('GET', '/api/webhooks')).status).toBe(401);
  });

  it('creates a subscription with a generated secret shown once, lists, reads and deletes it', async () => {
    const created = await manager('POST', '/api/webhooks', {
      ...valid,
      events: ['request.created', 'request.decided'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^whk_/),
      url: 'https://hooks.example.com/agentgate',
      events: ['request.created', 'request.decided'],
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
    });
    const { id } = created.body;
    const listed = await manager('GET', '/api/webhooks');
    expect(listed.body.webhooks.map((w: { id: string }) => w.id)).toContain(id);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    const read = await manager('GET', `/api/webhooks/${id}`);
    expect(read.body).toEqual({
      id,
      url: valid.url,
      events: ['request.created', 'request.decided'],
      enabled: true,
      createdAt: created.body.createdAt,
      deliveries: [],
    });

    expect(await manager('DELETE', `/api/webhooks/${id}`)).toMatchObject({
      status: 200,
      body: { success: true, id },
    });
    expect((await manager('DELETE', `/api/webhooks/${id}`)).status).toBe(404);
    expect((await manager('GET', `/api/webhooks/${id}`)).body.code).toBe('not_found');
    const audit = await apiClient(t.url, t.adminKey)('GET', '/api/audit?actor=api:hooks');
    expect(audit.body.map((e: { eventType: string }) => e.eventType)).toEqual([
      'webhook_created',
      'webhook_deleted',
    ]);
  });

  it('never echoes a secret the caller chose', async () => {
    const created = await manager('POST', '/api/webhooks', {
      ...valid,
      secret: 'my-own-secret-of-enough-length',
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toBeUndefined();
  });

  it('refuses bad bodies with 400 and says what is wrong', async () => {
    for (const [body, path] of [
      [{ ...valid, events: [] }, 'events'],
      [{ ...valid, events: ['request.updated'] }, 'events.0'],
      [{ ...valid, secret: 'short' }, 'secret'],
      [{ ...valid, url: 'not a url' }, 'url'],
      [{ ...valid, extra: 1 }, 'body'],
      [{ events: ['request.created'] }, 'url'],
    ] as const) {
      const answer = await manager('POST', '/api/webhooks', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(
        answer.body.details.map((d: { path: string }) => d.path),
        JSON.stringify(body),
      ).toContain(path);
    }
  });

  it.each(HOSTILE_URLS)('refuses %s (%s) with 400', async (url) => {
    const answer = await manager('POST', '/api/webhooks', { url, events: ['request.created'] });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('validation_failed');
  });

  it('refuses every hostile URL on update too, and leaves the subscription as it was', async () => {
    const { id, url } = (await manager('POST', '/api/webhooks', valid)).body;
    const refused = await Promise.all(
      HOSTILE_URLS.map(([hostile]) => manager('PATCH', `/api/webhooks/${id}`, { url: hostile })),
    );
    for (const [i, answer] of refused.entries()) {
      expect([answer.status, answer.body.code], HOSTILE_URLS[i]![0]).toEqual([400, 'validation_failed']);
    }
    expect((await manager('GET', `/api/webhooks/${id}`)).body.url).toBe(url);
    await manager('DELETE', `/api/webhooks/${id}`);
  });

  it('explains a refused private target and how a self-hosted receiver is allowed', async () => {
    const answer = await manager('POST', '/api/webhooks', {
      url: 'http://[::ffff:127.0.0.1]:8080/',
      events: ['request.created'],
    });
    expect(answer.body.error).toBe(
      'The webhook url is refused: ::ffff:7f00:1 is a loopback address (self-hosted receivers on a private network: set AGENTGATE_WEBHOOK_ALLOW_PRIVATE=true).',
    );
  });

  it('answers 404 for the deliveries and test of an unknown subscription, 400 for a bad log query', async () => {
    expect((await manager('GET', '/api/webhooks/whk_nope/deliveries')).status).toBe(404);
    expect((await manager('POST', '/api/webhooks/whk_nope/test', {})).status).toBe(404);
    const { body } = await manager('POST', '/api/webhooks', valid);
    expect((await manager('GET', `/api/webhooks/${body.id}/deliveries?limit=0`)).status).toBe(400);
    expect((await manager('GET', `/api/webhooks/${body.id}/deliveries?status=lost`)).status).toBe(400);
    expect((await manager('GET', `/api/webhooks/${body.id}/deliveries`)).body).toEqual({ deliveries: [] });
  });
});
