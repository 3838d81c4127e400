/**
 * The wire contract between the AgentGate server and every client.
 *
 * The server validates its inputs with these schemas and types its outputs with the inferred types;
 * the SDK, CLI, Action and MCP server read the same definitions, so the two sides cannot drift.
 * This module imports nothing but zod: it is safe in any runtime that has `fetch`.
 */
import { z } from 'zod';

/** How soon a human should look at a request. */
export const URGENCIES = ['low', 'normal', 'high', 'critical'] as const;
export const UrgencySchema = z.enum(URGENCIES);
export type Urgency = z.infer<typeof UrgencySchema>;

/** Lifecycle of a request. Only `pending` ever changes, and only once. */
export const REQUEST_STATUSES = ['pending', 'approved', 'denied', 'expired', 'cancelled'] as const;
export const RequestStatusSchema = z.enum(REQUEST_STATUSES);
export type RequestStatus = z.infer<typeof RequestStatusSchema>;

/** What a policy decided. */
export const POLICY_DECISIONS = ['auto_approve', 'auto_deny', 'route_to_human'] as const;
export const PolicyDecisionKindSchema = z.enum(POLICY_DECISIONS);
export type PolicyDecisionKind = z.infer<typeof PolicyDecisionKindSchema>;

/** Scopes an API key can hold. `admin` implies every other scope. */
export const SCOPES = [
  'admin',
  'request:create',
  'request:read',
  'request:decide',
  'webhook:manage',
] as const;
export const ScopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof ScopeSchema>;

/** Minimum repository permission, lowest first. */
export const PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export const PermissionSchema = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof PermissionSchema>;

export const REVIEW_VIAS = ['issue', 'check'] as const;
export const ReviewViaSchema = z.enum(REVIEW_VIAS);
export type ReviewVia = z.infer<typeof ReviewViaSchema>;

export const WEBHOOK_EVENTS = ['request.created', 'request.decided', 'request.expired'] as const;
export const WebhookEventSchema = z.enum(WEBHOOK_EVENTS);
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

/** Error codes the server puts in `{error, code}` bodies. */
export const ERROR_CODES = [
  'bad_request',
  'validation_failed',
  /** `params`/`context` break a storage limit (depth, size, keys, string length; `details` names the path). */
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'idempotency_conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'not_installed',
  /** A request authenticated by a GitHub Actions OIDC token names a fact its token contradicts (`details.field`). */
  'contradicts_token',
  /** A policy forbids operator overrides (API-key decisions) on this request; review it on GitHub. */
  'override_forbidden',
  'unavailable',
  'internal_error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const JsonObjectSchema = z.record(z.string(), z.unknown());
export type JsonObject = z.infer<typeof JsonObjectSchema>;

/** `owner/name`, as GitHub spells repositories. */
export const RepositoryNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, 'must be "owner/name"');

/**
 * An action name such as `send_email`, `deploy:production` or `db.drop_table`: letters, digits and
 * `_ . : - / @`, no spaces and no glob characters (so a name can never smuggle a pattern into a policy).
 */
export const ActionNameSchema = z
  .string()
  .min(1, 'action must not be empty')
  .max(200, 'action must be at most 200 characters')
  .regex(/^[A-Za-z0-9_.:\-/@]+$/, 'action may contain only letters, digits and _ . : - / @');

/**
 * A duration: a number of seconds, or a string such as `90s`, `30m`, `4h`, `2d` (units may be combined: `1h30m`).
 */
export const DurationSchema = z.union([
  z.number().int('timeout in seconds must be a whole number').positive('timeout must be positive'),
  z
    .string()
    .regex(/^(?:\d+[smhdw])+$/, 'timeout must be seconds or a duration such as "90s", "30m", "4h", "2d"')
    // "0s" and "0m0s" are durations of nothing: refused, never read as "no timeout given".
    .refine((value) => !/^(?:0+[smhdw])+$/.test(value), 'timeout must be positive'),
]);

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds in a duration (`"1h30m"` → 5400, `90` → 90), or null when it is not one. */
export function durationToSeconds(value: number | string): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : null;
  if (!/^(?:\d+[smhdw])+$/.test(value)) return null;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)([smhdw])/g)) {
    total += Number(amount) * (UNIT_SECONDS[unit as string] ?? 0);
  }
  return total > 0 ? total : null;
}

/** Longest a request may stay pending. */
export const MAX_TIMEOUT_SECONDS = 90 * 86_400;

// ---------------------------------------------------------------------------------------------
// Policy decisions (what `POST /api/policies/evaluate` and `policy explain --json` return)

