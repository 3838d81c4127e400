import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPolicyJsonSchema } from '../../app/policy/index.js';

const COMMITTED = join(import.meta.dirname, '../../policies/schema.json');

describe('policies/schema.json', () => {
  it('is what the zod schema generates (run `npm run schema` after changing it)', () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(renderPolicyJsonSchema());
  });

  it('describes rules, conditions with their field names, and refuses unknown keys', () => {
    const schema = JSON.parse(renderPolicyJsonSchema()) as {
      additionalProperties: boolean;
      properties: { rules: { items: { required: string[]; additionalProperties: boolean } } };
      $defs: {
        condition: { propertyNames: { pattern: string } };
        operators: { properties: Record<string, unknown> };
      };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.rules.items.required).toEqual(['name', 'if', 'decision']);
    expect(schema.properties.rules.items.additionalProperties).toBe(false);
    const fieldKey = new RegExp(schema.$defs.condition.propertyNames.pattern);
    expect(
      ['action', 'params.amount', 'context.a.b', 'requester.name', 'any'].every((k) => fieldKey.test(k)),
    ).toBe(true);
    expect(['params', 'amount', 'params.', 'foo.bar'].some((k) => fieldKey.test(k))).toBe(false);
    expect(Object.keys(schema.$defs.operators.properties)).toEqual([
      'eq',
      'ne',
      'in',
      'not_in',
      'gt',
      'gte',
      'lt',
      'lte',
      'matches',
      'glob',
      'starts_with',
      'ends_with',
      'contains',
      'exists',
    ]);
  });
});
