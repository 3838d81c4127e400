/** The one line a human reads: why a request was approved, denied or sent to them. */
import { describeApprovers } from '../../sdk/describe-approvers.js';
import type { Requirement } from '../../sdk/schemas.js';
import type { CompiledRule, PolicySet } from './policy-set.js';

export const describeDecision = {
  deny(rules: readonly CompiledRule[]): string {
    const reasons = rules.map((r) => oneLine(r.reason ?? `Denied by policy rule "${r.name}"`));
    return [...new Set(reasons)].join('; ');
  },
  approve(rules: readonly CompiledRule[]): string {
    const first = rules[0] as CompiledRule;
    const why = first.reason ?? first.description;
    return oneLine(`Approved by policy rule${plural(rules)} ${names(rules)}${why ? `: ${why}` : ''}`);
  },
  route(requirements: readonly Requirement[]): string {
    const parts = requirements.map((r) => `"${r.rule}" needs ${describeRequirement(r)}`);
    return oneLine(`Needs human approval: ${parts.join('; ')}`);
  },
  defaults(policySet: PolicySet): string {
    const { defaults } = policySet;
    if (defaults.reason) return oneLine(defaults.reason);
    const lead = policySet.files.length === 0 ? 'No policy files' : 'No rule matched';
    switch (defaults.decision) {
      case 'auto_deny':
        return `${lead}; the defaults deny it`;
      case 'auto_approve':
        return `${lead}; the defaults approve it`;
      default:
        return `${lead}; needs ${describeRequirement(defaults.requirement)}`;
    }
  },
};

/** `2 approvals from alice, members of acme/finance or anyone with maintain access or more` */
export function describeRequirement(requirement: Requirement): string {
  const count = `${requirement.count} approval${requirement.count === 1 ? '' : 's'}`;
  return `${count} from ${describeApprovers(requirement.approvers)}`;
}

function names(rules: readonly CompiledRule[]): string {
  return rules.map((r) => `"${r.name}"`).join(', ');
}

function plural(rules: readonly unknown[]): string {
  return rules.length === 1 ? '' : 's';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
