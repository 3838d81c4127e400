import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../app/adapters/memory/memory-store.js';
import { type Store, StoreError } from '../../app/ports/store.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

let t: TestServer;
let agent: Api;
let operator: Api;

beforeAll(async () => {
  t = await startTestServer();
  agent = (await keyClient(t.url, t.adminKey, 'agent', ['request:create'])).api;
  operator = (await keyClient(t.url, t.adminKey, 'operator', ['request:decide', 'request:read'])).api;
});
afterAll(() => t.close());

describe('GET /api/requests/:id/wait', () => {
  // Timing is bench/server.ts's job; here a waiter the decision did not wake would answer
  // "pending" at its 30 s timeout, after the test timeout.
  it('answers when the decision is made', async () => {
    const { body } = await agent('POST', '/api/requests', { action: 'deploy:wait' });
    const waiting = agent('GET', `/api/requests/${body.id}/wait?timeout=30`);
    await until(() => t.server.hub.size === 1);
    await operator('POST', `/api/requests/${body.id}/decide`, { decision: 'approved' });
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: body.id, status: 'approved', decidedBy: 'api:operator' });
    expect(t.server.hub.size).toBe(0);
  });

  it('answers at once when already decided', async () => {
    const { body } = await agent('POST', '/api/requests', { action: 'deploy:done' });
    await agent('POST', `/api/requests/${body.id}/cancel`, {});
    // Waiting out timeout=60 would fail the test by its timeout.
    const res = await agent('GET', `/api/requests/${body.id}/wait?timeout=60`);
    expect(res.body.status).toBe('cancelled');
  });

  it('answers with the pending request at the timeout', async () => {
    const { body } = await agent('POST', '/api/requests', { action: 'deploy:slow' });
    const started = performance.now();
    const res = await agent('GET', `/api/requests/${body.id}/wait?timeout=1`);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('pending');
    // A lower bound only: a busy machine makes it later, never earlier.
    expect(elapsed).toBeGreaterThanOrEqual(950);
  });

  it.each(['61', 'abc', '-1', '1.5'])('refuses timeout=%s', async (timeout) => {
    const { body } = await agent('POST', '/api/requests', { action: 'deploy:bad-wait' });
    const res = await agent('GET', `/api/requests/${body.id}/wait?timeout=${timeout}`);
    expect(res.status).toBe(400);
  });

  it('forgets a waiter whose client goes away', async () => {
    const { body } = await agent('POST', '/api/requests', { action: 'deploy:abandoned' });
    const controller = new AbortController();
    const pending = fetch(`${t.url}/api/requests/${body.id}/wait?timeout=30`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
      signal: controller.signal,
    }).catch(() => 'aborted');
    await until(() => t.server.hub.size === 1);
    controller.abort();
    expect(await pending).toBe('aborted');
    await until(() => t.server.hub.size === 0);
  });

  it('holds a thousand concurrent waiters and wakes each with its own decision', async () => {
    const admin = apiClient(t.url, t.adminKey);
    const ids: string[] = [];
    for (let i = 0; i < 50; i += 1)
      ids.push((await agent('POST', '/api/requests', { action: 'deploy:many' })).body.id);
    const waits = Array.from({ length: 1000 }, (_, i) =>
      admin('GET', `/api/requests/${ids[i % 50]}/wait?timeout=30`),
    );
    await until(() => t.server.hub.size === 1000);
    await Promise.all(
      ids.map((id, i) =>
        operator('POST', `/api/requests/${id}/decide`, { decision: i % 2 ? 'approved' : 'denied' }),
      ),
    );
    const answers = await Promise.all(waits);
    answers.forEach((res, i) => {
      expect(res.body.id).toBe(ids[i % 50]);
      expect(res.body.status).toBe((i % 50) % 2 ? 'approved' : 'denied');
    });
  });
});

describe('graceful shutdown', () => {
  it('answers waiters with the current state before closing', async () => {
    const own = await startTestServer();
    const admin = apiClient(own.url, own.adminKey);
    const { body } = await admin('POST', '/api/requests', { action: 'deploy:shutdown' });
    const waiting = admin('GET', `/api/requests/${body.id}/wait?timeout=30`);
    await until(() => own.server.hub.size === 1);
    await own.close();
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: body.id, status: 'pending' });
  });
});

describe('a busy store', () => {
  it('answers 503 with Retry-After on the long-poll route, exactly as on the express routes', async () => {
    // A store whose reads fail as SQLite's do when another writer holds the lock too long.
    const memory = createMemoryStore();
    let busy = false;
    const store: Store = Object.create(memory, {
      getRequest: {
        value: (id: string) =>
          busy
            ? Promise.reject(
                new StoreError('busy', `Could not read request ${id}: the database stayed locked.`),
              )
            : memory.getRequest(id),
      },
    });
    const server = await startTestServer({ store });
    try {
      const api = apiClient(server.url, server.adminKey);
      const { body } = await api('POST', '/api/requests', { action: 'deploy:busy' });
      busy = true;
      const longPoll = await api('GET', `/api/requests/${body.id}/wait?timeout=5`);
      const express = await api('GET', `/api/requests/${body.id}`);
      for (const res of [longPoll, express]) {
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(res.body).toEqual({
          error: 'The database is busy or shutting down; try again in a moment.',
          code: 'unavailable',
        });
      }
    } finally {
      busy = false;
      await server.close();
    }
  });
});
