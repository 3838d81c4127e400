/**
 * How outgoing webhooks reach a URL someone else chose. The production sender
 * (app/adapters/webhook-sender.ts) checks URLs against the SSRF rules and POSTs through a guarded
 * socket; the composition root hands it to the webhooks integration.
 */

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Deadline for the whole attempt: connect, send, and read the answer. */
  timeoutMs: number;
  allowPrivate: boolean;
}

export interface WebhookPostResult {
  status: number;
  /** The first 1 KB of the answer, for the delivery log. */
  bodyExcerpt: string;
}

export interface WebhookSender {
  /** Whether a receiver URL is acceptable at all (scheme, credentials, literal addresses), before it is saved. */
  check(url: string, allowPrivate: boolean): UrlCheck;
  /** One attempt; resolves with any HTTP status, rejects on a refused (BlockedDestinationError) or failed connection. */
  post(options: WebhookPost): Promise<WebhookPostResult>;
}

/** A refused destination: retrying cannot help. */
export class BlockedDestinationError extends Error {
  override name = 'BlockedDestinationError';
}
