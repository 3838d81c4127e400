import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AgentGateClient, ApprovalRequest } from '../../sdk/index.js';
import { listFailure } from '../failure-result.js';
import { summarizeRequest } from '../request-result.js';
import { type ListRequestsResult, listRequestsInput, listRequestsOutput } from '../tool-schemas.js';

export function registerListRequests(server: McpServer, client: AgentGateClient): void {
  server.registerTool(
    'list_requests',
    {
      title: 'List approval requests',
      description:
        'Approval requests this API key may see, newest first, filtered by status (e.g. "pending") and exact action, with who decided each and why.',
      inputSchema: listRequestsInput,
      outputSchema: listRequestsOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ status, action, limit, offset }, extra) => {
      try {
        const { requests, pagination } = await client.listRequests({
          ...(status && { status }),
          ...(action && { action }),
          limit,
          offset,
          signal: extra.signal,
        });
        const structured: ListRequestsResult = { requests: requests.map(summarizeRequest), pagination };
        const filters = [status && `status ${status}`, action && `action ${action}`].filter(Boolean);
        const which = filters.length > 0 ? ` with ${filters.join(' and ')}` : '';
        const head =
          requests.length === 0
            ? `No requests${which}${offset > 0 ? ` after the first ${offset}` : ''}.`
            : `Requests ${offset + 1}–${offset + requests.length} of ${pagination.total}${which}, newest first:`;
        const more = pagination.hasMore ? [`More: call again with offset ${offset + requests.length}.`] : [];
        return {
          content: [{ type: 'text', text: [head, ...requests.map(describeLine), ...more].join('\n') }],
          structuredContent: structured,
          isError: false,
        };
      } catch (error) {
        return listFailure(error, { baseUrl: client.baseUrl });
      }
    },
  );
}

function describeLine(request: ApprovalRequest): string {
  const base = `- ${request.id} ${request.action} (${request.urgency}): ${request.status}`;
  if (request.status === 'pending') {
    const where = request.review?.url ? `, review at ${request.review.url}` : '';
    return `${base}, expires ${request.expiresAt}${where}`;
  }
  const why = request.decisionReason ? `: ${request.decisionReason}` : '';
  return `${base} by ${request.decidedBy ?? 'unknown'}${why}`;
}
