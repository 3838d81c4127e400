#!/usr/bin/env node
// The `agentgate-mcp` command: the MCP server over stdio. The TypeScript sources are compiled to
// dist/ by `npm install` (prepare). Configure it with AGENTGATE_URL and AGENTGATE_API_KEY.
import '../dist/mcp/stdio.js';
