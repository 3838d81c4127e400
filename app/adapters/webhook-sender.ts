import type { WebhookSender } from '../ports/webhook-sender.js';
import { guardedPost } from './guarded-http.js';
import { checkWebhookUrl } from './ssrf-guard.js';

/** The production webhook sender: URLs judged by ssrf-guard, attempts made by guardedPost. */
export const guardedWebhookSender: WebhookSender = { check: checkWebhookUrl, post: guardedPost };
