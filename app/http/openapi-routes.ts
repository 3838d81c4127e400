/**
 * The table of every route the server serves, with the zod schemas of what each one takes and
 * answers (from sdk/schemas.ts). app/http/openapi.ts turns it into the OpenAPI document.
 */
import { z } from 'zod';
import {
  ApiKeyListSchema,
  ApiKeySchema,
  ApprovalRequestSchema,
  AuditEntrySchema,
  CancelBodySchema,
  CreateApiKeyBodySchema,
  CreatedApiKeySchema,
  CreateRequestBodySchema,
  CreateWebhookBodySchema,
  DecideBodySchema,
  DeletedSchema,
  ErrorBodySchema,
  EvaluateBodySchema,
  HealthSchema,
  ListAuditQuerySchema,
  ListRequestsQuerySchema,
  ListRequestsResponseSchema,
  PolicyEvaluationSchema,
  PolicySummarySchema,
  RepositoryNameSchema,
  RevokedApiKeySchema,
  UpdateApiKeyBodySchema,
  UpdateWebhookBodySchema,
  WaitQuerySchema,
  WebhookDeliverySchema,
  WebhookDetailSchema,
  WebhookSchema,
} from '../../sdk/schemas.js';
import { DeliveriesQuerySchema } from '../webhooks/webhooks-router.js';

/** Bodies and queries are described as clients send them (defaults optional), answers as sent. */
export const INPUTS: Record<string, z.ZodType> = {
  CreateRequestBody: CreateRequestBodySchema,
  DecideBody: DecideBodySchema,
  CancelBody: CancelBodySchema,
  EvaluateBody: EvaluateBodySchema,
  CreateApiKeyBody: CreateApiKeyBodySchema,
  CreateWebhookBody: CreateWebhookBodySchema,
  UpdateApiKeyBody: UpdateApiKeyBodySchema,
  UpdateWebhookBody: UpdateWebhookBodySchema,
};
export const OUTPUTS: Record<string, z.ZodType> = {
  ApprovalRequest: ApprovalRequestSchema,
  ListRequestsResponse: ListRequestsResponseSchema,
  AuditEntry: AuditEntrySchema,
  PolicySummary: PolicySummarySchema,
  PolicyEvaluation: PolicyEvaluationSchema,
  ApiKey: ApiKeySchema,
  ApiKeyList: ApiKeyListSchema,
  CreatedApiKey: CreatedApiKeySchema,
  RevokedApiKey: RevokedApiKeySchema,
  Deleted: DeletedSchema,
  Webhook: WebhookSchema,
  CreatedWebhook: WebhookSchema.extend({
    secret: z.string().optional().describe('the generated secret, shown once; absent when you chose it'),
  }),
  WebhookDelivery: WebhookDeliverySchema,
  WebhookDetail: WebhookDetailSchema,
  Error: ErrorBodySchema,
  Health: HealthSchema.extend({
    store: z.enum(['sqlite', 'postgres', 'memory']),
    integrations: z.record(z.string(), z.unknown()),
  }),
};

export type Schema = Record<string, unknown>;
export const refTo = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (name: string): Schema => ({ type: 'array', items: refTo(name) });
const objectOf = (key: string, items: Schema): Schema => ({
  type: 'object',
  properties: { [key]: items },
  required: [key],
});

export interface Route {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express style (`/api/requests/:id`); written as `{id}` in the document. */
  path: string;
  summary: string;
  /** Who may call it: a scope, or how else the caller is verified. */
  auth: string;
  tag: string;
  query?: z.ZodType;
  body?: string | { contentType: string; description: string };
  ok: { status: number; schema?: Schema; description: string; contentType?: string };
  headers?: Schema[];
}

