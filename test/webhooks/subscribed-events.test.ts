import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FANOUT_JOB } from '../../app/webhooks/webhook-events.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
let admin: Api;
let agent: Api;

beforeAll(async () => {
  t = await startTestServer();
  admin = apiClient(t.url, t.adminKey);
  agent = (await keyClient(t.url, t.adminKey, 'agent', ['request:create'])).api;
});
afterAll(() => t.close());

const fanouts = async () =>
  (await t.store.listJobs({ kind: FANOUT_JOB, limit: 1000 })).map((j) => j.payload.event as string);

describe('webhook fan-out jobs', () => {
  it('are queued only for events that some subscription wants', async () => {
    await agent('POST', '/api/requests', { action: 'deploy:quiet' });
    expect(await fanouts()).toEqual([]); // no subscriptions: requests cost no extra work

    const hook = await admin('POST', '/api/webhooks', {
      url: 'http://127.0.0.1:9/hook',
      events: ['request.decided'],
    });
    expect(hook.status).toBe(201);
    const { body } = await agent('POST', '/api/requests', { action: 'deploy:watched' });
    await admin('POST', `/api/requests/${body.id}/decide`, { decision: 'denied' });
    expect(await fanouts()).toEqual(['request.decided']);

    await admin('DELETE', `/api/webhooks/${hook.body.id}`);
    const { body: later } = await agent('POST', '/api/requests', { action: 'deploy:quiet-again' });
    await admin('POST', `/api/requests/${later.id}/decide`, { decision: 'approved' });
    expect(await fanouts()).toEqual(['request.decided']);
  });
});
