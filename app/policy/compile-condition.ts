/** A normalized condition → closures that test a request, with everything compiled once. */

import { createOperatorTest, type FieldTest } from './create-operator-test.js';
import { createFieldReader, type FieldValue, parseFieldPath } from './field-path.js';
import type { NormalizedCondition } from './normalize-condition.js';
import type { YamlPath } from './parse-policy-yaml.js';
import type { Operator } from './policy-file-schema.js';
import type { PolicyRequest } from './policy-request.js';

export interface CompiledCheck {
  operator: Operator;
  expected: unknown;
  test: FieldTest;
}

export type CompiledCondition =
  | { kind: 'all' | 'any'; children: CompiledCondition[] }
  | { kind: 'not'; child: CompiledCondition }
  | {
      kind: 'field';
      path: string;
      field: string;
      read: (request: PolicyRequest) => FieldValue;
      checks: CompiledCheck[];
    };

export interface CompileFailure {
  yamlPath: YamlPath;
  error: string;
}

export function compileCondition(
  condition: NormalizedCondition,
  failures: CompileFailure[],
): CompiledCondition {
  switch (condition.kind) {
    case 'all':
    case 'any':
      return { kind: condition.kind, children: condition.children.map((c) => compileCondition(c, failures)) };
    case 'not':
      return { kind: 'not', child: compileCondition(condition.child, failures) };
    case 'field': {
      const fieldPath = parseFieldPath(condition.field);
      if (fieldPath === null) {
        failures.push({ yamlPath: condition.yamlPath, error: `unknown field "${condition.field}"` });
      }
      const read = fieldPath ? createFieldReader(fieldPath) : () => undefined;
      const checks: CompiledCheck[] = [];
      for (const test of condition.tests) {
        const compiled = createOperatorTest(test.operator, test.expected);
        if (!compiled.ok) failures.push({ yamlPath: test.yamlPath, error: compiled.error });
        else checks.push({ operator: test.operator, expected: test.expected, test: compiled.test });
      }
      return { kind: 'field', path: condition.path, field: condition.field, read, checks };
    }
  }
}
