import { createHmac } from 'node:crypto';

/**
 * The `X-AgentGate-Signature` value: `sha256=` + hex HMAC-SHA256, keyed with the subscription's
 * secret, of `"<timestamp>.<raw body>"` (timestamp in Unix seconds, as in `X-AgentGate-Timestamp`).
 * Signing the timestamp with the body lets a receiver refuse replays of an old delivery.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