export const ApproversSchema = z.object({
  users: z.array(z.string()).optional(),
  teams: z.array(z.string()).optional(),
  permission: PermissionSchema.optional(),
  slack: z.array(z.string()).optional(),
  /** Discord user ids (snowflakes). */
  discord: z.array(z.string()).optional(),
  /** Email addresses that may decide through a decision link. */
  email: z.array(z.string()).optional(),
});
export type Approvers = z.infer<typeof ApproversSchema>;

/** One matching routing rule's requirement: `count` distinct qualified approvers. */
export const RequirementSchema = z.object({
  rule: z.string(),
  approvers: ApproversSchema,
  count: z.number().int().positive(),
  via: ReviewViaSchema,
  /** Duration as written in the policy (`"4h"`), or null when none applies. */
  timeout: z.string().nullable(),
  notify: z
    .object({
      slack: z.string().optional(),
      /** Discord channel ids. */
      discord: z.array(z.string()).optional(),
      /** Addresses mailed about the request. */
      email: z.array(z.string()).optional(),
    })
    .nullable(),
  allowRequester: z.boolean(),
});
export type Requirement = z.infer<typeof RequirementSchema>;

/** One condition's outcome, in data and in words. */
export const ConditionCheckSchema = z.object({
  /** Where the check sits in the rule's `if`, e.g. `if.params.amount` or `if.any[1].urgency`. */
  path: z.string(),
  field: z.string(),
  operator: z.string(),
  expected: z.unknown(),
  actual: z.unknown(),
  passed: z.boolean(),
  /** e.g. `params.amount is 5000, which is greater than 1000` */
  text: z.string(),
});
export type ConditionCheck = z.infer<typeof ConditionCheckSchema>;

export const RuleTraceSchema = z.object({
  rule: z.string(),
  file: z.string(),
  decision: PolicyDecisionKindSchema,
  matched: z.boolean(),
  checks: z.array(ConditionCheckSchema),
});
export type RuleTrace = z.infer<typeof RuleTraceSchema>;

export const PolicyEvaluationSchema = z.object({
  decision: PolicyDecisionKindSchema,
  /** Names of the rules that decided (for `auto_deny`, the denying rules; for routing, every routing rule). */
  rules: z.array(z.string()),
  /** One line a human can read. */
  reason: z.string(),
  requirements: z.array(RequirementSchema),
  conditions: z.array(RuleTraceSchema),
  policyVersion: z.string(),
  /**
   * The routing rules (`default` for the defaults) whose `overrides: false` forbids an operator
   * override, a decision through the API with a `request:decide` key, on this request. Empty: allowed.
   */
  overridesForbiddenBy: z.array(z.string()).default([]),
});
export type PolicyEvaluation = z.infer<typeof PolicyEvaluationSchema>;

/** The policy decision recorded on a request. */
export const PolicyDecisionSchema = z.object({
  decision: PolicyDecisionKindSchema,
  rules: z.array(z.string()),
  policyVersion: z.string(),
  reason: z.string(),
  /**
   * As in the evaluation, recorded at creation: the policy in force then decides. Absent on requests
   * stored before policies could forbid overrides, which read as "allowed".
   */
  overridesForbiddenBy: z.array(z.string()).optional(),
});
export type PolicyDecision = z.infer<typeof PolicyDecisionSchema>;

// ---------------------------------------------------------------------------------------------
// Requests

export const RequesterSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('api_key'), name: z.string() }),
  z.object({
    type: z.literal('github_actions'),
    repository: z.string(),
    actor: z.string(),
    /** `workflowRef` when the token had one, else the workflow's name (kept for older clients). */
    workflow: z.string(),
    runId: z.string(),
    sha: z.string(),
    ref: z.string(),
    /**
     * The rest are the token's other verified claims (DESIGN §11), matched by policies as
     * `requester.<name>`. Requests stored before these existed read back with what their `ref` and
     * `workflow` say, and null for the rest.
     */
    /** `workflow_ref`: `owner/name/.github/workflows/x.yml@refs/heads/main`. */
    workflowRef: z.string(),
    /** `job_workflow_ref`: the reusable workflow the job runs, else the same as `workflowRef`. */
    jobWorkflowRef: z.string().nullable(),
    /** `event_name`: `push`, `pull_request`, `workflow_dispatch`, `issue_comment`, … */
    event: z.string().nullable(),
    /** `environment`: the deployment environment the job runs in, when it uses one. */
    environment: z.string().nullable(),
    /** N of a `refs/pull/N/merge` ref: the pull request the workflow runs for. */
    pullRequest: z.number().int().nullable(),
  }),
  /**
   * A deployment to a GitHub environment this app protects (a custom deployment protection rule,
   * docs/deployments.md): every fact comes from GitHub's signed `deployment_protection_rule` webhook
   * (or, for a missed one, from GitHub's API), never from an agent.
   */
  z.object({
    type: z.literal('github_deployment'),
    repository: z.string(),
    /** The environment's name, exactly as GitHub spells it. */
    environment: z.string(),
    /** Who created the deployment: the workflow run's actor. */
    actor: z.string(),
    /** The event that started the workflow run: `push`, `workflow_dispatch`, … */
    event: z.string().nullable(),
    /** The deployment's ref as GitHub gives it: a branch or tag name such as `main`, or a commit. */
    ref: z.string(),
    sha: z.string(),
    /** The workflow run waiting for the decision (the callback answers it). */
    runId: z.string(),
    deploymentId: z.number().int().nullable(),
    /** The pull requests GitHub lists for the deployment. */
    pullRequests: z.array(z.number().int()),
    /** The one pull request, when GitHub lists exactly one: its reviews count for the request. */
    pullRequest: z.number().int().nullable(),
  }),
]);
export type Requester = z.infer<typeof RequesterSchema>;

