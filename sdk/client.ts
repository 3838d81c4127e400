/**
 * `AgentGateClient`: the typed client of the AgentGate REST API. Method names and shapes follow the
 * original AgentGate SDK (`request`, `getRequest`, `waitForDecision`, `listRequests`), so code
 * written for it keeps working.
 */
import { type GateOptions, gate } from './gate.js';
import { type FetchLike, Transport } from './http.js';
import { parseArray, parseRequest, parseRequestList, parseWith } from './parse.js';
import {
  type ApiKey,
  ApiKeySchema,
  type ApprovalRequest,
  type AuditEntry,
  AuditEntrySchema,
  type CreateApiKeyBody,
  type CreatedApiKey,
  CreatedApiKeySchema,
  type CreateWebhookBody,
  type EvaluateBody,
  type Health,
  HealthSchema,
  type JsonObject,
  type ListRequestsResponse,
  type PolicyEvaluation,
  PolicyEvaluationSchema,
  type PolicySummary,
  PolicySummarySchema,
  type RequestStatus,
  type UpdateApiKeyBody,
  type UpdateWebhookBody,
  type Urgency,
  type Webhook,
  type WebhookDetail,
  WebhookDetailSchema,
  WebhookSchema,
} from './schemas.js';
import { type WaitOptions, waitForDecision } from './wait-for-decision.js';

/**
 * How to reach the server.
 *
 * @example
 * const options: AgentGateClientOptions = { baseUrl: 'https://agentgate.example.com', apiKey: 'agk_…', timeoutMs: 10_000 };
 */
export interface AgentGateClientOptions {
  /** The server, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** An `agk_…` API key, sent as `Authorization: Bearer <key>`. */
  apiKey?: string | undefined;
  /** A `fetch` to use instead of the global one (proxies, tracing, tests). */
  fetch?: FetchLike;
  /** Per-HTTP-call timeout in ms (default 30 000); a long-poll adds its own wait to it. */
  timeoutMs?: number;
  /** How often a failed call that is safe to repeat is retried (default 2). */
  retries?: number;
}

/**
 * What to ask for. `timeout` is the request's lifetime on the server (seconds or `"30m"`), not a wait.
 *
 * @example
 * const input: RequestInput = { action: 'db.migrate', params: { to: '2025_01' }, urgency: 'high', timeout: '2h' };
 */
export interface RequestInput {
  action: string;
  params?: JsonObject;
  context?: JsonObject;
  urgency?: Urgency;
  /** When the request expires unless decided. Give this or `timeout`, not both. */
  expiresAt?: Date | string;
  /** How long the request stays pending on the server: seconds, or a duration such as `"30m"`, `"4h"`. */
  timeout?: number | string;
  /** Sent as `Idempotency-Key`; a random UUID when omitted. Reuse it to retry a create safely. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/**
 * Filters of `listRequests`; `limit` is 1–100 (server default 50).
 *
 * @example
 * const filters: ListRequestsFilters = { status: 'pending', action: 'deploy', limit: 20, offset: 40 };
 */
export interface ListRequestsFilters {
  status?: RequestStatus;
  action?: string;
  urgency?: Urgency;
  limit?: number;
  offset?: number;
  signal?: AbortSignal;
}

/**
 * Filters of `listAudit` (admin).
 *
 * @example
 * const filters: ListAuditFilters = { actor: 'github:alice', since: '2025-01-01T00:00:00Z' };
 */
export interface ListAuditFilters {
  requestId?: string;
  eventType?: string;
  actor?: string;
  /** ISO-8601, inclusive. */
  since?: string;
  /** ISO-8601, exclusive. */
  until?: string;
  limit?: number;
  offset?: number;
}

/**
 * Options of `decide`.
 *
 * @example
 * await client.decide(id, 'denied', { reason: 'not during the freeze' } satisfies DecideOptions);
 */
export interface DecideOptions {
  reason?: string;
  /** A note kept in the audit trail; the recorded decider is always `api:<key name>`. */
  decidedBy?: string;
}

/**
 * A created webhook subscription; `secret` is shown once, when the server generated it.
 *
 * @example
 * const hook: CreatedWebhook = await admin.createWebhook({ url, events: ['request.decided'] });
 */
export type CreatedWebhook = Webhook & { secret?: string };

/**
 * Client of an AgentGate server.
 *
 * @example
 * import { AgentGateClient } from '@agentgate-gh/sdk';
 *
 * const client = new AgentGateClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.AGENTGATE_API_KEY });
 * const request = await client.request({ action: 'send_email', params: { to: 'ceo@example.com' } });
 * const decided = await client.waitForDecision(request.id, { timeout: 10 * 60_000 });
 * if (decided.status === 'approved') await sendEmail();
 */
export class AgentGateClient {
  private readonly transport: Transport;

