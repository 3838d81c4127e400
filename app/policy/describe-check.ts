/** One condition check in words: `params.amount is 5000, which is greater than 1000`. */

import { comparable } from './create-operator-test.js';
import { type FieldValue, MISSING } from './field-path.js';
import type { Operator } from './policy-file-schema.js';

const PHRASES: Record<Operator, [yes: string, no: string]> = {
  eq: ['equals', 'is not'],
  ne: ['is not', 'equals'],
  in: ['is one of', 'is not one of'],
  not_in: ['is not one of', 'is one of'],
  gt: ['is greater than', 'is not greater than'],
  gte: ['is at least', 'is less than'],
  lt: ['is less than', 'is not less than'],
  lte: ['is at most', 'is greater than'],
  matches: ['matches the regular expression', 'does not match the regular expression'],
  glob: ['matches', 'does not match'],
  starts_with: ['starts with', 'does not start with'],
  ends_with: ['ends with', 'does not end with'],
  contains: ['contains', 'does not contain'],
  exists: ['', ''],
};

export function describeCheck(
  field: string,
  operator: Operator,
  expected: unknown,
  actual: FieldValue,
  passed: boolean,
): string {
  if (operator === 'exists') {
    const present = actual !== MISSING;
    return `${field} is ${present ? 'present' : 'missing'}${passed ? '' : `, but the rule wants it ${expected ? 'present' : 'missing'}`}`;
  }
  const [yes, no] = PHRASES[operator];
  const wanted =
    operator === 'glob'
      ? renderPatterns(expected)
      : operator === 'matches'
        ? `/${String(expected)}/`
        : render(expected);
  if (actual === MISSING) {
    return passed
      ? `${field} is missing, so it ${yes} ${wanted}`
      : `${field} is missing, so "${yes} ${wanted}" does not hold`;
  }
  const shown = `${field} is ${render(actual)}`;
  if (!passed && isTypeMismatch(operator, expected, actual)) {
    return `${shown} (${typeName(actual)}), so "${yes} ${wanted}" (${typeName(expected)}) does not hold; values are never converted`;
  }
  return `${shown}, which ${passed ? yes : no} ${wanted}`;
}

function isTypeMismatch(operator: Operator, expected: unknown, actual: unknown): boolean {
  switch (operator) {
    case 'eq':
    case 'ne':
      return typeName(expected) !== typeName(actual) && expected !== null && actual !== null;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return !comparable(actual, expected);
    case 'matches':
    case 'glob':
    case 'starts_with':
    case 'ends_with':
      return typeof actual !== 'string';
    default:
      return false;
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

const MAX_SHOWN = 80;

function render(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

function renderPatterns(expected: unknown): string {
  if (typeof expected === 'string') return `"${expected}"`;
  const list = expected as string[];
  return list.length === 1 ? `"${list[0]}"` : `any of ${list.map((p) => `"${p}"`).join(', ')}`;
}
