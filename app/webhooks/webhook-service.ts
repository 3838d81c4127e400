import { createHash, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type {
  CreateWebhookBodySchema,
  UpdateWebhookBodySchema,
  Webhook,
  WebhookDetail,
  WebhookEvent,
} from '../../sdk/schemas.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { OutboundStore } from '../ports/outbound-store.js';
import type { DeliveryStatus, Job, Principal, WebhookDelivery, WebhookRecord } from '../ports/store.js';
import { BlockedDestinationError, type WebhookSender } from '../ports/webhook-sender.js';
import { AppError, notFound } from '../services/app-error.js';
import { PermanentJobError } from '../services/job-runner.js';
import { VERSION } from '../version.js';
import { signWebhook } from './sign-webhook.js';
import { DELIVER_JOB, type FanoutPayload } from './webhook-events.js';

export type CreateWebhookInput = z.output<typeof CreateWebhookBodySchema>;
export type UpdateWebhookInput = z.output<typeof UpdateWebhookBodySchema>;

/** How many of the latest deliveries `GET /api/webhooks/:id` shows (as the original AgentGate). */
const RECENT_DELIVERIES = 20;

/** A delivery as the API shows it (the log): everything but the body. */
export type DeliveryView = Omit<WebhookDelivery, 'body'>;

export interface WebhookServiceDeps {
  store: OutboundStore;
  clock: Clock;
  log: Logger;
  newId: (prefix: string) => string;
  /** `AGENTGATE_WEBHOOK_ALLOW_PRIVATE`: loopback and private targets allowed. */
  allowPrivate: boolean;
  /** Deadline of one attempt (connect, send, answer). */
  timeoutMs: number;
  /** Attempts of a delivery before it is `failed` (the job kind's bound). */
  maxAttempts: number;
  /** Checks receiver URLs and makes the attempts; the SSRF-guarded sender in production. */
  sender: WebhookSender;
  /** Tells the job runner that deliveries were queued, so they start now rather than at the next poll. */
  onQueued?: () => void;
}

type AttemptOutcome =
  | { delivered: true; status: number }
  | { delivered: false; status: number | null; error: string; permanent: boolean };

/**
 * Outgoing webhooks: subscriptions, the fan-out of an event to a delivery per subscription, and
 * signed delivery attempts. Deliveries run from the job queue, never inside an API request; only
 * the explicit test endpoint makes one attempt while the caller waits (bounded by the timeout).
 */
export class WebhookService {
  /** Events some subscription wants, or null until loaded (then every event counts as wanted). */
  #subscribed: ReadonlySet<WebhookEvent> | null = null;

  constructor(private readonly deps: WebhookServiceDeps) {}

  /**
   * Reads which events have subscribers. Subscriptions change only through this service, which
   * reloads after each change; a store shared by several instances would also need a notification.
   */
  async loadSubscriptions(): Promise<void> {
    this.#subscribed = new Set(
      (await this.deps.store.listWebhooks()).filter((w) => w.enabled).flatMap((w) => w.events),
    );
  }

  /** Whether an event needs a fan-out job at all: without subscribers, requests queue nothing. */
  wants(event: WebhookEvent): boolean {
    return this.#subscribed?.has(event) ?? true;
  }

  /** The URL as stored, or a 400 saying why it is refused (the same check at creation and update). */
  #checkUrl(url: string): string {
    const checked = this.deps.sender.check(url, this.deps.allowPrivate);
    if (checked.ok) return checked.url.href;
    const hint = this.deps.allowPrivate
      ? ''
      : ' (self-hosted receivers on a private network: set AGENTGATE_WEBHOOK_ALLOW_PRIVATE=true)';
    throw new AppError('validation_failed', `The webhook url is refused: ${checked.reason}${hint}.`, [
      { path: 'url', message: checked.reason },
    ]);
  }

  async create(principal: Principal, input: CreateWebhookInput): Promise<Webhook & { secret?: string }> {
    const url = this.#checkUrl(input.url);
    const generated = input.secret === undefined;
    const webhook: WebhookRecord = {
      id: this.deps.newId('whk'),
      url,
      events: [...new Set(input.events)],
      secret: input.secret ?? `whsec_${randomBytes(32).toString('base64url')}`,
      enabled: true,
      createdAt: this.deps.clock.now().toISOString(),
    };
    await this.deps.store.insertWebhook(webhook, [
      {
        requestId: null,
        eventType: 'webhook_created',
        actor: principal.actor,
        details: { webhookId: webhook.id, url: webhook.url, events: webhook.events },
        createdAt: webhook.createdAt,
      },
    ]);
    await this.loadSubscriptions();
    return { ...toWebhookView(webhook), ...(generated && { secret: webhook.secret }) };
  }

  async list(): Promise<Webhook[]> {
    return (await this.deps.store.listWebhooks()).map(toWebhookView);
  }

  /** The subscription (never its secret) with its latest deliveries, newest first. */
  async get(id: string): Promise<WebhookDetail> {
    const webhook = await this.#find(id);
    const deliveries = await this.deps.store.listDeliveries({ webhookId: id, limit: RECENT_DELIVERIES });
    return { ...toWebhookView(webhook), deliveries: deliveries.map(toDeliveryView) };
  }

  /** Changes the url (checked as at creation), the events or `enabled`; audited. */
  async update(principal: Principal, id: string, input: UpdateWebhookInput): Promise<Webhook> {
    const patch = {
      ...(input.url !== undefined && { url: this.#checkUrl(input.url) }),
      ...(input.events !== undefined && { events: [...new Set(input.events)] }),
      ...(input.enabled !== undefined && { enabled: input.enabled }),
    };
    const at = this.deps.clock.now().toISOString();
    const updated = await this.deps.store.updateWebhook(id, patch, at, [
      {
        requestId: null,
        eventType: 'webhook_updated',
        actor: principal.actor,
        details: { webhookId: id, ...patch },
        createdAt: at,
      },
    ]);
    if (!updated) throw notFound('webhook', id);
    await this.loadSubscriptions();
    return toWebhookView(updated);
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const deleted = await this.deps.store.deleteWebhook(id, [
      {
        requestId: null,
        eventType: 'webhook_deleted',
        actor: principal.actor,
        details: { webhookId: id },
        createdAt: this.deps.clock.now().toISOString(),
      },
    ]);
    if (!deleted) throw notFound('webhook', id);
    await this.loadSubscriptions();
  }

  async deliveries(id: string, filter: { status?: DeliveryStatus; limit: number }): Promise<DeliveryView[]> {
    await this.#find(id);
    const list = await this.deps.store.listDeliveries({
      webhookId: id,
      limit: filter.limit,
      ...(filter.status && { status: filter.status }),
    });
    return list.map(toDeliveryView);
  }

  /** Sends a signed `ping` now, once, and answers with its entry in the delivery log. */
  async test(id: string): Promise<DeliveryView> {
    const webhook = await this.#find(id);
    const at = this.deps.clock.now().toISOString();
    const deliveryId = this.deps.newId('dlv');
    const delivery = newDelivery(webhook.id, deliveryId, 'ping', null, at, {
      webhook: toWebhookView(webhook),
    });
    await this.deps.store.insertDelivery(delivery, []);
    const outcome = await this.#attempt(webhook, delivery);
    const recorded = await this.deps.store.recordDeliveryAttempt(deliveryId, {
      status: outcome.delivered ? 'delivered' : 'failed',
      responseStatus: outcome.status,
      error: outcome.delivered ? null : outcome.error,
      at: this.deps.clock.now().toISOString(),
    });
    if (!recorded) throw notFound('webhook', id); // deleted while testing
    return toDeliveryView(recorded);
  }

  /**
   * Runs a fan-out job: one delivery (and its job) per subscription to the event. The delivery id is
   * derived from the fan-out job and the subscription, so running the job again adds nothing.
   */
  async fanout(job: Job): Promise<void> {
    const { event, occurredAt, request } = job.payload as unknown as FanoutPayload;
    const subscribers = (await this.deps.store.listWebhooks()).filter(
      (w) => w.enabled && w.events.includes(event),
    );
    for (const webhook of subscribers) {
      const id = `dlv_${createHash('sha256').update(`${job.id}:${webhook.id}`).digest('hex').slice(0, 32)}`;
      const delivery = newDelivery(webhook.id, id, event, request.id, occurredAt, { request });
      await this.deps.store.insertDelivery(delivery, [{ kind: DELIVER_JOB, payload: { deliveryId: id } }]);
    }
    if (subscribers.length > 0) this.deps.onQueued?.();
  }

  /**
   * Runs a delivery job: one signed attempt. A failure throws, so the job runner retries it with
   * backoff; the last allowed attempt (or a refused destination) marks the delivery `failed`.
   */
  async deliver(job: Job): Promise<void> {
    const deliveryId = String(job.payload.deliveryId);
    const delivery = await this.deps.store.getDelivery(deliveryId);
    // Gone with its subscription, or already delivered before a crash lost the job's completion.
    if (delivery?.status !== 'pending') return;
    const webhook = await this.deps.store.getWebhook(delivery.webhookId);
    if (!webhook) return;
    const outcome = await this.#attempt(webhook, delivery);
    const last = !outcome.delivered && (outcome.permanent || job.attempts >= this.deps.maxAttempts);
    await this.deps.store.recordDeliveryAttempt(deliveryId, {
      status: outcome.delivered ? 'delivered' : last ? 'failed' : 'pending',
      responseStatus: outcome.status,
      error: outcome.delivered ? null : outcome.error,
      at: this.deps.clock.now().toISOString(),
    });
    if (outcome.delivered) return;
    this.deps.log.info(
      { deliveryId, webhookId: webhook.id, attempt: job.attempts, error: outcome.error },
      last ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry',
    );
    throw outcome.permanent ? new PermanentJobError(outcome.error) : new Error(outcome.error);
  }

  async #attempt(webhook: WebhookRecord, delivery: WebhookDelivery): Promise<AttemptOutcome> {
    const timestamp = Math.floor(this.deps.clock.now().getTime() / 1000);
    try {
      const { status } = await this.deps.sender.post({
        url: webhook.url,
        body: delivery.body,
        timeoutMs: this.deps.timeoutMs,
        allowPrivate: this.deps.allowPrivate,
        headers: {
          'content-type': 'application/json',
          'user-agent': `AgentGate-Webhook/${VERSION}`,
          'x-agentgate-event': delivery.event,
          'x-agentgate-delivery': delivery.id,
          'x-agentgate-timestamp': String(timestamp),
          'x-agentgate-signature': signWebhook(webhook.secret, timestamp, delivery.body),
        },
      });
      if (status >= 200 && status < 300) return { delivered: true, status };
      const error =
        status >= 300 && status < 400
          ? `HTTP ${status}: redirects are not followed`
          : `HTTP ${status} from the receiver`;
      return { delivered: false, status, error, permanent: false };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        delivered: false,
        status: null,
        error: message,
        permanent: error instanceof BlockedDestinationError,
      };
    }
  }

  async #find(id: string): Promise<WebhookRecord> {
    const webhook = await this.deps.store.getWebhook(id);
    if (!webhook) throw notFound('webhook', id);
    return webhook;
  }
}

/** The body every attempt sends: `{event, deliveryId, timestamp, data}`; `timestamp` is when the event happened. */
function newDelivery(
  webhookId: string,
  id: string,
  event: string,
  requestId: string | null,
  occurredAt: string,
  data: Record<string, unknown>,
): WebhookDelivery {
  return {
    id,
    webhookId,
    event,
    requestId,
    body: JSON.stringify({ event, deliveryId: id, timestamp: occurredAt, data }),
    status: 'pending',
    attempts: 0,
    responseStatus: null,
    lastError: null,
    createdAt: occurredAt,
    updatedAt: occurredAt,
    deliveredAt: null,
  };
}

const toWebhookView = ({ secret: _secret, ...webhook }: WebhookRecord): Webhook => webhook;
const toDeliveryView = ({ body: _body, ...delivery }: WebhookDelivery): DeliveryView => delivery;