export const VoteSchema = z.object({
  /** `decidedBy`-style: `github:<login>`, `slack:<user id>`. */
  voter: z.string(),
  decision: z.enum(['approve', 'deny']),
  reason: z.string().nullable(),
  createdAt: z.string(),
  /**
   * Where it was cast: `github:comment`, `github:check_run`, `github:review`, `github:issue_closed`,
   * `slack`, `discord`, `email` (a signed decision link), `console` (the web console), `api`.
   */
  source: z.string(),
  /** The requirements (rule names) this voter qualified for when voting. */
  qualifiesFor: z.array(z.string()),
  /**
   * Where the vote can be seen: the pull request review's or comment's page on GitHub, the check
   * run whose button was clicked; null for Slack, the API, and votes stored before it was recorded.
   */
  url: z.string().nullable().default(null),
});
export type Vote = z.infer<typeof VoteSchema>;

export const ReviewRequirementSchema = RequirementSchema.extend({
  /** `decidedBy`-style names of the people whose approvals count toward this requirement. */
  approvedBy: z.array(z.string()),
});
export type ReviewRequirement = z.infer<typeof ReviewRequirementSchema>;

/** For human-routed requests: what must happen, what has happened, and where. */
export const ReviewSchema = z.object({
  via: ReviewViaSchema,
  /** Where a human reviews it (the GitHub issue or check run), once known. */
  url: z.string().nullable(),
  requirements: z.array(ReviewRequirementSchema),
  votes: z.array(VoteSchema),
  /**
   * The pull request whose reviews and `/approve` comments count for this request (DESIGN §11): the
   * one its workflow's OIDC token names, or the `context.pullRequest` named by a principal allowed to
   * bind (an OIDC token, an admin key, a key bound to the request's repository). Null otherwise:
   * then only the check run's buttons and `/approve <id>` decide it.
   */
  boundPullRequest: z.number().int().positive().nullable().default(null),
});
export type Review = z.infer<typeof ReviewSchema>;

