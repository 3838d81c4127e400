/**
 * Does every request that satisfies `stronger` also satisfy `weaker`? A conservative, structural
 * answer: true only when it is certain (conjunctions of field tests: equal tests, literal values,
 * narrower globs and prefixes, tighter numeric bounds); anything with `any` or `not` is "don't know".
 */
import { compileGlob, globLiteralPrefix, isLiteralGlob } from './compile-glob.js';
import { createOperatorTest } from './create-operator-test.js';
import type { NormalizedCondition, NormalizedTest } from './normalize-condition.js';

type FieldEntry = Extract<NormalizedCondition, { kind: 'field' }>;

export function conditionImplies(stronger: NormalizedCondition, weaker: NormalizedCondition): boolean {
  const required = conjunction(weaker);
  if (required === null) return false;
  if (required.length === 0) return true;
  const given = conjunction(stronger);
  if (given === null) return false;
  return required.every((entry) => {
    const tests = given.filter((g) => g.field === entry.field).flatMap((g) => g.tests);
    return tests.length > 0 && entry.tests.every((test) => testImplied(test, tests));
  });
}

/** The field entries of a pure conjunction, or null when the condition has `any` or `not`. */
function conjunction(condition: NormalizedCondition): FieldEntry[] | null {
  if (condition.kind === 'field') return [condition];
  if (condition.kind !== 'all') return null;
  const out: FieldEntry[] = [];
  for (const child of condition.children) {
    const entries = conjunction(child);
    if (entries === null) return null;
    out.push(...entries);
  }
  return out;
}

const PRESENCE_REQUIRED = new Set([
  'eq',
  'in',
  'gt',
  'gte',
  'lt',
  'lte',
  'matches',
  'glob',
  'starts_with',
  'ends_with',
  'contains',
]);

function testImplied(wanted: NormalizedTest, given: readonly NormalizedTest[]): boolean {
  if (given.some((g) => g.operator === wanted.operator && sameValue(g.expected, wanted.expected)))
    return true;
  const values = finiteValues(given);
  if (values !== null) {
    const compiled = createOperatorTest(wanted.operator, wanted.expected);
    return compiled.ok && values.every((v) => compiled.test(v));
  }
  switch (wanted.operator) {
    case 'exists':
      return wanted.expected === true && given.some((g) => PRESENCE_REQUIRED.has(g.operator));
    case 'glob':
      return given.some(
        (g) =>
          g.operator === 'glob' &&
          patterns(g.expected).every((p) => globCovered(p, patterns(wanted.expected))),
      );
    case 'starts_with': {
      const prefix = wanted.expected as string;
      return given.some(
        (g) =>
          (g.operator === 'starts_with' && (g.expected as string).startsWith(prefix)) ||
          (g.operator === 'glob' &&
            patterns(g.expected).every((p) => globLiteralPrefix(p).startsWith(prefix))),
      );
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return given.some((g) => boundImplies(g, wanted));
    default:
      return false;
  }
}

/** The only values the field can have, when the given tests pin it to a list. */
function finiteValues(given: readonly NormalizedTest[]): unknown[] | null {
  for (const g of given) {
    if (g.operator === 'eq') return [g.expected];
    if (g.operator === 'in') return g.expected as unknown[];
    if (g.operator === 'glob' && patterns(g.expected).every(isLiteralGlob)) return patterns(g.expected);
  }
  return null;
}

function patterns(expected: unknown): string[] {
  return typeof expected === 'string' ? [expected] : (expected as string[]);
}

/** Is everything `pattern` matches also matched by one of `covering`? */
function globCovered(pattern: string, covering: readonly string[]): boolean {
  return covering.some((c) => {
    if (c === pattern) return true;
    if (isLiteralGlob(pattern)) {
      const compiled = compileGlob(c);
      return compiled.ok && compiled.match(pattern);
    }
    const prefix = globLiteralPrefix(c);
    const rest = c.slice(prefix.length);
    if (!pattern.startsWith(prefix)) return false;
    if (rest === '**') return true;
    return rest === '*' && !pattern.slice(prefix.length).includes('/') && !pattern.includes('**');
  });
}

function boundImplies(given: NormalizedTest, wanted: NormalizedTest): boolean {
  const g = given.expected;
  const w = wanted.expected;
  if (typeof g !== 'number' || typeof w !== 'number') return false;
  switch (wanted.operator) {
    case 'gt':
      return (given.operator === 'gt' && g >= w) || (given.operator === 'gte' && g > w);
    case 'gte':
      return (given.operator === 'gt' || given.operator === 'gte') && g >= w;
    case 'lt':
      return (given.operator === 'lt' && g <= w) || (given.operator === 'lte' && g < w);
    case 'lte':
      return (given.operator === 'lt' || given.operator === 'lte') && g <= w;
    default:
      return false;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
