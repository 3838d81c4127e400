/** `policies/schema.json`: the JSON Schema editors use to check policy files as they are typed. */
import { z } from 'zod';
import { PolicyFileSchema } from './policy-file-schema.js';

const POLICY_SCHEMA_ID = 'https://agentgate.dev/schemas/policy.json';

function createPolicyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PolicyFileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  return { $schema: schema.$schema, $id: POLICY_SCHEMA_ID, ...schema };
}

/** The exact text of `policies/schema.json`. */
export function renderPolicyJsonSchema(): string {
  return `${JSON.stringify(createPolicyJsonSchema(), null, 2)}\n`;
}
