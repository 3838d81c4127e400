/**
 * The MCP tools through the real MCP client (in-memory transport) against a real AgentGate server:
 * policies that approve, deny and route; waits decided by a human through the API; failures as
 * `isError` results a model can act on; and no tool that can decide.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { call, connectInMemory, EXPECTED_TOOLS, eventually, POLICIES } from './helpers.js';

let t: TestServer;
let agentKey: string;
let mcp: Client;
let operator: Api;
let agentApi: Api;

beforeAll(async () => {
  t = await startTestServer({ policies: POLICIES, sweepIntervalMs: 100 });
  const agent = await keyClient(t.url, t.adminKey, 'agent', ['request:create']);
  agentKey = agent.key;
  agentApi = agent.api;
  operator = (await keyClient(t.url, t.adminKey, 'operator', ['request:read', 'request:decide'])).api;
  mcp = await connectInMemory(t.url, agentKey);
});
afterAll(async () => {
  await mcp?.close();
  await t?.close();
});

/** Waits until the server holds a pending request for `action` and returns its id. */
function pendingIdOf(action: string): Promise<string> {
  return eventually(async () => {
    const res = await operator('GET', `/api/requests?status=pending&action=${encodeURIComponent(action)}`);
    return res.body.requests[0]?.id as string | undefined;
  });
}

describe('tools/list', () => {
  it('lists the five tools with their schemas (snapshot: a change is a visible diff)', async () => {
    const { tools } = await mcp.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(EXPECTED_TOOLS);
    await expect(`${JSON.stringify(tools, null, 2)}\n`).toMatchFileSnapshot(
      '__snapshots__/tools-list.json.snap',
    );
  });

  it('offers no way to decide: no decide/approve/deny/cancel tool, no decision argument', async () => {
    const { tools } = await mcp.listTools();
    for (const tool of tools) {
      expect(tool.name).not.toMatch(/decide|approve$|^approve|deny|reject|cancel|vote|override/i);
      const properties = Object.keys((tool.inputSchema.properties ?? {}) as object);
      expect(properties).not.toContain('decision');
      expect(properties).not.toContain('decidedBy');
    }
    const read = tools.filter((tool) => tool.annotations?.readOnlyHint === true).map((tool) => tool.name);
    expect(read.sort()).toEqual(['check_request', 'explain_policy', 'list_requests', 'wait_for_decision']);
  });

  it('leaves a pending request pending whatever tool an admin-key agent calls', async () => {
    const admin = await connectInMemory(t.url, t.adminKey);
    const created = await call(admin, 'request_approval', { action: 'deploy:self-approval', params: {} });
    const id = created.structured.id as string;
    const calls: [string, Record<string, unknown>][] = [
      ['check_request', { id }],
      ['wait_for_decision', { id, wait_seconds: 1 }],
      ['list_requests', { status: 'pending' }],
      ['explain_policy', { action: 'deploy:self-approval' }],
      ['request_approval', { action: 'deploy:self-approval', params: { id, decision: 'approved' } }],
      ['decide_request', { id, decision: 'approved' }],
      ['approve', { id }],
    ];
    for (const [name, args] of calls) await admin.callTool({ name, arguments: args });
    const after = await operator('GET', `/api/requests/${id}`);
    expect(after.body).toMatchObject({ status: 'pending', decidedBy: null });
    const unknownTool = await call(admin, 'decide_request', { id, decision: 'approved' });
    expect(unknownTool.isError).toBe(true);
    await admin.close();
  });
});

