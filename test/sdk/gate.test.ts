import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AgentGateClient, type ApprovalRequest, DeniedError, gate, TimeoutError } from '../../sdk/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

const POLICIES = {
  'main.yaml': `
rules:
  - name: reads-are-safe
    if: { action: "read_*" }
    decision: auto_approve
  - name: never-drop-prod
    if: { action: "db.drop*", params.database: prod }
    decision: auto_deny
    reason: Agents never drop production databases
`,
};

let server: TestServer;
let admin: AgentGateClient;
let agent: AgentGateClient;

beforeAll(async () => {
  server = await startTestServer({ policies: POLICIES });
  admin = new AgentGateClient({ baseUrl: server.url, apiKey: server.adminKey });
  const { key } = await admin.createApiKey({
    name: 'gate-agent',
    scopes: ['request:create', 'request:read'],
  });
  agent = new AgentGateClient({ baseUrl: server.url, apiKey: key });
});
afterAll(() => server.close());

/** Decides the agent's newest pending request for `action` as soon as it shows up. */
async function decideWhenPending(action: string, decision: 'approved' | 'denied', reason: string) {
  for (let i = 0; i < 100; i++) {
    const { requests } = await admin.listRequests({ action, status: 'pending' });
    if (requests[0]) return admin.decide(requests[0].id, decision, { reason });
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no pending ${action} request showed up`);
}

describe('gate', () => {
  it('runs fn when a policy approves, and resolves to its result', async () => {
    const fn = vi.fn(async (request: ApprovalRequest) => `read ${request.params.path}`);
    await expect(gate(agent, 'read_file', { path: 'README.md' }, fn)).resolves.toBe('read README.md');
    expect(fn).toHaveBeenCalledOnce();
    expect(fn.mock.calls[0]?.[0]).toMatchObject({ status: 'approved', decidedBy: 'policy' });
  });

  it('never runs fn on a policy denial, and says who and why', async () => {
    const fn = vi.fn();
    const error = await gate(agent, 'db.drop_table', { database: 'prod', table: 'users' }, fn).catch(
      (e: unknown) => e,
    );
    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(DeniedError);
    expect(error).toMatchObject({
      status: 'denied',
      decidedBy: 'policy',
      reason: 'Agents never drop production databases',
      code: 'denied',
    });
    expect((error as DeniedError).request.action).toBe('db.drop_table');
    expect((error as Error).message).toContain('Agents never drop production databases');
  });

  it('waits for a human approval, then runs fn exactly once', async () => {
    const action = `payments.send.${Date.now()}`;
    const fn = vi.fn(() => 'paid');
    const pending = vi.fn();
    const decided = decideWhenPending(action, 'approved', 'invoice checked');
    const result = await agent.gate(action, { amount: 5000 }, fn, { timeout: '10m', onPending: pending });
    await decided;
    expect(result).toBe('paid');
    expect(fn).toHaveBeenCalledOnce();
    expect(pending).toHaveBeenCalledOnce();
    expect(pending.mock.calls[0]?.[0]).toMatchObject({ action, status: 'pending' });
  });

  it('throws DeniedError with the human decider and reason', async () => {
    const action = `email.send.${Date.now()}`;
    const fn = vi.fn();
    const decided = decideWhenPending(action, 'denied', 'not to the whole company');
    const error = await gate(agent, action, { to: 'all@example.com' }, fn).catch((e: unknown) => e);
    await decided;
    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(DeniedError);
    expect(error).toMatchObject({ status: 'denied', reason: 'not to the whole company' });
    expect((error as DeniedError).decidedBy).toMatch(/^api:/);
  });

  it('gives up after waitTimeout and cancels the request so nobody approves it later', async () => {
    const action = `deploy.${Date.now()}`;
    const fn = vi.fn();
    const error = await gate(agent, action, {}, fn, { waitTimeout: 800 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(fn).not.toHaveBeenCalled();
    const { requests } = await admin.listRequests({ action });
    expect(requests.map((r) => r.status)).toEqual(['cancelled']);
  });

  it('can leave the request pending when asked to', async () => {
    const action = `deploy.${Date.now()}`;
    const controller = new AbortController();
    // Abandoned once the request exists and is waited on.
    void until(async () => (await admin.listRequests({ action, status: 'pending' })).requests[0]).then(() =>
      controller.abort(),
    );
    const error = await gate(agent, action, {}, vi.fn(), {
      signal: controller.signal,
      cancelOnAbandon: false,
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    const { requests } = await admin.listRequests({ action });
    expect(requests.map((r) => r.status)).toEqual(['pending']);
  });

  it('propagates an error thrown by fn after approval', async () => {
    await expect(
      gate(agent, 'read_db', {}, () => {
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
  });
});
