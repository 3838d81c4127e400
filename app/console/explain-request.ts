/**
 * Why the policy decided a request, condition by condition, for its console page: the request is
 * evaluated again against the policy set in force, but only when that set is the very version that
 * decided it (a later version could explain a different decision); otherwise null, and the page
 * shows the recorded rule names and reason alone. Evaluation is pure, so the same version gives
 * the same trace.
 */
import type { RuleTrace } from '../../sdk/schemas.js';
import { evaluatePolicy } from '../policy/index.js';
import type { PolicyProvider } from '../ports/policy-provider.js';
import type { RequestRecord } from '../ports/store.js';

export async function explainRequest(
  policies: PolicyProvider,
  request: RequestRecord,
): Promise<RuleTrace[] | null> {
  try {
    const { policySet } = await policies.active(request.repository);
    if (policySet.version !== request.policyDecision.policyVersion) return null;
    const evaluation = evaluatePolicy(
      policySet,
      {
        action: request.action,
        params: request.params,
        context: request.context,
        urgency: request.urgency,
        repository: request.repository,
        requester: request.requester,
      },
      new Date(request.createdAt),
    );
    return evaluation.conditions.filter((trace) => request.policyDecision.rules.includes(trace.rule));
  } catch {
    return null; // an explanation is a nicety: the recorded rules and reason are always shown
  }
}
