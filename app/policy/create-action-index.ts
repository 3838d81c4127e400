/**
 * Most rules name their action (`payments.*`, `db.drop_table`), so most rules cannot match a given
 * request. The index maps exact action names and literal prefixes to the rules that could match,
 * so evaluation only runs those. It is a necessary condition only: a candidate still runs its
 * whole condition, and a rule whose action test has no literal prefix is always a candidate.
 */
import { globLiteralPrefix, isLiteralGlob } from './compile-glob.js';
import type { NormalizedCondition } from './normalize-condition.js';

export interface ActionIndex {
  /** Indexes (ascending) of the rules that could match this action. */
  candidates(action: string): readonly number[];
}

interface ActionKeys {
  exact: string[];
  prefixes: string[];
}

const CACHE_LIMIT = 10_000;

export function createActionIndex(conditions: readonly NormalizedCondition[]): ActionIndex {
  const always: number[] = [];
  const exact = new Map<string, number[]>();
  const prefixes = new Map<string, number[]>();
  conditions.forEach((condition, index) => {
    const keys = actionKeys(condition);
    if (keys === null) {
      always.push(index);
      return;
    }
    for (const key of keys.exact) push(exact, key, index);
    for (const key of keys.prefixes) push(prefixes, key, index);
  });
  const prefixLengths = [...new Set([...prefixes.keys()].map((p) => p.length))].sort((a, b) => a - b);
  const cache = new Map<string, readonly number[]>();

  function lookup(action: string): readonly number[] {
    const found = [...always];
    const direct = exact.get(action);
    if (direct) found.push(...direct);
    for (const length of prefixLengths) {
      if (length > action.length) break;
      const byPrefix = prefixes.get(action.slice(0, length));
      if (byPrefix) found.push(...byPrefix);
    }
    found.sort((a, b) => a - b);
    return found.filter((value, i) => i === 0 || found[i - 1] !== value);
  }

  return {
    candidates(action) {
      if (typeof action !== 'string') return conditions.map((_, i) => i);
      let result = cache.get(action);
      if (result === undefined) {
        if (cache.size >= CACHE_LIMIT) cache.clear();
        result = lookup(action);
        cache.set(action, result);
      }
      return result;
    },
  };
}

function push(map: Map<string, number[]>, key: string, index: number): void {
  const list = map.get(key);
  if (list) {
    if (list[list.length - 1] !== index) list.push(index);
  } else map.set(key, [index]);
}

/** The action names or prefixes a request must have for the condition to hold; null when unknown. */
function actionKeys(condition: NormalizedCondition): ActionKeys | null {
  if (condition.kind === 'all') {
    for (const child of condition.children) {
      const keys = actionKeys(child);
      if (keys !== null) return keys;
    }
    return null;
  }
  if (condition.kind !== 'field' || condition.field !== 'action') return null;
  for (const test of condition.tests) {
    const keys = testKeys(test.operator, test.expected);
    if (keys !== null) return keys;
  }
  return null;
}

function testKeys(operator: string, expected: unknown): ActionKeys | null {
  switch (operator) {
    case 'eq':
      return { exact: typeof expected === 'string' ? [expected] : [], prefixes: [] };
    case 'in':
      return { exact: (expected as unknown[]).filter((v) => typeof v === 'string'), prefixes: [] };
    case 'starts_with':
      return expected === '' ? null : { exact: [], prefixes: [expected as string] };
    case 'glob': {
      const keys: ActionKeys = { exact: [], prefixes: [] };
      for (const pattern of typeof expected === 'string' ? [expected] : (expected as string[])) {
        if (isLiteralGlob(pattern)) keys.exact.push(pattern);
        else {
          const prefix = globLiteralPrefix(pattern);
          if (prefix === '') return null;
          keys.prefixes.push(prefix);
        }
      }
      return keys;
    }
    default:
      return null;
  }
}
