/**
 * MCP over Streamable HTTP at `/mcp` on the AgentGate server, stateless: every POST gets a fresh
 * transport and server. Callers authenticate with the same API keys as the REST API, and the tools
 * act with the caller's own key against this server's own address, so every scope, rate limit and
 * audit entry is the caller's. The target is `selfUrl()`, never anything from the request (a Host
 * header could otherwise point the server's requests anywhere).
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { RequestHandler } from 'express';
import { authenticateHeader } from '../app/http/auth.js';
import { jsonBody } from '../app/http/read-body.js';
import type { IntegrationFactory } from '../app/integration.js';
import { AppError } from '../app/services/app-error.js';
import { VERSION } from '../app/version.js';
import { AgentGateClient } from '../sdk/index.js';
import { createMcpServer } from './create-mcp-server.js';

export interface McpHttpOptions {
  /** Where to serve MCP (default `/mcp`). */
  path?: string;
  /** Largest accepted JSON-RPC body (default 1 MiB). */
  bodyLimitBytes?: number;
}

export function createMcpHttpIntegration({
  path = '/mcp',
  bodyLimitBytes = 1024 * 1024,
}: McpHttpOptions = {}): IntegrationFactory {
  return (context) => {
    /** 401/429 as JSON before any MCP handling; keeps the caller's bearer token for the tools. */
    const authenticate: RequestHandler = async (req, res, next) => {
      const header = req.get('authorization');
      try {
        await authenticateHeader(context.authenticator, header, (name, value) => res.setHeader(name, value));
      } catch (error) {
        // RFC 6750: tell HTTP clients (MCP ones included) that a bearer token is what is missing.
        if (error instanceof AppError && error.code === 'unauthorized') {
          throw new AppError(error.code, error.message, error.details, {
            ...error.headers,
            'WWW-Authenticate': 'Bearer realm="agentgate"',
          });
        }
        throw error;
      }
      res.locals.mcpApiKey = /^Bearer +(\S+)\s*$/i.exec(header ?? '')?.[1];
      next();
    };

    const handle: RequestHandler = async (req, res) => {
      const client = new AgentGateClient({ baseUrl: context.selfUrl(), apiKey: res.locals.mcpApiKey });
      const server = createMcpServer({ client, version: VERSION });
      // Stateless, and streamed (SSE) so progress notifications of a long wait reach the client.
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        // Closing aborts tool calls still waiting for a decision.
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    };

    return {
      name: 'mcp',
      mountRaw(app) {
        // Route-level JSON parsing: no other route's raw body is touched.
        app.post(path, authenticate, ...jsonBody(bodyLimitBytes), handle);
        // Stateless: no standalone SSE stream to GET, no session to DELETE.
        app.all(path, (_req, res) => {
          res.setHeader('Allow', 'POST');
          res.status(405).json({
            jsonrpc: '2.0',
            error: {
              code: -32000,
              message: 'Method not allowed: this MCP endpoint is stateless; POST only.',
            },
            id: null,
          });
        });
      },
      health: () => ({ path, transport: 'streamable-http' }),
    };
  };
}
