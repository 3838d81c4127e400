import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AgentGateClient } from '../../sdk/index.js';
import { requestFailure } from '../failure-result.js';
import { requestResult } from '../request-result.js';
import { MAX_WAIT_SECONDS, requestResultOutput, waitForDecisionInput } from '../tool-schemas.js';
import { waitForRequest } from '../wait-for-request.js';

export function registerWaitForDecision(server: McpServer, client: AgentGateClient): void {
  server.registerTool(
    'wait_for_decision',
    {
      title: 'Wait for a decision',
      description: `Waits until a pending approval request is decided, for at most wait_seconds (up to ${MAX_WAIT_SECONDS}), and returns it: approved (go ahead), denied, expired or cancelled (do not perform the action), or still pending (call again to keep waiting).`,
      inputSchema: waitForDecisionInput,
      outputSchema: requestResultOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ id, wait_seconds }, extra) => {
      try {
        const request = await waitForRequest(client, id, wait_seconds, extra);
        return requestResult(
          request,
          request.status === 'pending' ? `No decision after ${wait_seconds} s.` : undefined,
        );
      } catch (error) {
        return requestFailure(error, { baseUrl: client.baseUrl, id });
      }
    },
  );
}
