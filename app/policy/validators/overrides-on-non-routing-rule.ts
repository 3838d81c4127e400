import type { DiagnosticDraft } from '../diagnostic-draft.js';
import { type PolicyValidator, ruleDraft } from '../validation-input.js';

/**
 * `overrides` is about deciding a pending request through the API; a rule that approves or denies
 * at once leaves nothing pending, so the key there is a mistake (the author meant something else).
 * In `defaults` it is not: it applies to every routing rule that does not set its own.
 */
export const overridesOnNonRoutingRule: PolicyValidator = {
  code: 'overrides-on-non-routing-rule',
  check({ rules }) {
    const drafts: DiagnosticDraft[] = [];
    for (const rule of rules) {
      if (rule.overrides === undefined || rule.decision === 'route_to_human') continue;
      drafts.push(
        ruleDraft(
          rule,
          this.code,
          'error',
          [...rule.yamlPath, 'overrides'],
          `sets overrides but its decision is ${rule.decision}, which leaves nothing for an operator to override; remove overrides or use decision: route_to_human`,
          'key',
        ),
      );
    }
    return drafts;
  },
};