describe('request_approval', () => {
  it('returns a policy approval the model may act on', async () => {
    const result = await call(mcp, 'request_approval', {
      action: 'read_file',
      params: { path: '/etc/hosts' },
    });
    expect(result.isError).toBe(false);
    expect(result.structured).toMatchObject({
      status: 'approved',
      approved: true,
      action: 'read_file',
      decidedBy: 'policy',
      reviewUrl: null,
    });
    expect(result.structured.id).toMatch(/^req_/);
    expect(result.text).toBe(
      `Approved by policy rule "reads-are-safe": Reading never needs a human. You may now perform read_file, with exactly the params you requested (request ${result.structured.id}).`,
    );
  });

  it('returns a policy denial as an error result with the rule and its reason', async () => {
    const result = await call(mcp, 'request_approval', {
      action: 'send_email',
      params: { to: 'all@customers.example', subject: 'Big news' },
    });
    expect(result.isError).toBe(true);
    expect(result.structured).toMatchObject({
      status: 'denied',
      approved: false,
      decidedBy: 'policy',
      reason: 'not during the freeze',
    });
    expect(result.text).toBe(
      `Denied by policy (rule no-customer-email-during-freeze): not during the freeze. Do not perform send_email (request ${result.structured.id}).`,
    );
  });

  it('returns a routed request as pending, with who must approve and how a human decides it', async () => {
    const result = await call(mcp, 'request_approval', {
      action: 'deploy:staging',
      params: { ref: 'v1.2.3' },
      context: { task: 'ship the fix' },
      urgency: 'high',
    });
    expect(result.isError).toBe(false);
    expect(result.structured).toMatchObject({
      status: 'pending',
      approved: false,
      decidedBy: null,
      reviewUrl: null,
      requirements: [{ rule: 'deploys-need-a-human', count: 1, approvers: 'alice', approvedBy: [] }],
    });
    const id = result.structured.id as string;
    expect(result.text).toContain(`Request ${id} (deploy:staging) is pending: it awaits a human decision.`);
    expect(result.text).toContain(
      'A human decides it through the AgentGate API or CLI (no review link yet).',
    );
    expect(result.text).toContain('Needs 1 approval from alice (rule deploys-need-a-human).');
    expect(result.text).toContain(`Call wait_for_decision with id "${id}"`);
    const stored = await operator('GET', `/api/requests/${id}`);
    expect(stored.body).toMatchObject({
      urgency: 'high',
      params: { ref: 'v1.2.3' },
      context: { task: 'ship the fix' },
      requester: { type: 'api_key', name: 'agent' },
    });
  });

  // Not woken by the decision, the call would last its 30 s, past the test timeout.
  it('waits inline (wait_seconds) until a human approves through the API', async () => {
    const pending = call(mcp, 'request_approval', {
      action: 'deploy:production',
      params: { ref: 'v2' },
      wait_seconds: 30,
    });
    const id = await pendingIdOf('deploy:production');
    const decided = await operator('POST', `/api/requests/${id}/decide`, {
      decision: 'approved',
      reason: 'release window is open',
    });
    expect(decided.status).toBe(200);
    const result = await pending;
    expect(result.isError).toBe(false);
    expect(result.structured).toMatchObject({
      id,
      status: 'approved',
      approved: true,
      decidedBy: 'api:operator',
      reason: 'release window is open',
    });
    expect(result.text).toContain(
      'Approved by api:operator (an operator override through the AgentGate API, with 0 of 1 approval the policy asks for): release window is open. You may now perform',
    );
  });

  it('tells the model a human denial in words it can act on', async () => {
    const pending = call(mcp, 'request_approval', {
      action: 'send_email',
      params: { to: 'ceo@example.com' },
      wait_seconds: 30,
    });
    const id = await pendingIdOf('send_email');
    await operator('POST', `/api/requests/${id}/decide`, {
      decision: 'denied',
      reason: 'not during the freeze.',
    });
    const result = await pending;
    expect(result.isError).toBe(true);
    expect(result.structured).toMatchObject({
      id,
      status: 'denied',
      approved: false,
      decidedBy: 'api:operator',
    });
    expect(result.text).toBe(
      `Denied by api:operator (an operator override through the AgentGate API, with 0 of 1 approval the policy asks for): not during the freeze. Do not perform send_email (request ${id}).`,
    );
  });

  it('refuses invalid input with a result, not a protocol error', async () => {
    const tooLong = await call(mcp, 'request_approval', { action: 'deploy:x', wait_seconds: 301 });
    expect(tooLong.isError).toBe(true);
    expect(tooLong.text).toMatch(/wait_seconds/);
    const badAction = await call(mcp, 'request_approval', { action: 'deploy *' });
    expect(badAction.isError).toBe(true);
    expect(badAction.text).toMatch(/action may contain only/);
  });
});

