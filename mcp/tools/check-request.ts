import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AgentGateClient } from '../../sdk/index.js';
import { requestFailure } from '../failure-result.js';
import { requestResult } from '../request-result.js';
import { checkRequestInput, requestResultOutput } from '../tool-schemas.js';

export function registerCheckRequest(server: McpServer, client: AgentGateClient): void {
  server.registerTool(
    'check_request',
    {
      title: 'Check an approval request',
      description:
        'The current state of an approval request, by id: pending, approved, denied, expired or cancelled, who decided and why, and where a human reviews it. Does not wait.',
      inputSchema: checkRequestInput,
      outputSchema: requestResultOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ id }, extra) => {
      try {
        return requestResult(await client.getRequest(id, { signal: extra.signal }));
      } catch (error) {
        return requestFailure(error, { baseUrl: client.baseUrl, id });
      }
    },
  );
}