  constructor({
    baseUrl,
    apiKey,
    fetch: fetchImpl,
    timeoutMs = 30_000,
    retries = 2,
  }: AgentGateClientOptions) {
    if (!baseUrl) throw new TypeError('AgentGateClient needs a baseUrl, e.g. http://localhost:3000');
    const fallback: FetchLike = (input, init) => globalThis.fetch(input, init);
    this.transport = new Transport({ baseUrl, apiKey, fetch: fetchImpl ?? fallback, timeoutMs, retries });
  }

  /** The server URL this client talks to, without a trailing slash. */
  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  /**
   * Asks for approval of an action; resolves to the request as created (policies may already have
   * decided it). Retries of network errors and 5xx reuse the same `Idempotency-Key`, so they can
   * never create a second request.
   *
   * @example
   * const request = await client.request({ action: 'deploy', params: { env: 'prod' }, urgency: 'high', timeout: '30m' });
   * console.log(request.id, request.status, request.review?.url);
   */
  async request(input: RequestInput): Promise<ApprovalRequest> {
    const { idempotencyKey = globalThis.crypto.randomUUID(), signal, expiresAt, ...fields } = input;
    const body = {
      ...fields,
      expiresAt: expiresAt instanceof Date ? expiresAt.toISOString() : expiresAt,
    };
    const data = await this.transport.call({
      method: 'POST',
      path: '/api/requests',
      body,
      headers: { 'idempotency-key': idempotencyKey },
      signal,
    });
    return parseRequest(data);
  }

  /**
   * One request by id; `AgentGateError` with code `not_found` when there is none.
   *
   * @example
   * const request = await client.getRequest('req_123');
   */
  async getRequest(id: string, options: { signal?: AbortSignal } = {}): Promise<ApprovalRequest> {
    return parseRequest(await this.transport.call({ path: requestPath(id), signal: options.signal }));
  }

  /**
   * Requests, newest first, with the server's pagination.
   *
   * @example
   * const { requests, pagination } = await client.listRequests({ status: 'pending', limit: 20 });
   */
  async listRequests(filters: ListRequestsFilters = {}): Promise<ListRequestsResponse> {
    const { signal, ...query } = filters;
    const data = await this.transport.call({ path: '/api/requests', query, signal });
    return parseRequestList(data, query.limit, query.offset);
  }

  /**
   * Waits until the request is decided (or expires, or is cancelled) and resolves to it. Long-polls
   * the server's `/wait`, survives network blips and 5xx, and falls back to polling every
   * `pollInterval` ms against servers without `/wait`. Rejects with `TimeoutError` after `timeout`
   * ms (default 5 minutes; `Infinity` waits until the request's own expiry) and with the signal's
   * reason when `signal` aborts.
   *
   * @example
   * const decided = await client.waitForDecision(request.id, {
   *   timeout: 15 * 60_000,
   *   onProgress: (r) => console.log(`still ${r.status}`),
   * });
   * if (decided.status !== 'approved') console.log(`${decided.status}: ${decided.decisionReason}`);
   */
  waitForDecision(id: string, options: WaitOptions = {}): Promise<ApprovalRequest> {
    return waitForDecision(this.transport, id, options);
  }

