import { compileGlob } from '../compile-glob.js';
import type { DiagnosticDraft } from '../diagnostic-draft.js';
import { collectFieldConditions } from '../normalize-condition.js';
import { type PolicyValidator, ruleDraft } from '../validation-input.js';

/** Globs (in `action` and the `glob` operator) must compile. */
export const badGlob: PolicyValidator = {
  code: 'bad-glob',
  check({ rules }) {
    const drafts: DiagnosticDraft[] = [];
    for (const rule of rules) {
      for (const field of collectFieldConditions(rule.condition)) {
        for (const test of field.tests) {
          if (test.operator !== 'glob') continue;
          const patterns = typeof test.expected === 'string' ? [test.expected] : (test.expected as unknown[]);
          for (const pattern of patterns) {
            if (typeof pattern !== 'string') continue;
            const compiled = compileGlob(pattern);
            if (compiled.ok) continue;
            drafts.push(
              ruleDraft(
                rule,
                this.code,
                'error',
                test.yamlPath,
                `the glob "${pattern}" in ${field.path} ${compiled.error}`,
              ),
            );
          }
        }
      }
    }
    return drafts;
  },
};
