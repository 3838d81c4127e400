/** `policies/tests/*.yaml`: cases of request → expected decision, run offline by `policy test`. */
import { z } from 'zod';
import { DurationSchema, PERMISSIONS, POLICY_DECISIONS, REVIEW_VIAS } from '../../sdk/schemas.js';
import { PolicyRequestInputSchema } from './policy-request.js';

/** Part of a requirement: only the keys given are compared. */
export const ExpectedRequirementSchema = z.strictObject({
  rule: z.string().optional(),
  approvers: z
    .strictObject({
      users: z.array(z.string()).optional(),
      teams: z.array(z.string()).optional(),
      permission: z.enum(PERMISSIONS).optional(),
      slack: z.array(z.string()).optional(),
      discord: z.array(z.string()).optional(),
      email: z.array(z.string()).optional(),
    })
    .optional(),
  count: z.number().int().positive().optional(),
  via: z.enum(REVIEW_VIAS).optional(),
  timeout: DurationSchema.nullable().optional(),
  notify: z
    .strictObject({
      slack: z.string().optional(),
      discord: z.array(z.string()).optional(),
      email: z.array(z.string()).optional(),
    })
    .nullable()
    .optional(),
  allow_requester: z.boolean().optional(),
});
export type ExpectedRequirement = z.infer<typeof ExpectedRequirementSchema>;

export const PolicyTestCaseSchema = z.strictObject({
  name: z.string().min(1, 'give the case a name'),
  request: PolicyRequestInputSchema,
  expect: z.enum(POLICY_DECISIONS, { error: `expect is one of ${POLICY_DECISIONS.join(', ')}` }),
  rules: z.array(z.string()).optional().describe('rules that must be among the matching rules'),
  requires: z
    .array(ExpectedRequirementSchema)
    .optional()
    .describe('requirements that must be among the result (only the keys given are compared)'),
  overrides: z
    .boolean({ error: 'overrides is true or false' })
    .optional()
    .describe(
      'false: the policies must forbid operator overrides (API-key decisions) on it; true: allow them',
    ),
});
export type PolicyTestCase = z.infer<typeof PolicyTestCaseSchema>;

export const PolicyTestFileSchema = z.strictObject({
  cases: z.array(PolicyTestCaseSchema).min(1, 'a test file needs at least one case'),
});
