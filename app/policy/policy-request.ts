/** What a policy decides about: the request as the server will create it. */
import { z } from 'zod';
import { ActionNameSchema, type Urgency, UrgencySchema } from '../../sdk/schemas.js';

export interface PolicyRequest {
  action: string;
  params: Record<string, unknown>;
  context: Record<string, unknown>;
  urgency: Urgency;
  repository: string | null;
  requester: Record<string, unknown>;
}

const ObjectSchema = z.record(z.string(), z.unknown());

/** A request written by hand (CLI `--request`, policy test cases): only `action` is required. */
export const PolicyRequestInputSchema = z.strictObject({
  action: ActionNameSchema,
  params: ObjectSchema.default({}),
  context: ObjectSchema.default({}),
  urgency: UrgencySchema.default('normal'),
  repository: z.string().nullable().default(null),
  requester: ObjectSchema.default({}),
});
