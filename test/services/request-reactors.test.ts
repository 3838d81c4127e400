import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../app/adapters/memory/memory-store.js';
import type { Integration } from '../../app/integration.js';
import type { RequestRecord } from '../../app/ports/store.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

/** An integration that queues one job per change and records what its job handler ran. */
const ran: Array<{ change: string; requestId: string; status: string }> = [];
const recorder = (): Integration => ({
  name: 'recorder',
  reactor: {
    jobsFor: (change, request: RequestRecord) => [
      { kind: 'recorder.note', payload: { change, requestId: request.id, status: request.status } },
    ],
  },
  jobKinds: {
    'recorder.note': {
      handle: async (job) => void ran.push(job.payload as (typeof ran)[number]),
    },
  },
});

let t: TestServer;
let agent: Api;
let admin: Api;

beforeAll(async () => {
  t = await startTestServer({
    store: createMemoryStore(),
    integrations: [recorder],
    policies: {
      'p.yaml': 'rules:\n  - name: reads\n    if: { action: "read_*" }\n    decision: auto_approve\n',
    },
  });
  agent = (await keyClient(t.url, t.adminKey, 'agent', ['request:create'])).api;
  admin = apiClient(t.url, t.adminKey);
});
afterAll(() => t.close());

const notesFor = (id: string) => ran.filter((r) => r.requestId === id).map((r) => `${r.change}:${r.status}`);

describe('request reactions (the outbox)', () => {
  it('queues and runs "created" then "decided" jobs for a routed request', async () => {
    const { body } = await agent(
      'POST',
      '/api/requests',
      { action: 'deploy:x' },
      { 'idempotency-key': 'once' },
    );
    await until(() => notesFor(body.id).length === 1);
    expect(notesFor(body.id)).toEqual(['created:pending']);
    await admin('POST', `/api/requests/${body.id}/decide`, { decision: 'approved' });
    await until(() => notesFor(body.id).length === 2);
    expect(notesFor(body.id)).toEqual(['created:pending', 'decided:approved']);

    // A replayed create queues nothing new (jobs are queued with the change, before the answer).
    const queued = async () => (await t.store.listJobs({ kind: 'recorder.note', limit: 1000 })).length;
    const before = await queued();
    await agent('POST', '/api/requests', { action: 'deploy:x' }, { 'idempotency-key': 'once' });
    expect(await queued()).toBe(before);
  });

  it('reports a policy decision at creation as both created and decided', async () => {
    const { body } = await agent('POST', '/api/requests', { action: 'read_file' });
    await until(() => notesFor(body.id).length === 2);
    expect(notesFor(body.id).sort()).toEqual(['created:approved', 'decided:approved']);
  });

  it('reports expiry and cancellation as decided', async () => {
    const expiring = (await agent('POST', '/api/requests', { action: 'deploy:y', timeout: 1 })).body;
    const cancelled = (await agent('POST', '/api/requests', { action: 'deploy:z' })).body;
    await agent('POST', `/api/requests/${cancelled.id}/cancel`, {});
    await until(() => notesFor(expiring.id).length === 2 && notesFor(cancelled.id).length === 2);
    expect(notesFor(expiring.id)).toEqual(['created:pending', 'decided:expired']);
    expect(notesFor(cancelled.id)).toEqual(['created:pending', 'decided:cancelled']);
    const done = await t.store.listJobs({ kind: 'recorder.note', status: 'done', limit: 100 });
    expect(done.length).toBe(ran.length);
  });
});
