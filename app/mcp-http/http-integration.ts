/**
 * MCP over Streamable HTTP at `/mcp` on the AgentGate server, stateless: every POST gets a fresh
 * transport and server. Callers authenticate with the same API keys as the REST API, and the tools
 * act with the caller's own key against this server's own address, so every scope, rate limit and
 * audit entry is the caller's. The target is `selfUrl()`, never anything from the request (a Host
 * header could otherwise point the server's requests anywhere). The rate limit is charged here, one
 * request per JSON-RPC message; the tools' own calls carry a prepaid ticket and are not charged again.
 * It lives in app/ because it needs the server's authentication; mcp/ itself uses only the SDK.
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { RequestHandler } from 'express';
import { createMcpServer } from '../../mcp/create-mcp-server.js';
import { AgentGateClient } from '../../sdk/index.js';
import { authenticateHeader, chargeRateLimit, PREPAID_HEADER } from '../http/auth.js';
import { jsonBody } from '../http/read-body.js';
import type { IntegrationFactory } from '../integration.js';
import type { Principal } from '../ports/store.js';
import { AppError } from '../services/app-error.js';
import { VERSION } from '../version.js';

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
        res.locals.mcpPrincipal = await authenticateHeader(context.authenticator, header, (name, value) =>
          res.setHeader(name, value),
        );
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

    /** A batch is charged one request per message (up to the SDK's 100), like that many POSTs. */
    const chargeBatch: RequestHandler = async (req, res, next) => {
      const principal = res.locals.mcpPrincipal as Principal;
      const messages = Array.isArray(req.body) ? Math.min(req.body.length, 100) : 1;
      try {
        for (let i = 1; i < messages; i += 1) {
          await chargeRateLimit(context.authenticator, principal, (name, value) =>
            res.setHeader(name, value),
          );
        }
      } catch (error) {
        next(error);
        return;
      }
      next();
    };

    const handle: RequestHandler = async (req, res) => {
      const paid = context.authenticator.prepaid?.issue((res.locals.mcpPrincipal as Principal).keyId);
      // Released when the MCP request ends, or now if the caller already hung up ('close' has fired).
      if (paid) {
        res.on('close', paid.release);
        if (res.destroyed) paid.release();
      }
      const client = new AgentGateClient({
        baseUrl: context.selfUrl(),
        apiKey: res.locals.mcpApiKey,
        ...(paid && {
          fetch: (url, init) =>
            fetch(url, {
              ...init,
              headers: { ...(init.headers as Record<string, string>), [PREPAID_HEADER]: paid.ticket },
            }),
        }),
      });
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
        app.post(path, authenticate, ...jsonBody(bodyLimitBytes), chargeBatch, handle);
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
