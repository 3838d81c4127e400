/**
 * A failed call to the AgentGate server, told so a model knows what went wrong and what to do:
 * fix its input, ask a human for a better key, or try later — and never act without approval.
 */
import { AgentGateError } from '../sdk/index.js';

export interface FailureContext {
  /** The server the client talks to (named when it cannot be reached). */
  baseUrl: string;
  /** The request id the call was about, if any. */
  id?: string;
  /** The action whose approval is at stake, if any. */
  action?: string;
}

export interface Failure {
  code: string;
  /** One paragraph for the model. */
  message: string;
}

export function describeFailure(error: unknown, { baseUrl, id, action }: FailureContext): Failure {
  const notApproved = action ? ` ${action} is not approved: do not perform it.` : '';
  if (!(error instanceof AgentGateError)) {
    const message = error instanceof Error ? error.message : String(error);
    return { code: 'internal_error', message: `The AgentGate tool failed: ${message}.${notApproved}` };
  }
  const server = trimPeriod(error.message);
  switch (error.code) {
    case 'not_found':
      return id
        ? {
            code: 'not_found',
            message: `No request with id "${id}" exists, or this API key may not read it. Use the id that request_approval returned, or list_requests to find it.`,
          }
        : { code: 'not_found', message: `AgentGate answered "not found": ${server}.${notApproved}` };
    case 'validation_failed':
    case 'invalid_request':
    case 'bad_request':
      return {
        code: error.code,
        message: `AgentGate refused the input: ${server}. Fix it and call the tool again.${notApproved}`,
      };
    case 'unauthorized':
      return {
        code: 'unauthorized',
        message: `AgentGate rejected the API key: ${server}. A human must configure a valid key (AGENTGATE_API_KEY, or the Authorization header of the MCP connection).${notApproved}`,
      };
    case 'forbidden':
      return {
        code: 'forbidden',
        message: `AgentGate refused: ${server}. This is a permission of the API key, not a decision on the action; a human must give the key the scope.${notApproved}`,
      };
    case 'rate_limited':
      return {
        code: 'rate_limited',
        message: `AgentGate is rate-limiting this key: ${server}. Try again later.${notApproved}`,
      };
    case 'network_error':
    case 'request_timeout':
      return {
        code: error.code,
        message: `Could not reach the AgentGate server at ${baseUrl}: ${server}. Try again later.${notApproved}`,
      };
    default:
      return {
        code: error.code,
        message: `The AgentGate server failed (${error.code}, HTTP ${error.status}): ${server}. Try again later.${notApproved}`,
      };
  }
}

function trimPeriod(text: string): string {
  return text.trim().replace(/[.!]+$/, '');
}