  /**
   * Requests approval, waits for the decision and runs `fn` only when approved; otherwise throws
   * `DeniedError` with who decided and why. See `gate()`.
   *
   * @example
   * const receipt = await client.gate('payments.send', { amount: 5000 }, () => pay(5000), { timeout: '1h' });
   */
  gate<T>(
    action: string,
    params: JsonObject,
    fn: (request: ApprovalRequest) => T | Promise<T>,
    options: GateOptions = {},
  ): Promise<T> {
    return gate(this, action, params, fn, options);
  }

  /**
   * Decides a pending request as an operator (needs `request:decide`); `conflict` (409) when it is
   * no longer pending.
   *
   * @example
   * await client.decide('req_123', 'approved', { reason: 'checked the diff' });
   */
  async decide(
    id: string,
    decision: 'approved' | 'denied',
    options: DecideOptions = {},
  ): Promise<ApprovalRequest> {
    const data = await this.transport.call({
      method: 'POST',
      path: `${requestPath(id)}/decide`,
      body: { decision, ...options },
      retries: 0,
    });
    return parseRequest(data);
  }

  /**
   * Cancels a pending request (its requester, or a `request:decide` key).
   *
   * @example
   * await client.cancel('req_123', { reason: 'task abandoned' });
   */
  async cancel(id: string, options: { reason?: string } = {}): Promise<ApprovalRequest> {
    const data = await this.transport.call({
      method: 'POST',
      path: `${requestPath(id)}/cancel`,
      body: options.reason === undefined ? {} : { reason: options.reason },
      retries: 0,
    });
    return parseRequest(data);
  }

  /**
   * The audit trail of one request, oldest first.
   *
   * @example
   * for (const entry of await client.getAudit('req_123')) console.log(entry.createdAt, entry.eventType, entry.actor);
   */
  async getAudit(id: string): Promise<AuditEntry[]> {
    const data = await this.transport.call({ path: `${requestPath(id)}/audit` });
    return parseArray(AuditEntrySchema, data, ['entries', 'audit'], 'an audit trail');
  }

  /**
   * Audit entries across requests, oldest first.
   *
   * @example
   * const denials = await client.listAudit({ eventType: 'denied', since: '2025-01-01T00:00:00Z' });
   */
  async listAudit(filters: ListAuditFilters = {}): Promise<AuditEntry[]> {
    const data = await this.transport.call({ path: '/api/audit', query: { ...filters } });
    return parseArray(AuditEntrySchema, data, ['entries', 'audit'], 'a list of audit entries');
  }

  /**
   * Dry run of the policies: what would happen to this request, and why. Nothing is stored.
   *
   * @example
   * const { decision, rules, reason } = await client.evaluate({ action: 'db.drop_table', params: { database: 'prod' } });
   */
  async evaluate(body: EvaluateBody): Promise<PolicyEvaluation> {
    const data = await this.transport.call({ method: 'POST', path: '/api/policies/evaluate', body });
    return parseWith(PolicyEvaluationSchema, data, 'a policy evaluation');
  }

  /**
   * The active policy set: version, rules, and the errors that kept a newer set out.
   *
   * @example
   * const { version, rules, errors } = await client.getPolicies();
   */
  async getPolicies(options: { repository?: string } = {}): Promise<PolicySummary> {
    const data = await this.transport.call({ path: '/api/policies', query: { ...options } });
    return parseWith(PolicySummarySchema, data, 'a policy summary');
  }

  /**
   * The server's health (`GET /health`, no key needed).
   *
   * @example
   * const { status, mode } = await client.health();
   */
  async health(): Promise<Health> {
    return parseWith(HealthSchema, await this.transport.call({ path: '/health' }), 'a health report');
  }