describe('wait_for_decision and check_request', () => {
  it('returns still-pending after the bound, with progress notifications while waiting', async () => {
    const created = await call(mcp, 'request_approval', { action: 'deploy:canary' });
    const id = created.structured.id as string;
    const progress: string[] = [];
    const values: number[] = [];
    const started = Date.now();
    const result = await mcp.callTool(
      { name: 'wait_for_decision', arguments: { id, wait_seconds: 2 } },
      undefined,
      {
        onprogress: (p) => {
          progress.push(p.message ?? '');
          values.push(p.progress);
        },
      },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900); // a lower bound: load only adds
    expect(result.isError).toBe(false);
    expect(result.structuredContent).toMatchObject({ id, status: 'pending', approved: false });
    expect((result.content as { text: string }[])[0]?.text).toMatch(/^No decision after 2 s\.\nRequest /);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toContain(`Request ${id} still awaits a human decision`);
    // MCP: progress increases with every notification, and stays within the total.
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1] as number);
    expect(values.at(-1)).toBeLessThanOrEqual(2);
  });

  it('returns at once when the request is already decided', async () => {
    const approved = await call(mcp, 'request_approval', { action: 'read_db' });
    // Waiting out wait_seconds: 60 would fail by the test timeout.
    const result = await call(mcp, 'wait_for_decision', { id: approved.structured.id, wait_seconds: 60 });
    expect(result.structured).toMatchObject({ status: 'approved', approved: true });
  });

  it('reports expiry as an error result', async () => {
    const created = await call(mcp, 'request_approval', { action: 'deploy:expiring', timeout: 1 });
    const id = created.structured.id as string;
    const result = await call(mcp, 'wait_for_decision', { id, wait_seconds: 10 });
    expect(result.isError).toBe(true);
    expect(result.structured).toMatchObject({
      id,
      status: 'expired',
      decidedBy: 'system:expiry',
      approved: false,
    });
    expect(result.text).toMatch(
      new RegExp(
        `^Request ${id} \\(deploy:expiring\\) expired at .+ without a decision\\. Do not perform deploy:expiring`,
      ),
    );
  });

  it('reports a cancelled request as an error result', async () => {
    const created = await call(mcp, 'request_approval', { action: 'deploy:cancelled' });
    const id = created.structured.id as string;
    await agentApi('POST', `/api/requests/${id}/cancel`, { reason: 'task abandoned' });
    const result = await call(mcp, 'check_request', { id });
    expect(result.isError).toBe(true);
    expect(result.structured).toMatchObject({ id, status: 'cancelled', reason: 'task abandoned' });
    expect(result.text).toBe(
      `Request ${id} (deploy:cancelled) was cancelled by api:agent: task abandoned. Do not perform deploy:cancelled.`,
    );
  });

  it('reports an unknown id as an error result that says what to do', async () => {
    for (const [name, args] of [
      ['check_request', { id: 'req_nope' }],
      ['wait_for_decision', { id: 'req_nope', wait_seconds: 5 }],
    ] as const) {
      const result = await call(mcp, name, args);
      expect(result.isError).toBe(true);
      expect(result.structured).toMatchObject({
        id: 'req_nope',
        status: null,
        approved: false,
        error: { code: 'not_found' },
      });
      expect(result.text).toContain('No request with id "req_nope" exists');
    }
  });
});

