/**
 * One operator with its expected value → a predicate over a field's value, built once at load.
 * No type coercion anywhere: `"1000"` is not 1000, `"true"` is not true.
 * A missing field fails every operator except `exists: false`, `ne` and `not_in` (which are
 * exactly "not eq" and "not in").
 */
import { compileGlob, type GlobMatcher } from './compile-glob.js';
import { compileRegex } from './compile-regex.js';
import { type FieldValue, MISSING } from './field-path.js';
import type { Operator } from './policy-file-schema.js';

export type FieldTest = (value: FieldValue) => boolean;
export type OperatorTestResult = { ok: true; test: FieldTest } | { ok: false; error: string };

export function createOperatorTest(operator: Operator, expected: unknown): OperatorTestResult {
  switch (operator) {
    case 'eq':
      return ok((v) => v !== MISSING && v === expected);
    case 'ne':
      return ok((v) => !(v !== MISSING && v === expected));
    case 'in': {
      const set = new Set(expected as unknown[]);
      return ok((v) => v !== MISSING && set.has(v));
    }
    case 'not_in': {
      const set = new Set(expected as unknown[]);
      return ok((v) => !(v !== MISSING && set.has(v)));
    }
    case 'gt':
      return ok((v) => comparable(v, expected) && (v as number) > (expected as number));
    case 'gte':
      return ok((v) => comparable(v, expected) && (v as number) >= (expected as number));
    case 'lt':
      return ok((v) => comparable(v, expected) && (v as number) < (expected as number));
    case 'lte':
      return ok((v) => comparable(v, expected) && (v as number) <= (expected as number));
    case 'matches': {
      const compiled = compileRegex(expected as string);
      if (!compiled.ok) return compiled;
      return ok((v) => typeof v === 'string' && compiled.test(v));
    }
    case 'glob': {
      const patterns = typeof expected === 'string' ? [expected] : (expected as string[]);
      const matchers: GlobMatcher[] = [];
      for (const pattern of patterns) {
        const compiled = compileGlob(pattern);
        if (!compiled.ok) return { ok: false, error: `glob "${pattern}" ${compiled.error}` };
        matchers.push(compiled.match);
      }
      if (matchers.length === 1) {
        const only = matchers[0] as GlobMatcher;
        return ok((v) => typeof v === 'string' && only(v));
      }
      return ok((v) => typeof v === 'string' && matchers.some((m) => m(v)));
    }
    case 'starts_with':
      return ok((v) => typeof v === 'string' && v.startsWith(expected as string));
    case 'ends_with':
      return ok((v) => typeof v === 'string' && v.endsWith(expected as string));
    case 'contains':
      return ok((v) =>
        typeof v === 'string'
          ? typeof expected === 'string' && v.includes(expected)
          : Array.isArray(v) && v.some((item) => item === expected),
      );
    case 'exists':
      return ok((v) => (v !== MISSING) === expected);
    default:
      return { ok: false, error: `unknown operator "${String(operator)}"` };
  }
}

function ok(test: FieldTest): OperatorTestResult {
  return { ok: true, test };
}

/** Both finite numbers, or both strings: nothing else is ordered. */
export function comparable(value: FieldValue, expected: unknown): boolean {
  if (typeof value === 'number') return typeof expected === 'number' && !Number.isNaN(value);
  return typeof value === 'string' && typeof expected === 'string';
}
