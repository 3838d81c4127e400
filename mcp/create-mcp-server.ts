/**
 * The AgentGate MCP server: approvals as tools over the SDK client. Hosts (stdio, Streamable HTTP)
 * only build a client and connect a transport.
 *
 * There is deliberately no tool that decides or cancels a request: an agent never approves itself.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AgentGateClient } from '../sdk/index.js';
import { registerCheckRequest } from './tools/check-request.js';
import { registerExplainPolicy } from './tools/explain-policy.js';
import { registerListRequests } from './tools/list-requests.js';
import { registerRequestApproval } from './tools/request-approval.js';
import { registerWaitForDecision } from './tools/wait-for-decision.js';

export interface McpServerOptions {
  /** The AgentGate client the tools act through; its API key is the agent's identity. */
  client: AgentGateClient;
  /** Reported to MCP clients in `initialize`. */
  version?: string;
}

const INSTRUCTIONS = [
  'AgentGate is the approval gate in front of your actions.',
  'Before an action that needs approval, call request_approval; perform it only when the result says approved, with exactly the params you sent.',
  'A pending request awaits a human: wait with wait_for_decision or check back with check_request.',
  'Denied, expired or cancelled means do not perform the action. Use explain_policy to learn in advance what the policies would do.',
].join(' ');

export function createMcpServer({ client, version = '0.0.0' }: McpServerOptions): McpServer {
  const server = new McpServer({ name: 'agentgate', version }, { instructions: INSTRUCTIONS });
  registerRequestApproval(server, client);
  registerCheckRequest(server, client);
  registerWaitForDecision(server, client);
  registerListRequests(server, client);
  registerExplainPolicy(server, client);
  return server;
}