describe('list_requests', () => {
  it('filters by status and action and pages', async () => {
    await call(mcp, 'request_approval', { action: 'deploy:list-me' });
    await call(mcp, 'request_approval', { action: 'deploy:list-me' });
    const page = await call(mcp, 'list_requests', { status: 'pending', action: 'deploy:list-me', limit: 1 });
    expect(page.isError).toBe(false);
    expect(page.structured.requests).toHaveLength(1);
    expect(page.structured.requests[0]).toMatchObject({ status: 'pending', action: 'deploy:list-me' });
    expect(page.structured.pagination).toEqual({ total: 2, limit: 1, offset: 0, hasMore: true });
    expect(page.text).toContain(
      'Requests 1–1 of 2 with status pending and action deploy:list-me, newest first:',
    );
    expect(page.text).toContain('More: call again with offset 1.');
    const none = await call(mcp, 'list_requests', { action: 'nothing_like_this' });
    expect(none.structured).toMatchObject({ requests: [], pagination: { total: 0 } });
    expect(none.text).toBe('No requests with action nothing_like_this.');
  });
});

describe('explain_policy', () => {
  it('says whether an action would be approved, denied or routed, and why, without storing it', async () => {
    const before = (await apiClient(t.url, t.adminKey)('GET', '/api/requests')).body.pagination.total;
    const approve = await call(mcp, 'explain_policy', { action: 'read_logs' });
    expect(approve.isError).toBe(false);
    expect(approve.structured).toMatchObject({
      outcome: 'approved',
      decision: 'auto_approve',
      rules: ['reads-are-safe'],
    });
    expect(approve.text).toContain('read_logs would be approved at once by policy (rule reads-are-safe)');

    const deny = await call(mcp, 'explain_policy', {
      action: 'send_email',
      params: { to: 'x@customers.example' },
    });
    expect(deny.structured).toMatchObject({ outcome: 'denied', rules: ['no-customer-email-during-freeze'] });
    expect(deny.text).toBe(
      'send_email would be denied by policy (rule no-customer-email-during-freeze): not during the freeze. Do not perform send_email; requesting it would be denied.',
    );

    const route = await call(mcp, 'explain_policy', { action: 'deploy:production', urgency: 'critical' });
    expect(route.structured).toMatchObject({
      outcome: 'routed_to_human',
      requirements: [{ rule: 'deploys-need-a-human', count: 1, approvers: 'alice' }],
    });
    expect(route.text).toContain(
      'It needs 1 approval from alice (rule deploys-need-a-human, via issue, expires after 2h).',
    );

    const unmatched = await call(mcp, 'explain_policy', { action: 'rename_repo' });
    expect(unmatched.structured).toMatchObject({ outcome: 'routed_to_human', rules: [] });
    expect(unmatched.text).toBe(
      'rename_repo would be routed to a human: No rule matched; needs 1 approval from anyone with write access or more. It needs 1 approval from anyone with write access or more (rule default, via issue). Call request_approval (with wait_seconds to wait for the decision) to ask.',
    );

    const after = (await apiClient(t.url, t.adminKey)('GET', '/api/requests')).body.pagination.total;
    expect(after).toBe(before);
  });
});

describe('server failures', () => {
  it('are error results that say the action is not approved', async () => {
    const down = await startTestServer();
    const url = down.url;
    await down.close();
    const client = await connectInMemory(url, agentKey, 0);
    const result = await call(client, 'request_approval', { action: 'deploy:production' });
    expect(result.isError).toBe(true);
    expect(result.structured).toMatchObject({
      id: null,
      status: null,
      approved: false,
      error: { code: 'network_error' },
    });
    expect(result.text).toContain(`Could not reach the AgentGate server at ${url}`);
    expect(result.text).toContain('deploy:production is not approved: do not perform it.');
    await client.close();
  });

  it('a revoked key is told apart from a decision', async () => {
    const key = await keyClient(t.url, t.adminKey, 'revoked-agent', ['request:create']);
    await apiClient(t.url, t.adminKey)('DELETE', `/api/api-keys/${key.id}`);
    const client = await connectInMemory(t.url, key.key);
    const result = await call(client, 'request_approval', { action: 'deploy:production' });
    expect(result.isError).toBe(true);
    expect(result.structured.error.code).toBe('unauthorized');
    expect(result.text).toContain('AgentGate rejected the API key');
    await client.close();
  });
});
