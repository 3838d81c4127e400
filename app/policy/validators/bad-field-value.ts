import { URGENCIES } from '../../../sdk/schemas.js';
import type { DiagnosticDraft } from '../diagnostic-draft.js';
import { collectFieldConditions } from '../normalize-condition.js';
import type { Operator } from '../policy-file-schema.js';
import { type PolicyValidator, ruleDraft } from '../validation-input.js';

const EQUALITY: readonly Operator[] = ['eq', 'ne', 'in', 'not_in'];
const ORDERING: readonly Operator[] = ['gt', 'gte', 'lt', 'lte'];

/**
 * Values that a field can never have make a rule silently dead — worst in a deny rule. `urgency`
 * takes one of four words; `action` is always a string, never compared by size.
 */
export const badFieldValue: PolicyValidator = {
  code: 'bad-field-value',
  check({ rules }) {
    const drafts: DiagnosticDraft[] = [];
    for (const rule of rules) {
      for (const field of collectFieldConditions(rule.condition)) {
        for (const test of field.tests) {
          const problem = findProblem(field.field, test.operator, test.expected);
          if (problem) {
            drafts.push(ruleDraft(rule, this.code, 'error', test.yamlPath, `${field.path}: ${problem}`));
          }
        }
      }
    }
    return drafts;
  },
};

function findProblem(field: string, operator: Operator, expected: unknown): string | null {
  if (field !== 'urgency' && field !== 'action') return null;
  if (ORDERING.includes(operator)) {
    return field === 'urgency'
      ? `urgency levels are words, not sizes; list them instead, e.g. {in: [high, critical]}`
      : `an action is a name; it cannot be ${operator}; use a glob such as "payments.*"`;
  }
  if (operator === 'exists') return null;
  const values = Array.isArray(expected) ? expected : [expected];
  const notString = values.find((v) => typeof v !== 'string');
  if (notString !== undefined) {
    return `${field} is always a string, so ${JSON.stringify(notString)} never matches; quote it`;
  }
  if (field === 'urgency' && EQUALITY.includes(operator)) {
    const unknown = values.find((v) => !(URGENCIES as readonly unknown[]).includes(v));
    if (unknown !== undefined) {
      return `urgency "${String(unknown)}" never occurs; urgency is one of ${URGENCIES.join(', ')}`;
    }
  }
  return null;
}
