/** The AgentGate MCP server: tools over the SDK client, and its Streamable HTTP integration. */
export { createMcpServer, type McpServerOptions } from './create-mcp-server.js';
export { createMcpHttpIntegration, type McpHttpOptions } from './http-integration.js';
export { MAX_WAIT_SECONDS } from './tool-schemas.js';
