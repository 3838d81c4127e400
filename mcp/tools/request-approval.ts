import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AgentGateClient, ApprovalRequest } from '../../sdk/index.js';
import { describeFailure } from '../describe-failure.js';
import { requestFailure } from '../failure-result.js';
import { requestResult } from '../request-result.js';
import { MAX_WAIT_SECONDS, requestApprovalInput, requestResultOutput } from '../tool-schemas.js';
import { waitForRequest } from '../wait-for-request.js';

export function registerRequestApproval(server: McpServer, client: AgentGateClient): void {
  server.registerTool(
    'request_approval',
    {
      title: 'Request approval',
      description: [
        'Ask AgentGate for approval before an action that needs it: sending email, deploying, changing data, spending money.',
        'Policies decide at once (approved or denied) or route the request to humans, who review it on GitHub or Slack.',
        'Perform the action only when the result says approved (structuredContent.approved is true), and only with the params you sent.',
        `Set wait_seconds (up to ${MAX_WAIT_SECONDS}) to wait for a human decision in this call; when still pending, the result gives the request id for wait_for_decision or check_request.`,
        'A denial is final: do not perform the action. You cannot approve your own requests.',
      ].join(' '),
      inputSchema: requestApprovalInput,
      outputSchema: requestResultOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async ({ action, params, context, urgency, timeout, wait_seconds }, extra) => {
      let request: ApprovalRequest;
      try {
        request = await client.request({
          action,
          params,
          context,
          urgency,
          ...(timeout !== undefined && { timeout }),
          signal: extra.signal,
        });
      } catch (error) {
        return requestFailure(error, { baseUrl: client.baseUrl, action });
      }
      if (request.status !== 'pending' || wait_seconds === 0) return requestResult(request);
      try {
        const waited = await waitForRequest(client, request.id, wait_seconds, extra);
        return requestResult(
          waited,
          waited.status === 'pending' ? `No decision after ${wait_seconds} s.` : undefined,
        );
      } catch (error) {
        // The request exists and is pending; only the wait failed.
        const failure = describeFailure(error, { baseUrl: client.baseUrl, id: request.id });
        return requestResult(request, `Waiting for the decision failed: ${failure.message}`);
      }
    },
  );
}
