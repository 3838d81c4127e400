/**
 * A request as a tool result: `structuredContent` for programs, and a text a model can act on —
 * what was decided, by whom, why, and what to do (or not do) next.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  type ApprovalRequest,
  describeApprovers,
  describeOverride,
  isOverride,
  type ReviewRequirement,
} from '../sdk/index.js';
import type { RequestResult, RequirementSummary } from './tool-schemas.js';

/**
 * The request's final or current state. Anything but `approved` and `pending` is an error result.
 * `note` (e.g. "No decision after 45 s.") leads the text.
 */
export function requestResult(request: ApprovalRequest, note?: string): CallToolResult {
  const structured: RequestResult = {
    ...summarizeRequest(request),
    approved: request.status === 'approved',
  };
  const text = describeRequest(request);
  return {
    content: [{ type: 'text', text: note ? `${note}\n${text}` : text }],
    structuredContent: structured,
    isError: request.status !== 'approved' && request.status !== 'pending',
  };
}

/** The fields every request-shaped result carries. */
export function summarizeRequest(request: ApprovalRequest) {
  const requirements = request.review?.requirements.map(summarizeRequirement);
  return {
    id: request.id,
    status: request.status,
    action: request.action,
    decidedBy: request.decidedBy,
    reason: request.decisionReason,
    reviewUrl: request.review?.url ?? null,
    expiresAt: request.expiresAt,
    decidedAt: request.decidedAt,
    ...(requirements && { requirements }),
  };
}

export function summarizeRequirement(requirement: ReviewRequirement | Omit<ReviewRequirement, 'approvedBy'>) {
  const summary: RequirementSummary = {
    rule: requirement.rule,
    count: requirement.count,
    approvers: describeApprovers(requirement.approvers),
  };
  if ('approvedBy' in requirement) summary.approvedBy = requirement.approvedBy;
  return summary;
}

function describeRequest(request: ApprovalRequest): string {
  const { id, action, status } = request;
  const by = request.decidedBy ?? 'unknown';
  const why = request.decisionReason ? `: ${trimPeriod(request.decisionReason)}` : '';
  switch (status) {
    case 'approved': {
      // A policy's reason already reads "Approved by policy rule …".
      const lead = /^approved\b/i.test(request.decisionReason ?? '')
        ? trimPeriod(request.decisionReason ?? '')
        : `Approved by ${decider(request)}${why}`;
      return `${lead}. You may now perform ${action}, with exactly the params you requested (request ${id}).`;
    }
    case 'denied':
      return `Denied by ${decider(request)}${why}. Do not perform ${action} (request ${id}).`;
    case 'expired':
      return `Request ${id} (${action}) expired at ${request.decidedAt ?? request.expiresAt} without a decision. Do not perform ${action}; if it is still needed, call request_approval again.`;
    case 'cancelled':
      return `Request ${id} (${action}) was cancelled by ${by}${why}. Do not perform ${action}.`;
    case 'pending':
      return describePending(request);
  }
}

function describePending(request: ApprovalRequest): string {
  const { id, action } = request;
  const lines = [`Request ${id} (${action}) is pending: it awaits a human decision.`];
  const url = request.review?.url;
  lines.push(
    url
      ? `A human reviews it at ${url}.`
      : 'A human decides it through the AgentGate API or CLI (no review link yet).',
  );
  for (const requirement of request.review?.requirements ?? []) {
    const sofar =
      requirement.approvedBy.length > 0 ? `; approved so far by ${requirement.approvedBy.join(', ')}` : '';
    lines.push(
      `Needs ${requirement.count} approval${requirement.count === 1 ? '' : 's'} from ${describeApprovers(requirement.approvers)} (rule ${requirement.rule}${sofar}).`,
    );
  }
  lines.push(`It expires at ${request.expiresAt}.`);
  lines.push(
    `Do not perform ${action} yet, and do not try to approve it yourself. Call wait_for_decision with id "${id}" to wait for the decision, or check_request later.`,
  );
  return lines.join('\n');
}

/**
 * `policy (rule never-drop-prod)` for policy decisions, `api:ops (an operator override …)` for
 * overrides, the decider's name otherwise.
 */
function decider(request: ApprovalRequest): string {
  const by = request.decidedBy ?? 'unknown';
  if (isOverride(request)) return `${by} (${describeOverride(request)})`;
  const rules = request.policyDecision.rules;
  return by === 'policy' && rules.length > 0 ? `policy (rule ${rules.join(', ')})` : by;
}

function trimPeriod(text: string): string {
  return text.trim().replace(/[.!]+$/, '');
}