  /**
   * Creates an API key (admin); the answer holds the secret `key`, shown only this once.
   *
   * @example
   * const { key } = await admin.createApiKey({ name: 'billing-agent', scopes: ['request:create', 'request:read'] });
   */
  async createApiKey(body: CreateApiKeyBody): Promise<CreatedApiKey> {
    const data = await this.transport.call({ method: 'POST', path: '/api/api-keys', body, retries: 0 });
    return parseWith(CreatedApiKeySchema, data, 'a created API key');
  }

  /**
   * All API keys, revoked ones included, without their secrets (admin).
   *
   * @example
   * const active = (await admin.listApiKeys()).filter((k) => k.revokedAt === null);
   */
  async listApiKeys(): Promise<ApiKey[]> {
    const data = await this.transport.call({ path: '/api/api-keys' });
    return parseArray(ApiKeySchema, data, ['keys', 'apiKeys'], 'a list of API keys');
  }

  /**
   * Changes an API key's rate limit, in requests per minute; `null` removes it (admin).
   *
   * @example
   * await admin.updateApiKey('key_123', { rateLimit: 60 });
   */
  async updateApiKey(id: string, body: UpdateApiKeyBody): Promise<ApiKey> {
    const data = await this.transport.call({
      method: 'PATCH',
      path: `/api/api-keys/${encodeURIComponent(id)}`,
      body,
      retries: 0,
    });
    return parseWith(ApiKeySchema, data, 'an API key');
  }

  /**
   * Revokes an API key (admin); it gets 401 from then on.
   *
   * @example
   * await admin.revokeApiKey('key_123');
   */
  async revokeApiKey(id: string): Promise<void> {
    await this.transport.call({
      method: 'DELETE',
      path: `/api/api-keys/${encodeURIComponent(id)}`,
      retries: 0,
    });
  }

  /**
   * Subscribes a URL to request events (`webhook:manage`).
   *
   * @example
   * await admin.createWebhook({ url: 'https://hooks.example.com/agentgate', events: ['request.decided'], secret });
   */
  async createWebhook(body: CreateWebhookBody): Promise<CreatedWebhook> {
    const data = await this.transport.call({ method: 'POST', path: '/api/webhooks', body, retries: 0 });
    return parseWith(WebhookSchema, data, 'a created webhook') as CreatedWebhook;
  }

  /**
   * Webhook subscriptions (`webhook:manage`).
   *
   * @example
   * const hooks = await admin.listWebhooks();
   */
  async listWebhooks(): Promise<Webhook[]> {
    const data = await this.transport.call({ path: '/api/webhooks' });
    return parseArray(WebhookSchema, data, ['webhooks'], 'a list of webhooks');
  }

  /**
   * One webhook subscription (never its secret) with its latest deliveries (`webhook:manage`).
   *
   * @example
   * const { enabled, deliveries } = await admin.getWebhook('whk_123');
   */
  async getWebhook(id: string): Promise<WebhookDetail> {
    const data = await this.transport.call({ path: `/api/webhooks/${encodeURIComponent(id)}` });
    return parseWith(WebhookDetailSchema, data, 'a webhook');
  }

  /**
   * Changes a subscription's `url`, `events` or `enabled` (`webhook:manage`); a disabled one gets no new deliveries.
   *
   * @example
   * await admin.updateWebhook('whk_123', { enabled: false });
   */
  async updateWebhook(id: string, body: UpdateWebhookBody): Promise<Webhook> {
    const data = await this.transport.call({
      method: 'PATCH',
      path: `/api/webhooks/${encodeURIComponent(id)}`,
      body,
      retries: 0,
    });
    return parseWith(WebhookSchema, data, 'a webhook');
  }

  /**
   * Removes a webhook subscription (`webhook:manage`).
   *
   * @example
   * await admin.deleteWebhook('whk_123');
   */
  async deleteWebhook(id: string): Promise<void> {
    await this.transport.call({
      method: 'DELETE',
      path: `/api/webhooks/${encodeURIComponent(id)}`,
      retries: 0,
    });
  }
}

function requestPath(id: string): string {
  return `/api/requests/${encodeURIComponent(id)}`;
}
