/** Shared setup of the MCP tests: a real server with policies that approve, deny and route. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createMcpServer } from '../../mcp/create-mcp-server.js';
import { AgentGateClient } from '../../sdk/index.js';

export const POLICIES = {
  'main.yaml': `
rules:
  - name: reads-are-safe
    description: Reading never needs a human
    if: { action: "read_*" }
    decision: auto_approve
  - name: no-customer-email-during-freeze
    if:
      action: send_email
      params.to: { ends_with: "@customers.example" }
    decision: auto_deny
    reason: not during the freeze
  - name: deploys-need-a-human
    description: Production changes need a maintainer
    if: { action: ["deploy:*", "send_email"] }
    decision: route_to_human
    route:
      approvers: { users: [alice] }
      count: 1
      timeout: 2h
`,
};

/** The real MCP client connected to `createMcpServer` over an in-memory transport pair. */
export async function connectInMemory(baseUrl: string, apiKey: string, retries?: number): Promise<Client> {
  const server = createMcpServer({
    client: new AgentGateClient({ baseUrl, apiKey, ...(retries !== undefined && { retries }) }),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'agentgate-test', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

/** `callTool` narrowed to the plain tool result, with its text joined. */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult & { text: string; structured: any }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
  return { ...result, text, structured: result.structuredContent };
}

/** Resolves when `check` returns a value (polled every 20 ms), so tests wait for conditions, never sleep. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const EXPECTED_TOOLS = [
  'check_request',
  'explain_policy',
  'list_requests',
  'request_approval',
  'wait_for_decision',
];
