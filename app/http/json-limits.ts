/**
 * Limits on the free-form JSON a client may store (`params`, `context`; DESIGN §11). Checked before
 * anything recursive touches the value (zod, fingerprinting, JSON.stringify, policy evaluation), so
 * the walk here is iterative: a body nested 100,000 levels deep costs a loop, not the stack.
 */

export const JSON_LIMITS = {
  /** Levels of nesting: `{}` is 1, `{"a": {}}` is 2. */
  maxDepth: 32,
  /** UTF-8 bytes of the value serialized as JSON. */
  maxBytes: 64 * 1024,
  /** Keys in any one object. */
  maxKeys: 1000,
  /** Characters in any one key. */
  maxKeyLength: 256,
  /** Characters in any one string value. */
  maxStringLength: 32 * 1024,
} as const;

export interface JsonLimitProblem {
  /** Where, e.g. `params.a.b[3]`. */
  path: string;
  /** The limit broken, e.g. `maxDepth`, or `finite` / `noProtoKey`. */
  limit: keyof typeof JSON_LIMITS | 'finiteNumbers' | 'noProtoKey';
  /** The limit's value, where it has one. */
  max?: number;
  message: string;
}

const KEY_LIKE = /^[A-Za-z_$][\w$-]*$/;

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
  return KEY_LIKE.test(key) ? `${parent}.${shown}` : `${parent}[${JSON.stringify(shown)}]`;
}

/**
 * The first way `value` (named `name` in messages) breaks a limit, or null when it is storable.
 * Values other than objects, arrays, strings, finite numbers, booleans and null cannot come out of
 * JSON.parse except non-finite numbers (`1e400` parses as Infinity), which are refused.
 */
export function findJsonLimitProblem(value: unknown, name: string): JsonLimitProblem | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: name, depth: 1 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; path: string; depth: number };
    const { value: v, path, depth } = item;
    if (typeof v === 'string') {
      if (v.length > JSON_LIMITS.maxStringLength) {
        return {
          path,
          limit: 'maxStringLength',
          max: JSON_LIMITS.maxStringLength,
          message: `${path} is a string of ${v.length} characters; strings may have at most ${JSON_LIMITS.maxStringLength}`,
        };
      }
      continue;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) {
        return {
          path,
          limit: 'finiteNumbers',
          message: `${path} is a number too large to represent (it would be stored as null); send it as a string`,
        };
      }
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth > JSON_LIMITS.maxDepth) {
      return {
        path,
        limit: 'maxDepth',
        max: JSON_LIMITS.maxDepth,
        message: `${path} is nested deeper than ${JSON_LIMITS.maxDepth} levels; flatten ${name}`,
      };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        stack.push({ value: v[i], path: childPath(path, i), depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(v);
    if (keys.length > JSON_LIMITS.maxKeys) {
      return {
        path,
        limit: 'maxKeys',
        max: JSON_LIMITS.maxKeys,
        message: `${path} has ${keys.length} keys; an object may have at most ${JSON_LIMITS.maxKeys}`,
      };
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      if (key === '__proto__') {
        return {
          path: childPath(path, key),
          limit: 'noProtoKey',
          message: `${path} has a "__proto__" key, which JavaScript cannot keep as data; rename it`,
        };
      }
      if (key.length > JSON_LIMITS.maxKeyLength) {
        return {
          path: childPath(path, key),
          limit: 'maxKeyLength',
          max: JSON_LIMITS.maxKeyLength,
          message: `${path} has a key of ${key.length} characters; keys may have at most ${JSON_LIMITS.maxKeyLength}`,
        };
      }
      stack.push({
        value: (v as Record<string, unknown>)[key],
        path: childPath(path, key),
        depth: depth + 1,
      });
    }
  }
  // Bounded depth now, so serializing is safe.
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  if (bytes > JSON_LIMITS.maxBytes) {
    return {
      path: name,
      limit: 'maxBytes',
      max: JSON_LIMITS.maxBytes,
      message: `${name} is ${bytes} bytes as JSON; it may be at most ${JSON_LIMITS.maxBytes} (64 KiB)`,
    };
  }
  return null;
}
