/**
 * `npm run schema`: writes policies/schema.json from the zod schema. The writing lives here, not in
 * app/policy, so the policy module stays pure (the rule pure-core-does-no-io).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderPolicyJsonSchema } from '../app/policy/create-policy-json-schema.js';

const target = fileURLToPath(new URL('../policies/schema.json', import.meta.url));
writeFileSync(target, renderPolicyJsonSchema());
process.stdout.write(`wrote ${target}\n`);
