/**
 * `@agentgate-gh/sdk`: the typed client of an AgentGate server, for agents and scripts.
 * Imports nothing but zod, so it runs in Node ≥ 20 and any runtime with `fetch`.
 *
 * @example
 * import { AgentGateClient, DeniedError } from '@agentgate-gh/sdk';
 *
 * const client = new AgentGateClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.AGENTGATE_API_KEY });
 * const result = await client.gate('deploy', { env: 'production' }, () => deploy());
 */
export {
  AgentGateClient,
  type AgentGateClientOptions,
  type CreatedWebhook,
  type DecideOptions,
  type ListAuditFilters,
  type ListRequestsFilters,
  type RequestInput,
} from './client.js';
export { type ApproverMedium, describeApprovers, PLAIN_TEXT } from './describe-approvers.js';
export {
  AgentGateError,
  type AgentGateErrorOptions,
  DeniedError,
  type RefusedStatus,
  TimeoutError,
} from './errors.js';
export { type GateOptions, gate } from './gate.js';
export type { FetchLike } from './http.js';
export { describeOverride, isOverride, OVERRIDE_LABEL, overridesForbiddenBy } from './is-override.js';
/** The original AgentGate SDK's name for a request's status. */
export type { RequestStatus as ApprovalStatus, Urgency as ApprovalUrgency } from './schemas.js';
export {
  type ApiKey,
  type ApprovalRequest,
  ApprovalRequestSchema,
  type Approvers,
  AUDIT_EVENT_TYPES,
  type AuditEntry,
  AuditEntrySchema,
  type CancelBody,
  type CreateApiKeyBody,
  type CreatedApiKey,
  type CreateRequestBody,
  CreateRequestBodySchema,
  type CreateWebhookBody,
  type DecideBody,
  type DeliveryLogEntry,
  durationToSeconds,
  ERROR_CODES,
  type ErrorBody,
  type ErrorCode,
  type EvaluateBody,
  type Health,
  type JsonObject,
  type ListAuditQuery,
  type ListRequestsQuery,
  type ListRequestsResponse,
  type Pagination,
  type PolicyDecision,
  type PolicyDecisionKind,
  type PolicyEvaluation,
  type PolicySummary,
  type PolicyView,
  REQUEST_STATUSES,
  type Requester,
  type RequestStatus,
  type Requirement,
  type Review,
  type ReviewRequirement,
  type ReviewVia,
  SCOPES,
  type Scope,
  type UpdateApiKeyBody,
  type UpdateWebhookBody,
  URGENCIES,
  type Urgency,
  type Vote,
  WEBHOOK_EVENTS,
  type Webhook,
  type WebhookDetail,
  type WebhookEvent,
} from './schemas.js';
export { DEFAULT_POLL_INTERVAL_MS, DEFAULT_WAIT_TIMEOUT_MS, type WaitOptions } from './wait-for-decision.js';
