import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may be from now before it is a replay (Slack's advice: 5 minutes). */
const SLACK_SIGNATURE_WINDOW_SECONDS = 300;

export type SlackSignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'unsigned' | 'stale' | 'forged'; message: string };

export interface SlackSignedRequest {
  signingSecret: string;
  /** `X-Slack-Request-Timestamp` (Unix seconds). */
  timestamp: string | undefined;
  /** `X-Slack-Signature` (`v0=<hex>`). */
  signature: string | undefined;
  /** The body exactly as received, before any parsing. */
  rawBody: Buffer | string;
  /** Now, in Unix seconds. */
  now: number;
}

/**
 * Slack's request signing (v0): `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the
 * app's signing secret, compared in constant time; a timestamp more than five minutes away from
 * now is refused, so a captured request cannot be replayed later.
 */
export function verifySlackSignature(request: SlackSignedRequest): SlackSignatureCheck {
  const { signingSecret, timestamp, signature, rawBody, now } = request;
  if (!timestamp || !signature) {
    return {
      ok: false,
      reason: 'unsigned',
      message:
        'The request is not signed by Slack (X-Slack-Signature and X-Slack-Request-Timestamp are required).',
    };
  }
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > SLACK_SIGNATURE_WINDOW_SECONDS) {
    return {
      ok: false,
      reason: 'stale',
      message: 'The request timestamp is more than five minutes away from now; it may be a replay.',
    };
  }
  const expected = Buffer.from(
    `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'forged', message: 'The Slack signature does not match this request.' };
  }
  return { ok: true };
}
