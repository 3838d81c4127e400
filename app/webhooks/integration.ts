import type { IntegrationFactory } from '../integration.js';
import { newId as defaultNewId } from '../services/ids.js';
import { createWebhooksReactor, DELIVER_JOB, FANOUT_JOB } from './webhook-events.js';
import { WebhookService, type WebhookServiceDeps } from './webhook-service.js';
import { createWebhooksRouter } from './webhooks-router.js';

export interface WebhooksOptions {
  /** `AGENTGATE_WEBHOOK_ALLOW_PRIVATE=true`: receivers on loopback and private networks allowed. */
  allowPrivate?: boolean;
  /** Deadline of one attempt (default 10 s). */
  timeoutMs?: number;
  /** Attempts per delivery before it is `failed` (default 12: about 3.5 hours with the delays below). */
  maxAttempts?: number;
  /** First retry delay (default 10 s), doubling per attempt with jitter, capped at `maxDelayMs` (1 h). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Checks receiver URLs and delivers; app/main.ts passes the SSRF-guarded sender. */
  sender: WebhookServiceDeps['sender'];
  newId?: (prefix: string) => string;
}

/**
 * Outgoing webhooks as an integration: `/api/webhooks`, a reactor that queues a fan-out per event,
 * and the job kinds that fan out and deliver (durable, retried with backoff, bounded).
 */
export function webhooksIntegration(options: WebhooksOptions): IntegrationFactory {
  const {
    allowPrivate = false,
    timeoutMs = 10_000,
    maxAttempts = 12,
    baseDelayMs = 10_000,
    maxDelayMs = 3_600_000,
    sender,
    newId = defaultNewId,
  } = options;
  return ({ store, clock, log, jobs }) => {
    const service = new WebhookService({
      store,
      clock,
      log,
      newId,
      allowPrivate,
      timeoutMs,
      maxAttempts,
      sender,
      onQueued: () => jobs.wake(),
    });
    return {
      name: 'webhooks',
      reactor: createWebhooksReactor((event) => service.wants(event)),
      jobKinds: {
        [FANOUT_JOB]: { handle: (job) => service.fanout(job), baseDelayMs: 1000 },
        [DELIVER_JOB]: { handle: (job) => service.deliver(job), maxAttempts, baseDelayMs, maxDelayMs },
      },
      mountApi(api) {
        api.use('/webhooks', createWebhooksRouter(service));
      },
      health: () => ({ allowPrivate, maxAttempts, timeoutMs }),
      start: () => service.loadSubscriptions(),
    };
  };
}
