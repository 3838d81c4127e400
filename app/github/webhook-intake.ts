/**
 * What a delivery to `POST /api/github/webhooks` goes through before Probot sees it, cheapest
 * check first: headers (no body read), the body within its limit, the signature, JSON, and the
 * payload's shape. Every refusal is our `{error, code}` JSON; Probot only ever receives a signed,
 * well-formed payload (as the raw text it verifies again).
 */
import type { RequestHandler } from 'express';
import { rawBodyOf, readBody, refuseUnreadBody } from '../http/read-body.js';
import { AppError } from '../services/app-error.js';
import { findWebhookPayloadProblem } from './webhook-payload-problem.js';

export interface WebhookIntakeOptions {
  limitBytes: number;
  /** True when `signature` (`sha256=<hex>`) signs `body` with the webhook secret. */
  verify(body: string, signature: string): Promise<boolean>;
}

const EVENT = /^[a-z_]{1,64}$/;
const DELIVERY = /^[\w-]{1,100}$/;
const SIGNATURE = /^sha256=[0-9a-fA-F]{64}$/;

const checkHeaders: RequestHandler = (req, _res, next) => {
  const refuse = (code: 'unsupported_media_type' | 'bad_request', message: string) => {
    refuseUnreadBody(req);
    return new AppError(code, message);
  };
  if (!req.is('application/json')) {
    throw refuse(
      'unsupported_media_type',
      "GitHub webhooks must be sent as JSON (Content-Type: application/json); set the app's webhook content type to JSON.",
    );
  }
  const missing = ['x-github-event', 'x-github-delivery', 'x-hub-signature-256'].filter((h) => !req.get(h));
  if (missing.length > 0) throw refuse('bad_request', `Required headers missing: ${missing.join(', ')}.`);
  const malformed = [
    EVENT.test(req.get('x-github-event') ?? '') ? null : 'X-GitHub-Event',
    DELIVERY.test(req.get('x-github-delivery') ?? '') ? null : 'X-GitHub-Delivery',
    SIGNATURE.test(req.get('x-hub-signature-256') ?? '') ? null : 'X-Hub-Signature-256 (sha256=<64 hex>)',
  ].filter((h) => h !== null);
  if (malformed.length > 0) throw refuse('bad_request', `Malformed headers: ${malformed.join(', ')}.`);
  next();
};

export function webhookIntake(options: WebhookIntakeOptions): RequestHandler[] {
  const checkPayload: RequestHandler = async (req, _res, next) => {
    const text = (rawBodyOf(req) ?? Buffer.alloc(0)).toString('utf8');
    // @octokit/webhooks throws rather than answering false for an empty body.
    const signed = await options.verify(text, req.get('x-hub-signature-256') ?? '').catch(() => false);
    if (!signed) {
      throw new AppError(
        'bad_request',
        "The signature does not match the payload and this app's webhook secret (check WEBHOOK_SECRET).",
      );
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw new AppError('bad_request', 'The webhook payload is not valid JSON.');
    }
    const problem = findWebhookPayloadProblem(req.get('x-github-event') ?? '', payload);
    if (problem) throw new AppError('bad_request', problem);
    // A string body is what @octokit/webhooks verifies and parses, instead of reading the stream again.
    req.body = text;
    next();
  };
  return [checkHeaders, readBody(options.limitBytes), checkPayload];
}
