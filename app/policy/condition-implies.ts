/**
 * Does every request that satisfies `stronger` also satisfy `weaker`? A conservative, structural
 * answer: true only when it is certain (conjunctions of field tests: equal tests, literal values,
 * narrower globs and prefixes, tighter numeric bounds); anything with `any` or `not` is "don't know".
 */
import { compileGlob, globLiteralPrefix, isLiteralGlob } from './compile-glob.js';
import { createOperatorTest, type FieldTest } from './create-operator-test.js';
import type { NormalizedCondition, NormalizedTest } from './normalize-condition.js';
import { OPERATORS } from './policy-file-schema.js';

type FieldEntry = Extract<NormalizedCondition, { kind: 'field' }>;

/** Compiled tests, reused across many comparisons (keyed by operator and expected value). */
export type TestCache = Map<string, FieldTest | null>;

export function conditionImplies(
  stronger: NormalizedCondition,
  weaker: NormalizedCondition,
  cache: TestCache = new Map(),
): boolean {
  const required = conjunctionOf(weaker);
  if (required === null) return false;
  if (required.size === 0) return true;
  const given = conjunctionOf(stronger);
  if (given === null) return false;
  for (const field of required.keys()) if (!given.has(field)) return false;
  for (const [field, wanted] of required) {
    const tests = given.get(field) as NormalizedTest[];
    if (!wanted.every((test) => testImplied(test, tests, cache))) return false;
  }
  return true;
}

const conjunctions = new WeakMap<NormalizedCondition, Map<string, NormalizedTest[]> | null>();

/** Field → every test on it, for a pure conjunction; null when it has `any` or `not`. Memoized. */
function conjunctionOf(condition: NormalizedCondition): Map<string, NormalizedTest[]> | null {
  let found = conjunctions.get(condition);
  if (found === undefined) {
    const entries = conjunction(condition);
    found = null;
    if (entries !== null) {
      found = new Map();
      for (const entry of entries)
        found.set(entry.field, [...(found.get(entry.field) ?? []), ...entry.tests]);
    }
    conjunctions.set(condition, found);
  }
  return found;
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

/** Operators that fail on a missing field (all but `ne`, `not_in` and `exists`). */
const PRESENCE_REQUIRED: ReadonlySet<string> = new Set(
  OPERATORS.filter((op) => op !== 'ne' && op !== 'not_in' && op !== 'exists'),
);

function testImplied(wanted: NormalizedTest, given: readonly NormalizedTest[], cache: TestCache): boolean {
  if (given.some((g) => g.operator === wanted.operator && sameValue(g.expected, wanted.expected)))
    return true;
  const values = finiteValues(given);
  if (values !== null) {
    const test = compiledTest(wanted, cache);
    return test !== null && values.every((v) => test(v));
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

function compiledTest(test: NormalizedTest, cache: TestCache): FieldTest | null {
  const key = `${test.operator}\u0000${JSON.stringify(test.expected)}`;
  let found = cache.get(key);
  if (found === undefined) {
    const compiled = createOperatorTest(test.operator, test.expected);
    found = compiled.ok ? compiled.test : null;
    cache.set(key, found);
  }
  return found;
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
