import type { DiagnosticDraft } from '../diagnostic-draft.js';
import { collectFieldConditions } from '../normalize-condition.js';
import { type PolicyValidator, ruleDraft } from '../validation-input.js';

/**
 * A bare list means "any of these globs" only for `action`. Elsewhere it is ambiguous (one of
 * these? equal to this list?), so the author must say which.
 */
export const listOutsideAction: PolicyValidator = {
  code: 'list-outside-action',
  check({ rules }) {
    const drafts: DiagnosticDraft[] = [];
    for (const rule of rules) {
      for (const field of collectFieldConditions(rule.condition)) {
        if (field.form !== 'list' || field.field === 'action') continue;
        drafts.push(
          ruleDraft(
            rule,
            this.code,
            'error',
            field.yamlPath,
            `a bare list is only allowed for action; write ${field.field}: {in: [...]} to match any of several values`,
          ),
        );
      }
    }
    return drafts;
  },
};
