/**
 * Where a condition looks in a request. `params.<path>` and `context.<path>` only ever read inside
 * `params` and `context`, so a `params.action` field can never stand in for the real `action`.
 */
import type { PolicyRequest } from './policy-request.js';

export const TOP_LEVEL_FIELDS = ['action', 'urgency', 'repository'] as const;
export const NESTED_ROOTS = ['params', 'context', 'requester'] as const;

export const KNOWN_FIELDS_TEXT =
  'action, urgency, repository, requester.<path>, params.<path> or context.<path>';

export type FieldPath =
  | { root: (typeof TOP_LEVEL_FIELDS)[number]; segments: readonly [] }
  | { root: (typeof NESTED_ROOTS)[number]; segments: readonly string[] };

/** `params.amount` → {root: 'params', segments: ['amount']}; null for anything else. */
export function parseFieldPath(key: string): FieldPath | null {
  if ((TOP_LEVEL_FIELDS as readonly string[]).includes(key)) {
    return { root: key as (typeof TOP_LEVEL_FIELDS)[number], segments: [] };
  }
  const [root, ...segments] = key.split('.');
  if (!(NESTED_ROOTS as readonly string[]).includes(root ?? '') || segments.length === 0) return null;
  if (segments.some((s) => s.length === 0)) return null;
  return { root: root as (typeof NESTED_ROOTS)[number], segments };
}

export function isKnownField(key: string): boolean {
  return parseFieldPath(key) !== null;
}

/** Marks a field the request does not have (as opposed to a present `null`). */
export const MISSING: unique symbol = Symbol('missing');
export type FieldValue = unknown | typeof MISSING;

/** A reader for one field path, built once per condition. Own properties only, never the prototype. */
export function createFieldReader(path: FieldPath): (request: PolicyRequest) => FieldValue {
  if (path.segments.length === 0) {
    const root = path.root as (typeof TOP_LEVEL_FIELDS)[number];
    return (request) => request[root];
  }
  const root = path.root as (typeof NESTED_ROOTS)[number];
  const segments = path.segments;
  return (request) => {
    let current: unknown = request[root];
    for (const segment of segments) {
      current = readChild(current, segment);
      if (current === MISSING) return MISSING;
    }
    return current;
  };
}

function readChild(value: unknown, segment: string): FieldValue {
  if (value === null || typeof value !== 'object') return MISSING;
  if (Array.isArray(value)) {
    if (!/^(?:0|[1-9]\d*)$/.test(segment)) return MISSING;
    const index = Number(segment);
    return index < value.length ? value[index] : MISSING;
  }
  return Object.hasOwn(value, segment) ? (value as Record<string, unknown>)[segment] : MISSING;
}
