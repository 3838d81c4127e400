/**
 * The SQLite side of outgoing webhooks (subscriptions, delivery log) and Slack message refs: its
 * rows, statements and Store methods, kept apart from the core store so each part stays small.
 */
import type Database from 'better-sqlite3';
import type {
  AuditEventInput,
  JobInput,
  SlackMessageRef,
  WebhookDelivery,
  WebhookPatch,
  WebhookRecord,
} from '../../ports/store.js';
import {
  type DeliveryRow,
  fromDeliveryRow,
  fromSlackMessageRow,
  fromWebhookRow,
  type OutboundMethods,
  type SlackMessageRow,
  type WebhookRow,
} from '../outbound-rows.js';
import { checkedCount } from './list-queries.js';

export interface OutboundDeps {
  db: Database.Database;
  /** Appends audit events under the caller's write transaction. */
  appendEvents(events: readonly AuditEventInput[]): unknown;
  /** Queues jobs under the caller's write transaction. */
  insertJobs(jobs: readonly JobInput[], at: string): void;
  /** Runs a change in the next group commit. */
  write<T>(doing: string, change: () => T): Promise<T>;
  /** Runs a read. */
  run<T>(doing: string, call: () => T): T;
}

export function createOutboundMethods({
  db,
  appendEvents,
  insertJobs,
  write,
  run,
}: OutboundDeps): OutboundMethods {
  const sql = {
    insertWebhook: db.prepare(
      'INSERT INTO webhooks (id, url, events, secret, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    updateWebhook: db.prepare<[string | null, string | null, number | null, string], WebhookRow>(
      `UPDATE webhooks SET url = coalesce(?, url), events = coalesce(?, events), enabled = coalesce(?, enabled)
       WHERE id = ? RETURNING *`,
    ),
    getWebhook: db.prepare<[string], WebhookRow>('SELECT * FROM webhooks WHERE id = ?'),
    listWebhooks: db.prepare<[], WebhookRow>('SELECT * FROM webhooks ORDER BY created_at, rowid'),
    deleteWebhook: db.prepare<[string]>('DELETE FROM webhooks WHERE id = ?'),
    deleteDeliveries: db.prepare<[string]>('DELETE FROM webhook_deliveries WHERE webhook_id = ?'),
    insertDelivery:
      db.prepare(`INSERT INTO webhook_deliveries (id, webhook_id, event, request_id, body, status,
        attempts, response_status, last_error, created_at, updated_at, delivered_at)
      VALUES (@id, @webhook_id, @event, @request_id, @body, @status, @attempts, @response_status, @last_error,
        @created_at, @updated_at, @delivered_at)
      ON CONFLICT (id) DO NOTHING`),
    recordAttempt: db.prepare<[string, number | null, string | null, string, string, string], DeliveryRow>(
      `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, response_status = ?, last_error = ?,
         updated_at = ?, delivered_at = CASE WHEN status = 'delivered' THEN delivered_at ELSE ? END
       WHERE id = ? RETURNING *`,
    ),
    getDelivery: db.prepare<[string], DeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = ?'),
    listDeliveries: db.prepare<[string, number], DeliveryRow>(
      `SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
    ),
    listDeliveriesByStatus: db.prepare<[string, string, number], DeliveryRow>(
      `SELECT * FROM webhook_deliveries WHERE webhook_id = ? AND status = ?
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    ),
    saveSlackMessage: db.prepare(`INSERT INTO slack_messages (request_id, channel, channel_id, ts, created_at)
      VALUES (?, ?, ?, ?, ?) ON CONFLICT (request_id, channel) DO NOTHING`),
    listSlackMessages: db.prepare<[string], SlackMessageRow>(
      'SELECT * FROM slack_messages WHERE request_id = ? ORDER BY created_at, channel',
    ),
  };

  const tx = {
    insertWebhook: (webhook: WebhookRecord, events: AuditEventInput[]) => {
      sql.insertWebhook.run(
        webhook.id,
        webhook.url,
        JSON.stringify(webhook.events),
        webhook.secret,
        webhook.enabled ? 1 : 0,
        webhook.createdAt,
      );
      appendEvents(events);
    },
    updateWebhook: (id: string, patch: WebhookPatch, events: AuditEventInput[]): WebhookRecord | null => {
      const row = sql.updateWebhook.get(
        patch.url ?? null,
        patch.events === undefined ? null : JSON.stringify(patch.events),
        patch.enabled === undefined ? null : patch.enabled ? 1 : 0,
        id,
      );
      if (!row) return null;
      appendEvents(events);
      return fromWebhookRow(row);
    },
    deleteWebhook: (id: string, events: AuditEventInput[]): boolean => {
      sql.deleteDeliveries.run(id);
      if (sql.deleteWebhook.run(id).changes === 0) return false;
      appendEvents(events);
      return true;
    },
    insertDelivery: (delivery: WebhookDelivery, jobs: JobInput[]): boolean => {
      const inserted =
        sql.insertDelivery.run({
          id: delivery.id,
          webhook_id: delivery.webhookId,
          event: delivery.event,
          request_id: delivery.requestId,
          body: delivery.body,
          status: delivery.status,
          attempts: delivery.attempts,
          response_status: delivery.responseStatus,
          last_error: delivery.lastError,
          created_at: delivery.createdAt,
          updated_at: delivery.updatedAt,
          delivered_at: delivery.deliveredAt,
        }).changes === 1;
      if (inserted) insertJobs(jobs, delivery.createdAt);
      return inserted;
    },
    saveSlackMessage: (ref: SlackMessageRef, events: AuditEventInput[]) => {
      const saved =
        sql.saveSlackMessage.run(ref.requestId, ref.channel, ref.channelId, ref.ts, ref.createdAt).changes ===
        1;
      if (saved) appendEvents(events);
    },
  };

  return {
    async insertWebhook(webhook, events) {
      await write(`store webhook ${webhook.id}`, () => tx.insertWebhook(webhook, events));
    },

    async getWebhook(id) {
      return run(`read webhook ${id}`, () => {
        const row = sql.getWebhook.get(id);
        return row ? fromWebhookRow(row) : null;
      });
    },

    async listWebhooks() {
      return run('list webhooks', () => sql.listWebhooks.all().map(fromWebhookRow));
    },

    async updateWebhook(id, patch, _at, events) {
      return write(`update webhook ${id}`, () => tx.updateWebhook(id, patch, events));
    },

    async deleteWebhook(id, events) {
      return write(`delete webhook ${id}`, () => tx.deleteWebhook(id, events));
    },

    async insertDelivery(delivery, jobs) {
      return write(`store delivery ${delivery.id}`, () => tx.insertDelivery(delivery, jobs));
    },

    async recordDeliveryAttempt(id, attempt) {
      return write(`record an attempt of delivery ${id}`, () => {
        const deliveredAt = attempt.status === 'delivered' ? attempt.at : null;
        const row = sql.recordAttempt.get(
          attempt.status,
          attempt.responseStatus,
          attempt.error,
          attempt.at,
          deliveredAt as string,
          id,
        );
        return row ? fromDeliveryRow(row) : null;
      });
    },

    async getDelivery(id) {
      return run(`read delivery ${id}`, () => {
        const row = sql.getDelivery.get(id);
        return row ? fromDeliveryRow(row) : null;
      });
    },

    async listDeliveries(filter) {
      const limit = checkedCount(filter.limit, 'limit');
      return run(`list the deliveries of webhook ${filter.webhookId}`, () =>
        (filter.status
          ? sql.listDeliveriesByStatus.all(filter.webhookId, filter.status, limit)
          : sql.listDeliveries.all(filter.webhookId, limit)
        ).map(fromDeliveryRow),
      );
    },

    async saveSlackMessage(ref, events) {
      await write(`remember the Slack message of request ${ref.requestId}`, () =>
        tx.saveSlackMessage(ref, events),
      );
    },

    async listSlackMessages(requestId) {
      return run(`list the Slack messages of request ${requestId}`, () =>
        sql.listSlackMessages.all(requestId).map(fromSlackMessageRow),
      );
    },
  };
}
