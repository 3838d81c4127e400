/** Failures as tool results (`isError: true`) whose structured content still fits the tool's output schema. */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describeFailure, type FailureContext } from './describe-failure.js';
import type { ExplainPolicyResult, ListRequestsResult, RequestResult } from './tool-schemas.js';

/** For the request tools: no status is known, and nothing is approved. */
export function requestFailure(error: unknown, context: FailureContext): CallToolResult {
  const failure = describeFailure(error, context);
  const structured: RequestResult = {
    id: context.id ?? null,
    status: null,
    ...(context.action && { action: context.action }),
    approved: false,
    error: failure,
  };
  return errorResult(failure.message, structured);
}

export function listFailure(error: unknown, context: FailureContext): CallToolResult {
  const failure = describeFailure(error, context);
  const structured: ListRequestsResult = { requests: [], error: failure };
  return errorResult(failure.message, structured);
}

export function explainFailure(error: unknown, context: FailureContext): CallToolResult {
  const failure = describeFailure(error, context);
  const structured: ExplainPolicyResult = { error: failure };
  return errorResult(failure.message, structured);
}

function errorResult(text: string, structuredContent: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent, isError: true };
}
