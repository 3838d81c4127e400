/**
 * A post-only Discord mirror through an incoming webhook (`DISCORD_WEBHOOK_URL`): no bot, no
 * buttons, the webhook's own channel. Messages are posted with `?wait=true` (so Discord answers the
 * message id) and edited in place through the webhook's message endpoint. Every call goes through
 * the SSRF-guarded HTTP client, with redirects never followed and a deadline. The URL carries the
 * webhook's token: it never appears in an error or a log line.
 */
import { type DiscordApi, DiscordApiError } from '../discord/discord-api.js';
import { guardedPost } from './guarded-http.js';

export interface DiscordWebhookApiOptions {
  /** `https://discord.com/api/webhooks/<id>/<token>`. */
  url: string;
  /** Loopback and private addresses (a fake in tests; never in production). */
  allowPrivate?: boolean;
  timeoutMs?: number;
}

/** A posted message comes back whole (embeds included: at most 6,000 characters of text). */
const ANSWER_LIMIT_BYTES = 256 * 1024;

export function createDiscordWebhookApi({
  url,
  allowPrivate = false,
  timeoutMs = 10_000,
}: DiscordWebhookApiOptions): DiscordApi {
  const base = new URL(url);
  base.search = '';
  const webhookId = base.pathname.split('/').filter(Boolean).at(-2) ?? 'webhook';
  const send = async (what: string, method: 'POST' | 'PATCH', target: URL, body: unknown) => {
    let answer: Awaited<ReturnType<typeof guardedPost>>;
    try {
      answer = await guardedPost({
        url: target.href,
        method,
        headers: { 'content-type': 'application/json', 'user-agent': 'AgentGate (discord webhook)' },
        body: JSON.stringify(body),
        timeoutMs,
        allowPrivate,
        answerLimitBytes: ANSWER_LIMIT_BYTES,
      });
    } catch (error) {
      // Node's messages name the host, never the path; still, say only which webhook.
      const reason = error instanceof Error ? error.message.replaceAll(base.pathname, '/…') : String(error);
      throw new Error(`Discord webhook ${webhookId}: ${what} failed: ${reason}`);
    }
    if (answer.status >= 200 && answer.status < 300) return answer.bodyExcerpt;
    const code = codeOf(answer.bodyExcerpt);
    throw new DiscordApiError(
      answer.status,
      code,
      `Discord webhook ${webhookId}: ${what} failed: ${answer.status}${code === null ? '' : ` (code ${code})`}`,
    );
  };
  return {
    mode: 'webhook',
    async postMessage(_channel, message) {
      const target = new URL(base);
      target.searchParams.set('wait', 'true');
      // Webhook messages cannot carry components; the mirror sends none without a bot anyway.
      const excerpt = await send('post', 'POST', target, { ...message, components: [] });
      const posted = parseMessage(excerpt);
      return { channelId: posted.channel_id, messageId: posted.id };
    },
    async editMessage(_channelId, messageId, message) {
      const target = new URL(base);
      target.pathname = `${base.pathname.replace(/\/+$/, '')}/messages/${encodeURIComponent(messageId)}`;
      await send('edit', 'PATCH', target, { ...message, components: [] });
    },
  };
}

function codeOf(body: string): number | null {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === 'number' ? code : null;
  } catch {
    return null;
  }
}

/** The posted message's ids (answered because of `wait=true`). */
function parseMessage(body: string): { id: string; channel_id: string } {
  let message: { id?: unknown; channel_id?: unknown } = {};
  try {
    message = JSON.parse(body) as typeof message;
  } catch {
    // reported below
  }
  if (typeof message.id !== 'string' || typeof message.channel_id !== 'string') {
    throw new Error('Discord answered the webhook post without a message id');
  }
  return { id: message.id, channel_id: message.channel_id };
}
