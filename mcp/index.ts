/** The AgentGate MCP server: tools over the SDK client (its HTTP transport is app/mcp-http/). */
export { createMcpServer, type McpServerOptions } from './create-mcp-server.js';
export { MAX_WAIT_SECONDS } from './tool-schemas.js';
