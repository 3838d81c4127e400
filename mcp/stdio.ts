/**
 * `agentgate-mcp`: the MCP server over stdio, for Claude Desktop, Cursor and any MCP client that
 * starts a command. Configured by AGENTGATE_URL and AGENTGATE_API_KEY. stdout carries the protocol,
 * so everything else goes to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { AgentGateClient } from '../sdk/index.js';
import { createMcpServer } from './create-mcp-server.js';
import { readStdioConfig } from './read-stdio-config.js';
import { VERSION } from './version.js';

const config = readStdioConfig(process.env);
if ('error' in config) {
  process.stderr.write(`agentgate-mcp: ${config.error}\n`);
  process.exit(1);
}

const server = createMcpServer({
  client: new AgentGateClient({ baseUrl: config.url, apiKey: config.apiKey }),
  version: VERSION,
});
await server.connect(new StdioServerTransport());
process.stderr.write(`agentgate-mcp ${VERSION}: serving AgentGate at ${config.url} over stdio\n`);

// Closing the server aborts tool calls still waiting for a decision, so the process can end.
const stop = () => {
  server.close().finally(() => process.exit(0));
};
process.stdin.on('end', stop);
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