export const ApprovalRequestSchema = z.object({
  id: z.string(),
  action: z.string(),
  params: JsonObjectSchema,
  context: JsonObjectSchema,
  urgency: UrgencySchema,
  status: RequestStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  decidedAt: z.string().nullable(),
  expiresAt: z.string(),
  decidedBy: z.string().nullable(),
  decisionReason: z.string().nullable(),
  repository: z.string().nullable(),
  requester: RequesterSchema,
  policyDecision: PolicyDecisionSchema,
  review: ReviewSchema.nullable(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** Body of `POST /api/requests`. Unknown keys are refused so a typo never goes unnoticed. */
export const CreateRequestBodySchema = z
  .strictObject({
    action: ActionNameSchema,
    params: JsonObjectSchema.default({}),
    context: JsonObjectSchema.default({}),
    urgency: UrgencySchema.default('normal'),
    expiresAt: z.iso
      .datetime({ offset: true, message: 'expiresAt must be an ISO-8601 date-time' })
      .optional(),
    timeout: DurationSchema.optional(),
  })
  .refine((body) => body.expiresAt === undefined || body.timeout === undefined, {
    message: 'give either expiresAt or timeout, not both',
    path: ['timeout'],
  });
export type CreateRequestBody = z.input<typeof CreateRequestBodySchema>;

/** Body of `POST /api/policies/evaluate`: a request as it would be created, plus the repository for admins. */
export const EvaluateBodySchema = z.strictObject({
  action: ActionNameSchema,
  params: JsonObjectSchema.default({}),
  context: JsonObjectSchema.default({}),
  urgency: UrgencySchema.default('normal'),
  repository: RepositoryNameSchema.optional(),
});
export type EvaluateBody = z.input<typeof EvaluateBodySchema>;

export const DecideBodySchema = z.strictObject({
  decision: z.enum(['approved', 'denied']),
  /** Kept in the audit trail as a note; the recorded decider is always `api:<key name>`. */
  decidedBy: z.string().max(200).optional(),
  reason: z.string().max(4000).optional(),
});
export type DecideBody = z.input<typeof DecideBodySchema>;

export const CancelBodySchema = z.strictObject({ reason: z.string().max(4000).optional() });
export type CancelBody = z.input<typeof CancelBodySchema>;

/** Query strings are text; integers are parsed strictly (no `"10abc"`, no silent clamping). */
const QueryIntSchema = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`));

export const ListRequestsQuerySchema = z.strictObject({
  status: RequestStatusSchema.optional(),
  action: z.string().min(1).max(200).optional(),
  urgency: UrgencySchema.optional(),
  limit: QueryIntSchema('limit', 1, 100).default(50),
  offset: QueryIntSchema('offset', 0, Number.MAX_SAFE_INTEGER).default(0),
});
export type ListRequestsQuery = z.input<typeof ListRequestsQuerySchema>;

export const WaitQuerySchema = z.strictObject({ timeout: QueryIntSchema('timeout', 0, 60).default(30) });

export const PaginationSchema = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  hasMore: z.boolean(),
});
export type Pagination = z.infer<typeof PaginationSchema>;

export const ListRequestsResponseSchema = z.object({
  requests: z.array(ApprovalRequestSchema),
  pagination: PaginationSchema,
});
export type ListRequestsResponse = z.infer<typeof ListRequestsResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Audit

export const AUDIT_EVENT_TYPES = [
  'created',
  'evaluated',
  'vote',
  'vote_refused',
  'vote_withdrawn',
  /** An operator decided a human-routed request through the API (sdk/is-override.ts); before `approved`/`denied`. */
  'overridden',
  'approved',
  'denied',
  'expired',
  'cancelled',
  'reflected',
  'key_created',
  'key_updated',
  'key_revoked',
  'webhook_created',
  'webhook_updated',
  'webhook_deleted',
] as const;

export const AuditEntrySchema = z.object({
  id: z.string(),
  requestId: z.string().nullable(),
  eventType: z.string(),
  actor: z.string(),
  details: JsonObjectSchema,
  createdAt: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const ListAuditQuerySchema = z.strictObject({
  requestId: z.string().min(1).optional(),
  eventType: z.string().min(1).optional(),
  actor: z.string().min(1).optional(),
  since: z.iso.datetime({ offset: true, message: 'since must be an ISO-8601 date-time' }).optional(),
  until: z.iso.datetime({ offset: true, message: 'until must be an ISO-8601 date-time' }).optional(),
  limit: QueryIntSchema('limit', 1, 1000).default(100),
  offset: QueryIntSchema('offset', 0, Number.MAX_SAFE_INTEGER).default(0),
});
export type ListAuditQuery = z.input<typeof ListAuditQuerySchema>;

// ---------------------------------------------------------------------------------------------
// Policies over HTTP

export const PolicyDiagnosticSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  severity: z.enum(['error', 'warning']),
  code: z.string(),
  message: z.string(),
  rule: z.string().optional(),
});
export type PolicyDiagnostic = z.infer<typeof PolicyDiagnosticSchema>;

/**
 * One active rule in the shape the original AgentGate clients list policies in (`GET /api/policies`
 * → `policies`). Read-only: policies are code, changed by pull request.
 */
export const PolicyViewSchema = z.object({
  /** The rule's name (unique in the set). */
  id: z.string(),
  name: z.string(),
  file: z.string(),
  decision: PolicyDecisionKindSchema,
  description: z.string().nullable(),
  /** Evaluation order, 0 first. */
  priority: z.number().int(),
  enabled: z.literal(true),
  readOnly: z.literal(true),
});
export type PolicyView = z.infer<typeof PolicyViewSchema>;

export const PolicySummarySchema = z.object({
  version: z.string(),
  source: z.string(),
  rules: z.array(
    z.object({
      name: z.string(),
      file: z.string(),
      decision: PolicyDecisionKindSchema,
      description: z.string().nullable(),
      /** Routing rules only: whether an operator's API key may decide their requests outright. */
      overrides: z.boolean().optional(),
    }),
  ),
  /** The same rules, as the original AgentGate clients read them. */
  policies: z.array(PolicyViewSchema),
  errors: z.array(PolicyDiagnosticSchema),
  warnings: z.array(PolicyDiagnosticSchema),
});
export type PolicySummary = z.infer<typeof PolicySummarySchema>;

// ---------------------------------------------------------------------------------------------
// API keys and webhooks

export const CreateApiKeyBodySchema = z.strictObject({
  name: z.string().trim().min(1, 'name must not be empty').max(100),
  scopes: z.array(ScopeSchema).min(1, 'give at least one scope'),
  rateLimit: z.number().int().positive().max(1_000_000).nullable().optional(),
  repository: RepositoryNameSchema.nullable().optional(),
});
export type CreateApiKeyBody = z.input<typeof CreateApiKeyBodySchema>;

export const ApiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(ScopeSchema),
  rateLimit: z.number().int().nullable(),
  repository: z.string().nullable(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  /** `revokedAt === null`, as the original AgentGate lists keys. */
  active: z.boolean(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** `GET /api/api-keys`. */
export const ApiKeyListSchema = z.object({ keys: z.array(ApiKeySchema) });
export type ApiKeyList = z.infer<typeof ApiKeyListSchema>;

/** `PATCH /api/api-keys/:id`: the rate limit (requests per minute), or null for none. */
export const UpdateApiKeyBodySchema = z.strictObject({
  rateLimit: z.number().int().positive().max(1_000_000).nullable(),
});
export type UpdateApiKeyBody = z.input<typeof UpdateApiKeyBodySchema>;

/** `DELETE /api/api-keys/:id`: the revoked key, and `success` as the original AgentGate answers. */
export const RevokedApiKeySchema = ApiKeySchema.extend({ success: z.literal(true) });
export type RevokedApiKey = z.infer<typeof RevokedApiKeySchema>;

/** `DELETE` of a subscription: what the original AgentGate clients expect. */
export const DeletedSchema = z.object({ success: z.literal(true), id: z.string() });
export type Deleted = z.infer<typeof DeletedSchema>;

/** Answer to key creation: the only time the secret is shown. */
export const CreatedApiKeySchema = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  scopes: z.array(ScopeSchema),
  rateLimit: z.number().int().nullable(),
  repository: z.string().nullable(),
  /** A sentence for the human: save the key now, it is shown only once. */
  message: z.string(),
});
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

export const CreateWebhookBodySchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, message: 'url must be an http(s) URL' }),
  events: z.array(WebhookEventSchema).min(1, 'give at least one event'),
  secret: z.string().min(16, 'secret must be at least 16 characters').max(200).optional(),
});
export type CreateWebhookBody = z.input<typeof CreateWebhookBodySchema>;

export const WebhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookEventSchema),
  /** A disabled subscription gets no new deliveries. */
  enabled: z.boolean(),
  createdAt: z.string(),
});
export type Webhook = z.infer<typeof WebhookSchema>;

/** `PATCH /api/webhooks/:id`: any of these; the url is checked like at creation. */
export const UpdateWebhookBodySchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, message: 'url must be an http(s) URL' }).optional(),
    events: z.array(WebhookEventSchema).min(1, 'give at least one event').optional(),
    enabled: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'give at least one of url, events, enabled');
export type UpdateWebhookBody = z.input<typeof UpdateWebhookBodySchema>;

/** One entry of a subscription's delivery log (the body sent is not shown). */
export const WebhookDeliverySchema = z.object({
  id: z.string(),
  webhookId: z.string(),
  event: z.string(),
  requestId: z.string().nullable(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  responseStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type DeliveryLogEntry = z.infer<typeof WebhookDeliverySchema>;

/** `GET /api/webhooks/:id`: the subscription (never its secret) with its most recent deliveries. */
export const WebhookDetailSchema = WebhookSchema.extend({ deliveries: z.array(WebhookDeliverySchema) });
export type WebhookDetail = z.infer<typeof WebhookDetailSchema>;

// ---------------------------------------------------------------------------------------------
// Errors and health

export const ErrorBodySchema = z.object({
  error: z.string(),
  code: z.string(),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const HealthSchema = z.object({
  status: z.enum(['ok', 'degraded', 'shutting_down']),
  mode: z.enum(['standalone', 'github']),
  version: z.string(),
  timestamp: z.string(),
  checks: z.record(z.string(), z.string()).optional(),
  /**
   * The audience a GitHub Actions OIDC token must carry for this server (DESIGN §11); the Action
   * asks GitHub for a token with it. Absent when the server accepts no OIDC tokens.
   */
  oidcAudience: z.string().optional(),
});
export type Health = z.infer<typeof HealthSchema>;
