/**
 * One MCP tool call over Streamable HTTP costs its key one request of its rate limit: the endpoint
 * charges it, and the tool's own calls to the REST API are not charged again — but only those.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrepaidCalls } from '../../app/http/auth.js';
import { createMcpHttpIntegration } from '../../app/mcp-http/http-integration.js';
import { type Api, keyClient } from '../helpers/http.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { POLICIES } from './helpers.js';

let t: TestServer;
const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));

beforeAll(async () => {
  t = await startTestServer({ clock, policies: POLICIES, integrations: [createMcpHttpIntegration()] });
});
afterAll(() => t.close());

let nextId = 1;
const toolCall = (name: string, args: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id: nextId++,
  method: 'tools/call',
  params: { name, arguments: args },
});

async function postMcp(key: string, body: unknown) {
  const res = await fetch(`${t.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const messages = text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)));
  return { status: res.status, headers: res.headers, messages };
}

async function limitedKey(name: string, rateLimit: number): Promise<{ api: Api; key: string }> {
  return keyClient(t.url, t.adminKey, name, ['request:create', 'request:read'], { rateLimit });
}

describe('rate limit of MCP over Streamable HTTP', () => {
  it('charges one request per tool call, however many REST calls the tool makes', async () => {
    const { api, key } = await limitedKey('mcp-agent', 10);
    // request_approval creates, then waits for the decision: two REST calls inside.
    const approved = await postMcp(
      key,
      toolCall('request_approval', { action: 'read_file', wait_seconds: 5 }),
    );
    expect(approved.status).toBe(200);
    expect(approved.headers.get('x-ratelimit-remaining')).toBe('9');
    expect(approved.messages[0].result.structuredContent).toMatchObject({ status: 'approved' });
    const id = approved.messages[0].result.structuredContent.id;
    const checked = await postMcp(key, toolCall('check_request', { id }));
    expect(checked.messages[0].result.isError).toBe(false);
    const listed = await postMcp(key, toolCall('list_requests', {}));
    expect(listed.messages[0].result.isError).toBe(false);
    // Three tool calls, then this REST call: 10 - 3 - 1.
    expect((await api('GET', '/api/requests')).headers.get('x-ratelimit-remaining')).toBe('6');
  });

  it('refuses the tool call with 429 and Retry-After once the key has spent its limit', async () => {
    const { key } = await limitedKey('mcp-busy', 2);
    expect((await postMcp(key, toolCall('list_requests', {}))).status).toBe(200);
    expect((await postMcp(key, toolCall('list_requests', {}))).status).toBe(200);
    const refused = await postMcp(key, toolCall('list_requests', {}));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  });

  it('charges a batch one request per message', async () => {
    const { api, key } = await limitedKey('mcp-batch', 10);
    const batch = [
      toolCall('list_requests', {}),
      toolCall('list_requests', {}),
      toolCall('list_requests', {}),
    ];
    const res = await postMcp(key, batch);
    expect(res.status).toBe(200);
    expect((await api('GET', '/api/requests')).headers.get('x-ratelimit-remaining')).toBe('6');
    const { key: small } = await limitedKey('mcp-batch-small', 2);
    expect((await postMcp(small, batch)).status).toBe(429);
  });

  it('waives nothing for a forged or foreign prepaid header on the REST API', async () => {
    const { api } = await limitedKey('forger', 3);
    const forged = { 'X-AgentGate-Prepaid': 'A'.repeat(43) };
    const remaining = [];
    for (let i = 0; i < 3; i += 1) {
      remaining.push(
        (await api('GET', '/api/requests', undefined, forged)).headers.get('x-ratelimit-remaining'),
      );
    }
    expect(remaining).toEqual(['2', '1', '0']);
    expect((await api('GET', '/api/requests', undefined, forged)).status).toBe(429);
  });
});

describe('PrepaidCalls', () => {
  it('waives only the key that paid, only while the ticket lives, and stops issuing past its cap', () => {
    const prepaid = new PrepaidCalls(2);
    const a = prepaid.issue('key-a');
    expect(a).not.toBeNull();
    expect(prepaid.waives(a?.ticket, 'key-a')).toBe(true);
    expect(prepaid.waives(a?.ticket, 'key-b')).toBe(false);
    expect(prepaid.waives(undefined, 'key-a')).toBe(false);
    expect(prepaid.issue('key-b')).not.toBeNull();
    expect(prepaid.issue('key-c')).toBeNull();
    a?.release();
    expect(prepaid.waives(a?.ticket, 'key-a')).toBe(false);
    expect(prepaid.size).toBe(1);
  });
});
