/**
 * MCP over Streamable HTTP at `/mcp` on the real server: the SDK's client transport, the same API
 * keys and scopes as the REST API, 401 before any MCP handling, and tools that act with the
 * caller's own key against the server itself.
 */
import { request as httpRequest } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpHttpIntegration } from '../../app/mcp-http/http-integration.js';
import { type Api, apiClient, keyClient } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { call, EXPECTED_TOOLS, eventually, POLICIES } from './helpers.js';

let t: TestServer;
let agentKey: string;
let operator: Api;
const clients: Client[] = [];

async function connectHttp(key: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  const client = new Client({ name: 'agentgate-http-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

beforeAll(async () => {
  t = await startTestServer({ policies: POLICIES, integrations: [createMcpHttpIntegration()] });
  agentKey = (await keyClient(t.url, t.adminKey, 'http-agent', ['request:create'])).key;
  operator = (await keyClient(t.url, t.adminKey, 'operator', ['request:read', 'request:decide'])).api;
});
afterAll(async () => {
  for (const client of clients) await client.close();
  await t?.close();
});

describe('MCP over Streamable HTTP at /mcp', () => {
  it('lists the tools and acts with the caller’s own key', async () => {
    const mcp = await connectHttp(agentKey);
    const { tools } = await mcp.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(EXPECTED_TOOLS);
    const result = await call(mcp, 'request_approval', {
      action: 'read_file',
      params: { path: 'README.md' },
    });
    expect(result.isError).toBe(false);
    expect(result.structured).toMatchObject({ status: 'approved', approved: true });
    const stored = await operator('GET', `/api/requests/${result.structured.id}`);
    expect(stored.body.requester).toEqual({ type: 'api_key', name: 'http-agent' });
  });

  it('waits inline for a human decided through the API with another key', async () => {
    const mcp = await connectHttp(agentKey);
    const pending = call(mcp, 'request_approval', { action: 'deploy:http', wait_seconds: 30 });
    const id = await eventually(async () => {
      const res = await operator('GET', '/api/requests?status=pending&action=deploy:http');
      return res.body.requests[0]?.id as string | undefined;
    });
    await operator('POST', `/api/requests/${id}/decide`, {
      decision: 'denied',
      reason: 'not during the freeze',
    });
    const result = await pending;
    expect(result.isError).toBe(true);
    expect(result.text).toBe(
      `Denied by api:operator (an operator override through the AgentGate API, with 0 of 1 approval the policy asks for): not during the freeze. Do not perform deploy:http (request ${id}).`,
    );
  });

  it('answers 401 JSON before any MCP handling when the key is missing or wrong', async () => {
    for (const authorization of [undefined, 'Bearer agk_not_a_real_key', 'Basic dXNlcjpwYXNz']) {
      const res = await fetch(`${t.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(authorization && { authorization }),
        },
        body: JSON.stringify(INITIALIZE),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="agentgate"');
      expect(await res.json()).toMatchObject({ code: 'unauthorized', error: expect.any(String) });
    }
    const transport = new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`));
    await expect(new Client({ name: 'no-key', version: '1' }).connect(transport)).rejects.toThrow();
  });

  it('enforces scopes: a key without request:create gets an isError result from request_approval', async () => {
    const reader = await keyClient(t.url, t.adminKey, 'reader', ['request:read']);
    const mcp = await connectHttp(reader.key);
    const result = await call(mcp, 'request_approval', { action: 'deploy:production' });
    expect(result.isError).toBe(true);
    expect(result.structured).toMatchObject({
      id: null,
      status: null,
      approved: false,
      error: { code: 'forbidden' },
    });
    expect(result.text).toContain('request:create');
    expect(result.text).toContain('deploy:production is not approved: do not perform it.');
    const listed = await call(mcp, 'list_requests', {});
    expect(listed.isError).toBe(false);
  });

  it('ignores the Host header: tools always call this server (no SSRF)', async () => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'request_approval', arguments: { action: 'read_host_test' } },
    });
    const port = new URL(t.url).port;
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/mcp',
          method: 'POST',
          headers: {
            host: '169.254.169.254',
            authorization: `Bearer ${agentKey}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(answer.status).toBe(200);
    const data = answer.text.split('\n').find((line) => line.startsWith('data: '));
    const message = JSON.parse(data?.slice('data: '.length) ?? answer.text);
    expect(message.result.structuredContent).toMatchObject({ status: 'approved', action: 'read_host_test' });
  });

  it('answers GET and DELETE with 405 (stateless), and leaves the REST API’s JSON parsing alone', async () => {
    const get = await fetch(`${t.url}/mcp`, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const created = await apiClient(t.url, agentKey)('POST', '/api/requests', { action: 'read_after_mcp' });
    expect(created.status).toBe(201);
    const health = await apiClient(t.url)('GET', '/health');
    expect(health.body.integrations.mcp).toEqual({ path: '/mcp', transport: 'streamable-http' });
  });
});
