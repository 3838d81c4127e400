/**
 * The PostgreSQL side of outgoing webhooks (subscriptions, delivery log) and Slack message refs, as
 * the SQLite store's outbound-store.ts: the same rows (booleans are real booleans here).
 */
import type pg from 'pg';
import type { AuditEventInput, JobInput } from '../../ports/store.js';
import {
  type DeliveryRow,
  fromDeliveryRow,
  fromSlackMessageRow,
  fromWebhookRow,
  type OutboundMethods,
  type SlackMessageRow,
  type WebhookRow,
} from '../outbound-rows.js';
import { checkedCount } from '../store-values.js';

interface OutboundDeps {
  write<T>(doing: string, change: (c: pg.PoolClient) => Promise<T>): Promise<T>;
  read<R extends pg.QueryResultRow>(doing: string, text: string, values?: unknown[]): Promise<R[]>;
  appendEvents(c: pg.PoolClient, events: readonly AuditEventInput[]): Promise<unknown>;
  insertJobs(c: pg.PoolClient, jobs: readonly JobInput[], at: string): Promise<void>;
}

export function createPgOutboundMethods({
  write,
  read,
  appendEvents,
  insertJobs,
}: OutboundDeps): OutboundMethods {
  return {
    async insertWebhook(webhook, events) {
      await write(`store webhook ${webhook.id}`, async (c) => {
        await c.query(
          'INSERT INTO webhooks (id, url, events, secret, enabled, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
          [
            webhook.id,
            webhook.url,
            JSON.stringify(webhook.events),
            webhook.secret,
            webhook.enabled,
            webhook.createdAt,
          ],
        );
        await appendEvents(c, events);
      });
    },

    async getWebhook(id) {
      const rows = await read<WebhookRow>(`read webhook ${id}`, 'SELECT * FROM webhooks WHERE id = $1', [id]);
      return rows[0] ? fromWebhookRow(rows[0]) : null;
    },

    async listWebhooks() {
      const rows = await read<WebhookRow>('list webhooks', 'SELECT * FROM webhooks ORDER BY created_at, seq');
      return rows.map(fromWebhookRow);
    },

    async updateWebhook(id, patch, _at, events) {
      return write(`update webhook ${id}`, async (c) => {
        const row = (
          await c.query<WebhookRow>(
            `UPDATE webhooks SET url = coalesce($1, url), events = coalesce($2, events),
               enabled = coalesce($3, enabled) WHERE id = $4 RETURNING *`,
            [
              patch.url ?? null,
              patch.events === undefined ? null : JSON.stringify(patch.events),
              patch.enabled ?? null,
              id,
            ],
          )
        ).rows[0];
        if (!row) return null;
        await appendEvents(c, events);
        return fromWebhookRow(row);
      });
    },

    async deleteWebhook(id, events) {
      return write(`delete webhook ${id}`, async (c) => {
        await c.query('DELETE FROM webhook_deliveries WHERE webhook_id = $1', [id]);
        const deleted = await c.query('DELETE FROM webhooks WHERE id = $1', [id]);
        if (deleted.rowCount !== 1) return false;
        await appendEvents(c, events);
        return true;
      });
    },

    async insertDelivery(delivery, jobs) {
      return write(`store delivery ${delivery.id}`, async (c) => {
        const inserted = await c.query(
          `INSERT INTO webhook_deliveries (id, webhook_id, event, request_id, body, status, attempts,
             response_status, last_error, created_at, updated_at, delivered_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
          [
            delivery.id,
            delivery.webhookId,
            delivery.event,
            delivery.requestId,
            delivery.body,
            delivery.status,
            delivery.attempts,
            delivery.responseStatus,
            delivery.lastError,
            delivery.createdAt,
            delivery.updatedAt,
            delivery.deliveredAt,
          ],
        );
        if (inserted.rowCount !== 1) return false;
        await insertJobs(c, jobs, delivery.createdAt);
        return true;
      });
    },

    async recordDeliveryAttempt(id, attempt) {
      return write(`record an attempt of delivery ${id}`, async (c) => {
        const deliveredAt = attempt.status === 'delivered' ? attempt.at : null;
        const row = (
          await c.query<DeliveryRow>(
            `UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, response_status = $2,
               last_error = $3, updated_at = $4,
               delivered_at = CASE WHEN status = 'delivered' THEN delivered_at ELSE $5 END
             WHERE id = $6 RETURNING *`,
            [attempt.status, attempt.responseStatus, attempt.error, attempt.at, deliveredAt, id],
          )
        ).rows[0];
        return row ? fromDeliveryRow(row) : null;
      });
    },

    async getDelivery(id) {
      const rows = await read<DeliveryRow>(
        `read delivery ${id}`,
        'SELECT * FROM webhook_deliveries WHERE id = $1',
        [id],
      );
      return rows[0] ? fromDeliveryRow(rows[0]) : null;
    },

    async listDeliveries(filter) {
      const limit = checkedCount(filter.limit, 'limit');
      const rows = filter.status
        ? await read<DeliveryRow>(
            `list the deliveries of webhook ${filter.webhookId}`,
            `SELECT * FROM webhook_deliveries WHERE webhook_id = $1 AND status = $2
             ORDER BY created_at DESC, id DESC LIMIT $3`,
            [filter.webhookId, filter.status, limit],
          )
        : await read<DeliveryRow>(
            `list the deliveries of webhook ${filter.webhookId}`,
            'SELECT * FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2',
            [filter.webhookId, limit],
          );
      return rows.map(fromDeliveryRow);
    },

    async saveSlackMessage(ref, events) {
      await write(`remember the Slack message of request ${ref.requestId}`, async (c) => {
        const saved = await c.query(
          `INSERT INTO slack_messages (request_id, channel, channel_id, ts, created_at)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_id, channel) DO NOTHING`,
          [ref.requestId, ref.channel, ref.channelId, ref.ts, ref.createdAt],
        );
        if (saved.rowCount === 1) await appendEvents(c, events);
      });
    },

    async listSlackMessages(requestId) {
      const rows = await read<SlackMessageRow>(
        `list the Slack messages of request ${requestId}`,
        'SELECT * FROM slack_messages WHERE request_id = $1 ORDER BY created_at, channel',
        [requestId],
      );
      return rows.map(fromSlackMessageRow);
    },
  };
}
