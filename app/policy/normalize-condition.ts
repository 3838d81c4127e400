/**
 * A parsed `if` → a uniform tree: every field entry becomes a list of (operator, expected) tests.
 * `action: "db.*"` and `action: [a, b]` become `glob`; any other scalar becomes `eq`.
 * Paths are kept twice: as shown to users (`if.any[1].urgency`) and as YAML paths (for positions).
 */
import type { YamlPath } from './parse-policy-yaml.js';
import type { Condition, Operator } from './policy-file-schema.js';

export interface NormalizedTest {
  operator: Operator;
  /** As written; for `glob`, a string or a list of strings. */
  expected: unknown;
  yamlPath: YamlPath;
}

export type NormalizedCondition =
  | { kind: 'all' | 'any'; path: string; yamlPath: YamlPath; children: NormalizedCondition[] }
  | { kind: 'not'; path: string; yamlPath: YamlPath; child: NormalizedCondition }
  | {
      kind: 'field';
      path: string;
      yamlPath: YamlPath;
      field: string;
      /** How the matcher was written: `scalar` (x), `list` ([x, y]) or `operators` ({gt: 1}). */
      form: 'scalar' | 'list' | 'operators';
      tests: NormalizedTest[];
    };

export function normalizeCondition(
  condition: Condition,
  path: string,
  yamlPath: YamlPath,
): NormalizedCondition {
  const children: NormalizedCondition[] = [];
  for (const [key, value] of Object.entries(condition)) {
    const childPath = `${path}.${key}`;
    const childYaml = [...yamlPath, key];
    if (key === 'all' || key === 'any') {
      const items = value as Condition[];
      children.push({
        kind: key,
        path: childPath,
        yamlPath: childYaml,
        children: items.map((item, i) => normalizeCondition(item, `${childPath}[${i}]`, [...childYaml, i])),
      });
    } else if (key === 'not') {
      children.push({
        kind: 'not',
        path: childPath,
        yamlPath: childYaml,
        child: normalizeCondition(value as Condition, childPath, childYaml),
      });
    } else {
      children.push(normalizeField(key, value, childPath, childYaml));
    }
  }
  return { kind: 'all', path, yamlPath, children };
}

function normalizeField(
  field: string,
  value: unknown,
  path: string,
  yamlPath: YamlPath,
): NormalizedCondition {
  const base = { kind: 'field' as const, path, yamlPath, field };
  if (Array.isArray(value)) {
    const operator: Operator = field === 'action' ? 'glob' : 'in';
    return { ...base, form: 'list', tests: [{ operator, expected: value, yamlPath }] };
  }
  if (value !== null && typeof value === 'object') {
    const tests = Object.entries(value).map(([operator, expected]) => ({
      operator: operator as Operator,
      expected,
      yamlPath: [...yamlPath, operator],
    }));
    return { ...base, form: 'operators', tests };
  }
  const operator: Operator = field === 'action' && typeof value === 'string' ? 'glob' : 'eq';
  return { ...base, form: 'scalar', tests: [{ operator, expected: value, yamlPath }] };
}

/** Every field entry in a condition tree, depth first. */
export function collectFieldConditions(
  condition: NormalizedCondition,
): Extract<NormalizedCondition, { kind: 'field' }>[] {
  if (condition.kind === 'field') return [condition];
  if (condition.kind === 'not') return collectFieldConditions(condition.child);
  return condition.children.flatMap(collectFieldConditions);
}
