/**
 * The rows of outgoing webhooks (subscriptions, delivery log) and Slack message refs, and how they
 * read back, shared by the SQLite and PostgreSQL stores: the same columns in both, except that
 * SQLite stores `enabled` as 0/1 and PostgreSQL as a boolean.
 */
import type {
  DeliveryStatus,
  SlackMessageRef,
  Store,
  WebhookDelivery,
  WebhookRecord,
} from '../ports/store.js';

/** The Store methods each adapter implements over these rows. */
export type OutboundMethods = Pick<
  Store,
  | 'insertWebhook'
  | 'getWebhook'
  | 'listWebhooks'
  | 'updateWebhook'
  | 'deleteWebhook'
  | 'insertDelivery'
  | 'recordDeliveryAttempt'
  | 'getDelivery'
  | 'listDeliveries'
  | 'saveSlackMessage'
  | 'listSlackMessages'
>;

export interface WebhookRow {
  id: string;
  url: string;
  events: string;
  secret: string;
  enabled: boolean | number;
  created_at: string;
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event: string;
  request_id: string | null;
  body: string;
  status: string;
  attempts: number;
  response_status: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export interface SlackMessageRow {
  request_id: string;
  channel: string;
  channel_id: string;
  ts: string;
  created_at: string;
}

export const fromWebhookRow = (row: WebhookRow): WebhookRecord => ({
  id: row.id,
  url: row.url,
  events: JSON.parse(row.events),
  secret: row.secret,
  enabled: row.enabled === true || row.enabled === 1,
  createdAt: row.created_at,
});

export const fromDeliveryRow = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  webhookId: row.webhook_id,
  event: row.event,
  requestId: row.request_id,
  body: row.body,
  status: row.status as DeliveryStatus,
  attempts: row.attempts,
  responseStatus: row.response_status,
  lastError: row.last_error,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  deliveredAt: row.delivered_at,
});

export const fromSlackMessageRow = (row: SlackMessageRow): SlackMessageRef => ({
  requestId: row.request_id,
  channel: row.channel,
  channelId: row.channel_id,
  ts: row.ts,
  createdAt: row.created_at,
});
