import { compileRegex } from '../compile-regex.js';
import type { DiagnosticDraft } from '../diagnostic-draft.js';
import { collectFieldConditions } from '../normalize-condition.js';
import { type PolicyValidator, ruleDraft } from '../validation-input.js';

/** `matches` patterns must be short, valid RE2, and free of catastrophic-backtracking shapes. */
export const unsafeRegex: PolicyValidator = {
  code: 'unsafe-regex',
  check({ rules }) {
    const drafts: DiagnosticDraft[] = [];
    for (const rule of rules) {
      for (const field of collectFieldConditions(rule.condition)) {
        for (const test of field.tests) {
          if (test.operator !== 'matches') continue;
          const compiled = compileRegex(test.expected as string);
          if (compiled.ok) continue;
          drafts.push(
            ruleDraft(
              rule,
              this.code,
              'error',
              test.yamlPath,
              `the regular expression ${JSON.stringify(test.expected)} in ${field.path}.matches ${compiled.error}`,
            ),
          );
        }
      }
    }
    return drafts;
  },
};