const keysRoutes = (base: string, alias: string): Route[] => [
  {
    method: 'post',
    path: base,
    summary: `Create an API key; the answer shows the key once${alias}`,
    auth: 'admin',
    tag: 'keys',
    body: 'CreateApiKeyBody',
    ok: { status: 201, schema: refTo('CreatedApiKey'), description: 'the key, with its secret' },
  },
  {
    method: 'get',
    path: base,
    summary: `List API keys, never their secrets${alias}`,
    auth: 'admin',
    tag: 'keys',
    ok: { status: 200, schema: refTo('ApiKeyList'), description: '{keys}, each with its rate limit' },
  },
  {
    method: 'patch',
    path: `${base}/:id`,
    summary: `Change a key's rate limit (null removes it)${alias}`,
    auth: 'admin',
    tag: 'keys',
    body: 'UpdateApiKeyBody',
    ok: { status: 200, schema: refTo('ApiKey'), description: 'the key as it is now' },
  },
  {
    method: 'delete',
    path: `${base}/:id`,
    summary: `Revoke an API key${alias}`,
    auth: 'admin',
    tag: 'keys',
    ok: { status: 200, schema: refTo('RevokedApiKey'), description: 'the revoked key, with success: true' },
  },
];

const request = (description: string) => ({ status: 200, schema: refTo('ApprovalRequest'), description });

