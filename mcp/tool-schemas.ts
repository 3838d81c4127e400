/**
 * Input and output schemas of the MCP tools. `tools/list` publishes them as JSON Schema, so a model
 * sees every description here; `test/mcp/__snapshots__/tools.json` makes any change a visible diff.
 */
import { z } from 'zod';
import {
  ActionNameSchema,
  DurationSchema,
  PolicyDecisionKindSchema,
  REQUEST_STATUSES,
  RequestStatusSchema,
  UrgencySchema,
} from '../sdk/schemas.js';

/** Longest inline wait of one tool call, in seconds. Longer waits are repeated `wait_for_decision` calls. */
export const MAX_WAIT_SECONDS = 300;

const IdSchema = z
  .string()
  .min(1)
  .max(200)
  .describe('The request id, as returned by request_approval (e.g. "req_…").');

const ObjectSchema = z.record(z.string(), z.unknown());

const RequestFields = {
  action: ActionNameSchema.describe(
    'What you want to do, e.g. "send_email", "deploy:production", "db.drop_table". Letters, digits and _ . : - / @ only.',
  ),
  params: ObjectSchema.default({}).describe(
    'The action’s arguments (e.g. {"to": "ceo@example.com", "subject": "…"}). An approval covers exactly these.',
  ),
  context: ObjectSchema.default({}).describe(
    'Facts that help a reviewer decide: your agent name, the task, a PR url; "onBehalfOf" names the human who delegated the task.',
  ),
  urgency: UrgencySchema.default('normal').describe('How soon a human should look at it.'),
};

export const requestApprovalInput = {
  ...RequestFields,
  timeout: DurationSchema.optional().describe(
    'How long reviewers have before the request expires: seconds, or a duration such as "30m", "4h". Default: the policy’s.',
  ),
  wait_seconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .default(0)
    .describe(
      `Seconds to wait for a human decision before returning (0–${MAX_WAIT_SECONDS}, default 0: return at once). Policies that decide at once never wait.`,
    ),
};

export const checkRequestInput = { id: IdSchema };

export const waitForDecisionInput = {
  id: IdSchema,
  wait_seconds: z
    .number()
    .int()
    .min(1)
    .max(MAX_WAIT_SECONDS)
    .default(45)
    .describe(
      `Longest time to wait, 1–${MAX_WAIT_SECONDS} seconds (default 45). Returns as soon as the request is decided, or still pending at the end.`,
    ),
};

export const listRequestsInput = {
  status: RequestStatusSchema.optional().describe('Only requests with this status.'),
  action: z.string().min(1).max(200).optional().describe('Only requests for exactly this action.'),
  limit: z.number().int().min(1).max(100).default(20).describe('How many to return, 1–100 (default 20).'),
  offset: z.number().int().min(0).default(0).describe('How many to skip (for the next page).'),
};

export const explainPolicyInput = RequestFields;

const ErrorSchema = z
  .object({ code: z.string(), message: z.string() })
  .describe('Why the call failed; present only on error results.');

const RequirementSummarySchema = z.object({
  rule: z.string(),
  count: z.number().int().describe('Distinct approvals needed.'),
  approvers: z.string().describe('Who qualifies, in words.'),
  approvedBy: z.array(z.string()).optional().describe('Who has approved so far.'),
});

const RequestSummaryShape = {
  id: z.string().nullable().describe('The request id; null when no request was created.'),
  status: z
    .enum(REQUEST_STATUSES)
    .nullable()
    .describe('pending, approved, denied, expired or cancelled; null when the call failed (see error).'),
  action: z.string().optional(),
  decidedBy: z
    .string()
    .nullable()
    .optional()
    .describe('Who decided: "policy", "github:<login>", "slack:<id>", "api:<key name>", "system:expiry".'),
  reason: z.string().nullable().optional().describe('Why it was decided so, when the decider said.'),
  reviewUrl: z
    .string()
    .nullable()
    .optional()
    .describe('Where a human reviews it (GitHub issue or check run).'),
  expiresAt: z.string().optional(),
  decidedAt: z.string().nullable().optional(),
  requirements: z
    .array(RequirementSummarySchema)
    .optional()
    .describe('For a human-routed request: the approvals it needs.'),
};

export const requestResultOutput = {
  ...RequestSummaryShape,
  approved: z.boolean().describe('True only when the action may be performed now.'),
  error: ErrorSchema.optional(),
};

export const listRequestsOutput = {
  requests: z.array(z.object({ ...RequestSummaryShape, id: z.string(), status: RequestStatusSchema })),
  pagination: z
    .object({
      total: z.number().int(),
      limit: z.number().int(),
      offset: z.number().int(),
      hasMore: z.boolean(),
    })
    .optional(),
  error: ErrorSchema.optional(),
};

export const explainPolicyOutput = {
  outcome: z
    .enum(['approved', 'denied', 'routed_to_human'])
    .optional()
    .describe('What would happen if you requested it now.'),
  decision: PolicyDecisionKindSchema.optional(),
  rules: z.array(z.string()).optional().describe('The rules that decide it.'),
  reason: z.string().optional(),
  requirements: z.array(RequirementSummarySchema).optional(),
  policyVersion: z.string().optional(),
  error: ErrorSchema.optional(),
};

type Shape<T extends z.ZodRawShape> = z.output<z.ZodObject<T>>;
export type RequestResult = Shape<typeof requestResultOutput>;
export type ListRequestsResult = Shape<typeof listRequestsOutput>;
export type ExplainPolicyResult = Shape<typeof explainPolicyOutput>;
export type RequirementSummary = z.output<typeof RequirementSummarySchema>;
