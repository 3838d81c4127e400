/**
 * Runs a compiled condition against a request and records every check's outcome in words. It does
 * not stop at the first failure, so an explanation shows everything that held and everything that
 * did not.
 */
import type { ConditionCheck } from '../../sdk/schemas.js';
import type { CompiledCondition } from './compile-condition.js';
import { describeCheck } from './describe-check.js';
import { MISSING } from './field-path.js';
import type { PolicyRequest } from './policy-request.js';

export function traceCondition(
  condition: CompiledCondition,
  request: PolicyRequest,
  checks: ConditionCheck[],
): boolean {
  switch (condition.kind) {
    case 'all': {
      let result = true;
      for (const child of condition.children) result = traceCondition(child, request, checks) && result;
      return result;
    }
    case 'any': {
      let result = false;
      for (const child of condition.children) result = traceCondition(child, request, checks) || result;
      return result;
    }
    case 'not':
      return !traceCondition(condition.child, request, checks);
    case 'field': {
      const actual = condition.read(request);
      let result = true;
      for (const check of condition.checks) {
        const passed = check.test(actual);
        result &&= passed;
        checks.push({
          path: condition.path,
          field: condition.field,
          operator: check.operator,
          expected: check.expected,
          actual: actual === MISSING ? undefined : actual,
          passed,
          text: describeCheck(condition.field, check.operator, check.expected, actual, passed),
        });
      }
      return result;
    }
  }
}
