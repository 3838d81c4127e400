import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AgentGateClient, PolicyEvaluation } from '../../sdk/index.js';
import { describeApprovers } from '../../sdk/index.js';
import { explainFailure } from '../failure-result.js';
import { summarizeRequirement } from '../request-result.js';
import { type ExplainPolicyResult, explainPolicyInput, explainPolicyOutput } from '../tool-schemas.js';

const OUTCOMES = {
  auto_approve: 'approved',
  auto_deny: 'denied',
  route_to_human: 'routed_to_human',
} as const;

export function registerExplainPolicy(server: McpServer, client: AgentGateClient): void {
  server.registerTool(
    'explain_policy',
    {
      title: 'Explain the policy for an action',
      description:
        'Dry run: would this action be approved at once, denied, or routed to a human — and by which rules, and why? Nothing is requested or recorded, and nothing is approved: use request_approval before acting.',
      inputSchema: explainPolicyInput,
      outputSchema: explainPolicyOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ action, params, context, urgency }) => {
      try {
        const evaluation = await client.evaluate({ action, params, context, urgency });
        const structured: ExplainPolicyResult = {
          outcome: OUTCOMES[evaluation.decision],
          decision: evaluation.decision,
          rules: evaluation.rules,
          reason: evaluation.reason,
          requirements: evaluation.requirements.map(summarizeRequirement),
          policyVersion: evaluation.policyVersion,
        };
        return {
          content: [{ type: 'text', text: describeEvaluation(action, evaluation) }],
          structuredContent: structured,
          isError: false,
        };
      } catch (error) {
        return explainFailure(error, { baseUrl: client.baseUrl });
      }
    },
  );
}

function describeEvaluation(action: string, evaluation: PolicyEvaluation): string {
  const rules = evaluation.rules.length > 0 ? ` (rule ${evaluation.rules.join(', ')})` : '';
  const reason = evaluation.reason.replace(/[.!]+$/, '');
  switch (evaluation.decision) {
    case 'auto_approve':
      return `${action} would be approved at once by policy${rules}: ${reason}. This was a dry run: call request_approval to get the approval before acting.`;
    case 'auto_deny':
      return `${action} would be denied by policy${rules}: ${reason}. Do not perform ${action}; requesting it would be denied.`;
    case 'route_to_human': {
      const needs = evaluation.requirements.map(
        (r) =>
          `${r.count} approval${r.count === 1 ? '' : 's'} from ${describeApprovers(r.approvers)} (rule ${r.rule}, via ${r.via}${r.timeout ? `, expires after ${r.timeout}` : ''})`,
      );
      // A rule's routing reason only repeats the requirements; the defaults' says no rule matched.
      const why = evaluation.rules.length > 0 ? '' : `: ${reason}`;
      return `${action} would be routed to a human${rules}${why}. It needs ${needs.join(' and ')}. Call request_approval (with wait_seconds to wait for the decision) to ask.`;
    }
  }
}
