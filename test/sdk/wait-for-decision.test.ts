import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentGateClient, AgentGateError, type ApprovalRequest, TimeoutError } from '../../sdk/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { type ProxiedCall, startFlakyProxy, type Verdict } from './flaky-proxy.js';

let server: TestServer;
let admin: AgentGateClient;
/** Creates requests: the credentials that created a request can never decide it. */
let agent: AgentGateClient;

beforeAll(async () => {
  server = await startTestServer();
  admin = new AgentGateClient({ baseUrl: server.url, apiKey: server.adminKey });
  const { key } = await admin.createApiKey({ name: 'agent', scopes: ['request:create', 'request:read'] });
  agent = new AgentGateClient({ baseUrl: server.url, apiKey: key });
});
afterAll(() => server.close());

/** Decisions and aborts happen when the proxy sees a given call, never after a fixed delay. */

describe('waitForDecision', () => {
  it('returns on the decision, using one long-poll', async () => {
    const { id } = await agent.request({ action: 'deploy' });
    const proxy = await startFlakyProxy(server.url, async (): Promise<Verdict> => {
      await admin.decide(id, 'approved', { reason: 'ship it' });
      return 'forward';
    });
    try {
      const client = new AgentGateClient({ baseUrl: proxy.url, apiKey: server.adminKey });
      const decided = await client.waitForDecision(id, { timeout: 10_000 });
      expect(decided).toMatchObject({ id, status: 'approved', decisionReason: 'ship it' });
      expect(proxy.calls).toHaveLength(1);
      expect(proxy.calls[0]?.path).toMatch(new RegExp(`^/api/requests/${id}/wait\\?timeout=(9|10)$`));
    } finally {
      await proxy.close();
    }
  });

  it('answers at once for a decided request and reports progress', async () => {
    const { id } = await agent.request({ action: 'deploy' });
    await admin.decide(id, 'denied', { reason: 'no' });
    const seen: ApprovalRequest[] = [];
    const decided = await admin.waitForDecision(id, { onProgress: (r) => seen.push(r) });
    expect(decided.status).toBe('denied');
    expect(seen.map((r) => r.status)).toEqual(['denied']);
  });

  it('throws TimeoutError after its timeout, carrying the pending request', async () => {
    const { id } = await agent.request({ action: 'deploy' });
    const started = Date.now();
    const error = await admin.waitForDecision(id, { timeout: 1200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(AgentGateError);
    expect(error).toMatchObject({ code: 'timeout', status: 408 });
    // A lower bound only: it did wait; a busy machine makes it later, never earlier.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1150);
    expect((await admin.getRequest(id)).status).toBe('pending');
    expect((error as TimeoutError).request).toMatchObject({ id, status: 'pending' });
  });

  it('hears from the server before a whole-second timeout runs out', async () => {
    const { id } = await agent.request({ action: 'deploy' });
    const seen: ApprovalRequest[] = [];
    const error = await admin
      .waitForDecision(id, { timeout: 2000, onProgress: (r) => seen.push(r) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    // The long-poll ends before our deadline, so its fresh state is not lost to the race.
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect((error as TimeoutError).request).toMatchObject({ id, status: 'pending' });
  });

  it('re-issues the long-poll until the decision arrives', async () => {
    const { id } = await agent.request({ action: 'deploy' });
    // The decision lands while the second long-poll is on its way.
    const proxy = await startFlakyProxy(server.url, async (_call, index): Promise<Verdict> => {
      if (index === 1) await admin.decide(id, 'approved');
      return 'forward';
    });
    try {
      const client = new AgentGateClient({ baseUrl: proxy.url, apiKey: server.adminKey });
      const decided = await client.waitForDecision(id, { timeout: 10_000, longPollSeconds: 1 });
      expect(decided.status).toBe('approved');
      const waits = proxy.calls.filter((c) => c.path.startsWith(`/api/requests/${id}/wait?timeout=1`));
      expect(waits.length).toBeGreaterThanOrEqual(2);
    } finally {
      await proxy.close();
    }
  });

  it('survives connection resets mid-wait and completes when the decision lands', async () => {
    const { id } = await agent.request({ action: 'deploy' });
    // The first long-poll is cut after 300 ms, the next two are refused outright: a network blip.
    const proxy = await startFlakyProxy(server.url, async (_call, index) => {
      if (index === 0) {
        await new Promise((r) => setTimeout(r, 300));
        return 'reset';
      }
      if (index === 2) await admin.decide(id, 'approved', { reason: 'during the blip' });
      return index <= 2 ? 'reset' : 'forward';
    });
    try {
      const client = new AgentGateClient({ baseUrl: proxy.url, apiKey: server.adminKey });
      const decided = await client.waitForDecision(id, { timeout: 15_000 });
      expect(decided).toMatchObject({ status: 'approved', decisionReason: 'during the blip' });
      expect(proxy.calls.length).toBeGreaterThanOrEqual(4);
    } finally {
      await proxy.close();
    }
  });

  it('survives 5xx answers with backoff', async () => {
    const { id } = await agent.request({ action: 'deploy' });
    const times: number[] = [];
    const proxy = await startFlakyProxy(server.url, (_call, index) => {
      times.push(Date.now());
      return index < 3
        ? { status: index === 1 ? 502 : 503, body: { error: 'Down for a moment.', code: 'unavailable' } }
        : 'forward';
    });
    try {
      await admin.decide(id, 'approved');
      const client = new AgentGateClient({ baseUrl: proxy.url, apiKey: server.adminKey });
      const decided = await client.waitForDecision(id, { timeout: 15_000 });
      expect(decided.status).toBe('approved');
      expect(proxy.calls).toHaveLength(4);
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
      expect(gaps.every((gap) => gap >= 200)).toBe(true); // backed off, did not hammer
    } finally {
      await proxy.close();
    }
  });

  it('does not retry a 4xx: an unknown id is not_found at once', async () => {
    const proxy = await startFlakyProxy(server.url, () => 'forward');
    try {
      const client = new AgentGateClient({ baseUrl: proxy.url, apiKey: server.adminKey });
      const error = await client.waitForDecision('req_nope', { timeout: 10_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AgentGateError);
      expect(error).toMatchObject({ status: 404, code: 'not_found' });
      // The long-poll's 404 is checked once with a plain read (a server without /wait), no more.
      expect(proxy.calls.map((c) => c.path.split('?')[0])).toEqual([
        '/api/requests/req_nope/wait',
        '/api/requests/req_nope',
      ]);
    } finally {
      await proxy.close();
    }
  });
});

describe('waitForDecision and AbortSignal', () => {
  // Each wait below would last 30 s, past the test timeout, if the abort did not end it.
  it('stops promptly when aborted during a long-poll', async () => {
    const { id } = await agent.request({ action: 'deploy' });
    const controller = new AbortController();
    const proxy = await startFlakyProxy(server.url, () => {
      setImmediate(() => controller.abort());
      return 'forward';
    });
    try {
      const client = new AgentGateClient({ baseUrl: proxy.url, apiKey: server.adminKey });
      const error = await client
        .waitForDecision(id, { timeout: 30_000, signal: controller.signal })
        .catch((e: unknown) => e);
      expect((error as Error).name).toBe('AbortError');
    } finally {
      await proxy.close();
    }
  });

  it('stops promptly when aborted during backoff, with the caller’s reason', async () => {
    const controller = new AbortController();
    // Aborted after the second reset, while the client backs off before a third try.
    const proxy = await startFlakyProxy(server.url, (_call, index) => {
      if (index === 1) setTimeout(() => controller.abort(new Error('shutting down')), 1);
      return 'reset';
    });
    try {
      const client = new AgentGateClient({ baseUrl: proxy.url, apiKey: server.adminKey });
      const error = await client
        .waitForDecision('req_any', { timeout: 30_000, signal: controller.signal })
        .catch((e: unknown) => e);
      expect((error as Error).message).toBe('shutting down');
      expect(proxy.calls.length).toBeGreaterThanOrEqual(2);
    } finally {
      await proxy.close();
    }
  });

  it('rejects at once for an already-aborted signal', async () => {
    const error = await admin
      .waitForDecision('req_any', { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
  });
});

describe('waitForDecision against a server without /wait (the original AgentGate)', () => {
  /** Answers `/wait` the way the original server answered unknown routes. */
  const withoutWait = (url: string, beforeForwarding: (call: ProxiedCall) => unknown = () => {}) =>
    startFlakyProxy(url, async (call): Promise<Verdict> => {
      if (call.path.includes('/wait'))
        return { status: 404, body: { error: { code: 'not_found', message: 'Route not found' } } };
      await beforeForwarding(call);
      return 'forward';
    });

  it('falls back to polling every pollInterval', async () => {
    const { id } = await agent.request({ action: 'deploy' });
    let polls = 0;
    const proxy = await withoutWait(server.url, async (call) => {
      if (call.path === `/api/requests/${id}` && ++polls === 3) await admin.decide(id, 'approved');
    });
    try {
      const client = new AgentGateClient({ baseUrl: proxy.url, apiKey: server.adminKey });
      const decided = await client.waitForDecision(id, { timeout: 10_000, pollInterval: 200 });
      expect(decided.status).toBe('approved');
      const paths = proxy.calls.map((c) => c.path);
      expect(paths.filter((p) => p.includes('/wait'))).toHaveLength(1);
      const polls = paths.filter((p) => p === `/api/requests/${id}`);
      expect(polls.length).toBeGreaterThanOrEqual(3);
      expect(polls.length).toBeLessThan(10);
    } finally {
      await proxy.close();
    }
  });

  it('still reports an unknown id as not_found, with the original error format parsed', async () => {
    const proxy = await startFlakyProxy(server.url, () => ({
      status: 404,
      body: { error: { code: 'not_found', message: 'Request not found' } },
    }));
    try {
      const client = new AgentGateClient({ baseUrl: proxy.url, apiKey: server.adminKey });
      const error = await client.waitForDecision('req_missing', { timeout: 5000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AgentGateError);
      expect(error).toMatchObject({ status: 404, code: 'not_found', message: 'Request not found' });
      const paths = proxy.calls.map((c) => c.path);
      expect(paths).toHaveLength(2);
      expect(paths[0]).toMatch(/^\/api\/requests\/req_missing\/wait\?timeout=[45]$/);
      expect(paths[1]).toBe('/api/requests/req_missing');
    } finally {
      await proxy.close();
    }
  });
});