/** Every route, in the order docs/api.md lists them. */
export const ROUTES: readonly Route[] = [
  {
    method: 'post',
    path: '/api/requests',
    summary: 'Ask for approval; policies decide at once or route to humans',
    auth: 'request:create',
    tag: 'requests',
    body: 'CreateRequestBody',
    headers: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'a retry with the same key returns the same request (`Idempotent-Replayed: true`)',
        schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
      },
    ],
    ok: {
      status: 201,
      schema: refTo('ApprovalRequest'),
      description: 'the request, with its policyDecision',
    },
  },
  {
    method: 'get',
    path: '/api/requests',
    summary: 'List requests, newest first (only its own for a key without request:read)',
    auth: 'request:read or request:create',
    tag: 'requests',
    query: ListRequestsQuerySchema,
    ok: { status: 200, schema: refTo('ListRequestsResponse'), description: '{requests, pagination}' },
  },
  {
    method: 'get',
    path: '/api/requests/:id',
    summary: 'Read a request',
    auth: 'request:read or request:create',
    tag: 'requests',
    ok: request('the request'),
  },
  {
    method: 'get',
    path: '/api/requests/:id/wait',
    summary: 'Long-poll: answers as soon as the request is decided, or as it is at the timeout (≤ 60 s)',
    auth: 'request:read or request:create',
    tag: 'requests',
    query: WaitQuerySchema,
    ok: request('the request, decided or still pending'),
  },
  {
    method: 'post',
    path: '/api/requests/:id/decide',
    summary:
      'Approve or deny outright: an operator override (409 when already decided; 403 override_forbidden when a rule of the request forbids overrides; never by the key that asked)',
    auth: 'request:decide',
    tag: 'requests',
    body: 'DecideBody',
    ok: request('the decided request'),
  },
  {
    method: 'post',
    path: '/api/requests/:id/cancel',
    summary: 'Withdraw a pending request',
    auth: 'the requester, or request:decide',
    tag: 'requests',
    body: 'CancelBody',
    ok: request('the cancelled request'),
  },
  {
    method: 'get',
    path: '/api/requests/:id/audit',
    summary: "A request's audit trail, oldest first",
    auth: 'request:read or request:create',
    tag: 'audit',
    ok: { status: 200, schema: arrayOf('AuditEntry'), description: 'audit entries' },
  },
  {
    method: 'get',
    path: '/api/audit',
    summary: 'The whole audit trail, filtered',
    auth: 'admin',
    tag: 'audit',
    query: ListAuditQuerySchema,
    ok: { status: 200, schema: arrayOf('AuditEntry'), description: 'audit entries, oldest first' },
  },
  {
    method: 'get',
    path: '/api/policies',
    summary: 'The active policy set: version, rules, errors and warnings',
    auth: 'any key',
    tag: 'policies',
    query: z.strictObject({ repository: RepositoryNameSchema.optional() }),
    ok: { status: 200, schema: refTo('PolicySummary'), description: 'the policy set in force' },
  },
  {
    method: 'post',
    path: '/api/policies/evaluate',
    summary: 'Dry run: the decision and explanation for a request body; stores nothing',
    auth: 'any key',
    tag: 'policies',
    body: 'EvaluateBody',
    ok: { status: 200, schema: refTo('PolicyEvaluation'), description: 'the evaluation' },
  },
  ...keysRoutes('/api/api-keys', ''),
  ...keysRoutes('/api/keys', ' (alias of /api/api-keys)'),
  {
    method: 'post',
    path: '/api/webhooks',
    summary: 'Subscribe a URL to request events; a generated secret is shown once',
    auth: 'webhook:manage',
    tag: 'webhooks',
    body: 'CreateWebhookBody',
    ok: { status: 201, schema: refTo('CreatedWebhook'), description: 'the subscription' },
  },
  {
    method: 'get',
    path: '/api/webhooks',
    summary: 'List subscriptions, without secrets',
    auth: 'webhook:manage',
    tag: 'webhooks',
    ok: { status: 200, schema: objectOf('webhooks', arrayOf('Webhook')), description: '{webhooks}' },
  },
  {
    method: 'get',
    path: '/api/webhooks/:id',
    summary: 'Read a subscription (never its secret) with its latest deliveries',
    auth: 'webhook:manage',
    tag: 'webhooks',
    ok: { status: 200, schema: refTo('WebhookDetail'), description: 'the subscription and its deliveries' },
  },
  {
    method: 'patch',
    path: '/api/webhooks/:id',
    summary: 'Change url (checked as at creation), events or enabled',
    auth: 'webhook:manage',
    tag: 'webhooks',
    body: 'UpdateWebhookBody',
    ok: { status: 200, schema: refTo('Webhook'), description: 'the subscription as it is now' },
  },
  {
    method: 'delete',
    path: '/api/webhooks/:id',
    summary: 'Remove a subscription and its delivery log',
    auth: 'webhook:manage',
    tag: 'webhooks',
    ok: { status: 200, schema: refTo('Deleted'), description: '{success: true, id}' },
  },
  {
    method: 'post',
    path: '/api/webhooks/:id/test',
    summary: 'Send a signed ping now',
    auth: 'webhook:manage',
    tag: 'webhooks',
    ok: { status: 200, schema: refTo('WebhookDelivery'), description: 'the delivery, as logged' },
  },
  {
    method: 'get',
    path: '/api/webhooks/:id/deliveries',
    summary: 'The delivery log, newest first',
    auth: 'webhook:manage',
    tag: 'webhooks',
    query: DeliveriesQuerySchema,
    ok: {
      status: 200,
      schema: objectOf('deliveries', arrayOf('WebhookDelivery')),
      description: '{deliveries}',
    },
  },
  {
    method: 'post',
    path: '/api/slack/interactions',
    summary: "Slack's Approve/Deny clicks (when SLACK_SIGNING_SECRET is set)",
    auth: "Slack's v0 signature",
    tag: 'integrations',
    body: { contentType: 'application/x-www-form-urlencoded', description: 'Slack `payload=<JSON>`' },
    ok: { status: 200, description: 'click handled' },
  },
  {
    method: 'post',
    path: '/api/discord/interactions',
    summary: "Discord's PING and Approve/Deny clicks (when DISCORD_PUBLIC_KEY is set)",
    auth: "Discord's Ed25519 signature (X-Signature-Ed25519, X-Signature-Timestamp)",
    tag: 'integrations',
    body: { contentType: 'application/json', description: 'a Discord interaction' },
    ok: { status: 200, description: 'the interaction response', contentType: 'application/json' },
  },
  {
    method: 'post',
    path: '/api/github/webhooks',
    summary: "The GitHub App's webhook deliveries (when APP_ID is set)",
    auth: "GitHub's X-Hub-Signature-256",
    tag: 'integrations',
    body: { contentType: 'application/json', description: 'a GitHub webhook payload' },
    ok: { status: 200, description: 'delivery handled' },
  },
  {
    method: 'post',
    path: '/mcp',
    summary: 'MCP over Streamable HTTP, stateless (see docs/mcp.md)',
    auth: 'request:create (the tools act with the caller’s key)',
    tag: 'integrations',
    body: { contentType: 'application/json', description: 'an MCP JSON-RPC message' },
    ok: { status: 200, description: 'the JSON-RPC answer', contentType: 'application/json' },
  },
  {
    method: 'get',
    path: '/health',
    summary: 'Liveness and the store this instance uses; 503 when it cannot reach its database',
    auth: 'none',
    tag: 'operations',
    query: z.strictObject({ deep: z.enum(['true', 'false']).optional() }),
    ok: { status: 200, schema: refTo('Health'), description: 'the server is up' },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    auth: 'none',
    tag: 'operations',
    ok: { status: 200, description: 'metrics in the Prometheus text format', contentType: 'text/plain' },
  },
];
