import type { PolicySummary } from '../../sdk/schemas.js';
import type { PolicySet } from './policy-set.js';

/** What `GET /api/policies` shows about the active set (the caller adds errors and warnings). */
export function summarizePolicySet(policySet: PolicySet): Omit<PolicySummary, 'errors' | 'warnings'> {
  return {
    version: policySet.version,
    source: policySet.source,
    rules: policySet.rules.map((r) => ({
      name: r.name,
      file: r.file,
      decision: r.decision,
      description: r.description,
      ...(r.decision === 'route_to_human' && { overrides: r.overrides }),
    })),
    // The original AgentGate's list shape, read-only: a rule is a policy, in evaluation order.
    policies: policySet.rules.map((r, priority) => ({
      id: r.name,
      name: r.name,
      file: r.file,
      decision: r.decision,
      description: r.description,
      priority,
      enabled: true as const,
      readOnly: true as const,
    })),
  };
}
