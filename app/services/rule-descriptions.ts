import type { PolicyProvider } from '../ports/policy-provider.js';
import type { RequestRecord } from '../ports/store.js';

/**
 * The descriptions of the rules that decided `request`, for what reviewers read (issue, check run,
 * Slack). Only from the policy version that decided it: a later version's wording could describe a
 * different rule. Empty when unknown — descriptions are a nicety; rule names are always shown.
 */
export async function ruleDescriptionsOf(
  policies: PolicyProvider,
  request: Pick<RequestRecord, 'repository' | 'policyDecision'>,
): Promise<ReadonlyMap<string, string | null>> {
  try {
    const { policySet } = await policies.active(request.repository);
    if (policySet.version !== request.policyDecision.policyVersion) return new Map();
    return new Map(policySet.rules.map((rule) => [rule.name, rule.description]));
  } catch {
    return new Map();
  }
}
