/**
 * `npm run schema`: writes policies/schema.json from the zod schema. The one file under
 * app/policy that touches the disk; it is a script, not part of the pure module.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderPolicyJsonSchema } from './create-policy-json-schema.js';

const target = fileURLToPath(new URL('../../policies/schema.json', import.meta.url));
writeFileSync(target, renderPolicyJsonSchema());
process.stdout.write(`wrote ${target}\n`);
