/** Outgoing webhooks (subscriptions and their delivery log) and where each Slack message is. */
import type { WebhookEvent } from '../../sdk/schemas.js';
import type { AuditEventInput } from './audit-log.js';
import type { JobInput } from './job-queue.js';

/** A webhook subscription. The secret is kept to sign deliveries; the API shows it only at creation. */
export interface WebhookRecord {
  id: string;
  url: string;
  events: WebhookEvent[];
  secret: string;
  /** A disabled subscription gets no new deliveries. */
  enabled: boolean;
  createdAt: string;
}

/** What `updateWebhook` may change; absent fields stay as they are. */
export interface WebhookPatch {
  url?: string;
  events?: WebhookEvent[];
  enabled?: boolean;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event for one subscription: every attempt sends the same id and body. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  event: string;
  requestId: string | null;
  /** The exact JSON body sent (and signed) on every attempt. */
  body: string;
  status: DeliveryStatus;
  attempts: number;
  /** HTTP status of the last attempt, or null when it got no answer. */
  responseStatus: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export interface DeliveryAttempt {
  /** `pending` when it will be tried again. */
  status: DeliveryStatus;
  responseStatus: number | null;
  error: string | null;
  at: string;
}

export interface DeliveryFilter {
  webhookId: string;
  status?: DeliveryStatus;
  limit: number;
}

/** Where a request's Slack message is, so it can be updated in place. */
export interface SlackMessageRef {
  requestId: string;
  /** The channel as configured (`#payments`, or an id). */
  channel: string;
  /** The channel id Slack answered with (what `chat.update` needs). */
  channelId: string;
  ts: string;
  createdAt: string;
}

export interface OutboundStore {
  insertWebhook(webhook: WebhookRecord, events: AuditEventInput[]): Promise<void>;
  /**
   * Changes a subscription (the fields `patch` names) and appends `events`, atomically; null (and
   * nothing logged) when the id is unknown. The secret never changes here.
   */
  updateWebhook(
    id: string,
    patch: WebhookPatch,
    at: string,
    events: AuditEventInput[],
  ): Promise<WebhookRecord | null>;
  getWebhook(id: string): Promise<WebhookRecord | null>;
  /** Oldest first. */
  listWebhooks(): Promise<WebhookRecord[]>;
  /** Removes a subscription and its delivery log; false when the id is unknown. */
  deleteWebhook(id: string, events: AuditEventInput[]): Promise<boolean>;
  /**
   * Stores a delivery and queues `jobs` with it, in one transaction. A delivery id already stored is
   * left as it was and nothing is queued (false), so a repeated fan-out never delivers twice.
   */
  insertDelivery(delivery: WebhookDelivery, jobs: JobInput[]): Promise<boolean>;
  /** Counts an attempt and records its outcome; null when the delivery is unknown. */
  recordDeliveryAttempt(id: string, attempt: DeliveryAttempt): Promise<WebhookDelivery | null>;
  getDelivery(id: string): Promise<WebhookDelivery | null>;
  /** Newest first. */
  listDeliveries(filter: DeliveryFilter): Promise<WebhookDelivery[]>;

  /** Remembers a posted Slack message (one per request and channel; a second save keeps the first). */
  saveSlackMessage(ref: SlackMessageRef, events: AuditEventInput[]): Promise<void>;
  /** The request's Slack messages, oldest first. */
  listSlackMessages(requestId: string): Promise<SlackMessageRef[]>;
}
