import { conditionImplies, type TestCache } from '../condition-implies.js';
import type { DiagnosticDraft } from '../diagnostic-draft.js';
import { locateYamlPath } from '../parse-policy-yaml.js';
import { type PolicyValidator, ruleDraft } from '../validation-input.js';

/**
 * Deny always wins, whatever the order. A rule whose every match is also matched by an
 * `auto_deny` rule can never change a decision: almost always a mistake in one of the two.
 */
export const shadowedByDeny: PolicyValidator = {
  code: 'shadowed-by-deny',
  check({ rules, parsed }) {
    const denies = rules.filter((r) => r.decision === 'auto_deny');
    const drafts: DiagnosticDraft[] = [];
    const cache: TestCache = new Map();
    for (const rule of rules) {
      if (rule.decision === 'auto_deny') continue;
      const cover = denies.find((deny) => conditionImplies(rule.condition, deny.condition, cache));
      if (!cover) continue;
      const file = parsed.get(cover.file);
      const line = file ? locateYamlPath(file, [...cover.yamlPath, 'name']).line : 1;
      drafts.push(
        ruleDraft(
          rule,
          this.code,
          'warning',
          [...rule.yamlPath, 'name'],
          `never applies: auto_deny rule "${cover.name}" (${cover.file}:${line}) matches every request this rule matches, and a deny always wins; narrow "${cover.name}" or remove this rule`,
        ),
      );
    }
    return drafts;
  },
};
