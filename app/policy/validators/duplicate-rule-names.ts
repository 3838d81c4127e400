import type { DiagnosticDraft } from '../diagnostic-draft.js';
import { locateYamlPath } from '../parse-policy-yaml.js';
import { type NormalizedRule, type PolicyValidator, ruleDraft } from '../validation-input.js';

/** Rule names are how decisions are explained and audited, so each must be unique across the set. */
export const duplicateRuleNames: PolicyValidator = {
  code: 'duplicate-rule-name',
  check({ rules, parsed }) {
    const first = new Map<string, NormalizedRule>();
    const drafts: DiagnosticDraft[] = [];
    for (const rule of rules) {
      const earlier = first.get(rule.name);
      if (!earlier) {
        first.set(rule.name, rule);
        continue;
      }
      const file = parsed.get(earlier.file);
      const line = file ? locateYamlPath(file, [...earlier.yamlPath, 'name']).line : 1;
      drafts.push(
        ruleDraft(
          rule,
          this.code,
          'error',
          [...rule.yamlPath, 'name'],
          `duplicate rule name; "${rule.name}" is already defined at ${earlier.file}:${line}; rename one of them`,
        ),
      );
    }
    return drafts;
  },
};
