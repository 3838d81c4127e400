import type { WebhookEvent } from '../../sdk/schemas.js';
import type { RequestRecord } from '../ports/store.js';
import type { RequestChange, RequestReactor } from '../services/request-service.js';
import { toWireRequest } from '../services/to-wire-request.js';

/** Job kinds of outgoing webhooks. */
export const FANOUT_JOB = 'webhooks.fanout';
export const DELIVER_JOB = 'webhooks.deliver';

/** What a fan-out job carries: the event and the request as it was when the event happened. */
export interface FanoutPayload {
  event: WebhookEvent;
  occurredAt: string;
  request: ReturnType<typeof toWireRequest>;
}

/**
 * The event a request change is, for subscribers: every creation; every final status (policy
 * decisions at creation, votes, API, cancellation) as `request.decided`, except expiry, which is
 * `request.expired`. Votes that leave a request pending are not an event.
 */
export function webhookEventFor(change: RequestChange, request: RequestRecord): WebhookEvent | null {
  if (change === 'created') return 'request.created';
  if (change === 'decided') return request.status === 'expired' ? 'request.expired' : 'request.decided';
  return null;
}

/**
 * Queues one fan-out job per event that has subscribers, in the transaction of the change.
 * Subscriptions are read when the job runs (a reactor cannot read the store), and each gets its
 * own delivery then.
 */
export function createWebhooksReactor(wants: (event: WebhookEvent) => boolean): RequestReactor {
  return {
    jobsFor(change, request) {
      const event = webhookEventFor(change, request);
      if (!event || !wants(event)) return [];
      const payload: FanoutPayload = {
        event,
        occurredAt: request.updatedAt,
        request: toWireRequest(request),
      };
      return [{ kind: FANOUT_JOB, payload: payload as unknown as Record<string, unknown> }];
    },
  };
}
