import type { DiagnosticDraft } from '../diagnostic-draft.js';
import { type PolicyValidator, ruleDraft } from '../validation-input.js';

/** A `route` only means something when the decision is `route_to_human`; anything else is a mistake. */
export const routeOnNonRoutingRule: PolicyValidator = {
  code: 'route-on-non-routing-rule',
  check({ rules, defaults }) {
    const drafts: DiagnosticDraft[] = [];
    for (const rule of rules) {
      if (rule.route === undefined || rule.decision === 'route_to_human') continue;
      drafts.push(
        ruleDraft(
          rule,
          this.code,
          'error',
          [...rule.yamlPath, 'route'],
          `has a route but its decision is ${rule.decision}; remove route or use decision: route_to_human`,
          'key',
        ),
      );
    }
    for (const { file, defaults: d } of defaults) {
      if (d.route === undefined || d.decision === undefined || d.decision === 'route_to_human') continue;
      drafts.push({
        file,
        path: ['defaults', 'route'],
        at: 'key',
        severity: 'error',
        code: this.code,
        message: `defaults have a route but decide ${d.decision}; remove route or use decision: route_to_human`,
      });
    }
    return drafts;
  },
};
