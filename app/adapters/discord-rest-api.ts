/**
 * The Discord bot through `@discordjs/rest` (Discord's REST API v10 with `DISCORD_BOT_TOKEN`). The
 * client's own retries are off and long rate-limit waits are refused: a failed call throws, and the
 * job that made it is retried from the durable queue with backoff instead of holding a worker.
 */
import { DiscordAPIError, HTTPError, REST } from '@discordjs/rest';
import { type APIMessage, Routes } from 'discord-api-types/v10';
import { type DiscordApi, DiscordApiError } from '../discord/discord-api.js';

export interface DiscordRestApiOptions {
  token: string;
  /** `DISCORD_API_URL`, e.g. a local fake (without `/v10`); default `https://discord.com/api`. */
  apiUrl?: string | null;
  /** Per-call deadline (default 10 s). */
  timeoutMs?: number;
}

/** Rate-limit waits longer than this fail the call (the job retries later) rather than block a worker. */
const LONGEST_RATE_LIMIT_WAIT_MS = 5000;

export function createDiscordRestApi({
  token,
  apiUrl,
  timeoutMs = 10_000,
}: DiscordRestApiOptions): DiscordApi {
  const rest = new REST({
    version: '10',
    ...(apiUrl && { api: apiUrl.replace(/\/+$/, '') }),
    retries: 0,
    timeout: timeoutMs,
    rejectOnRateLimit: (limit) => limit.retryAfter > LONGEST_RATE_LIMIT_WAIT_MS,
  }).setToken(token);

  /** Discord's refusals become DiscordApiError, so callers can tell "fix the setup" from "try later". */
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof DiscordAPIError) {
        throw new DiscordApiError(
          error.status,
          typeof error.code === 'number' ? error.code : null,
          `Discord ${what} failed: ${error.status} ${error.message}`,
        );
      }
      if (error instanceof HTTPError) {
        throw new DiscordApiError(
          error.status,
          null,
          `Discord ${what} failed: ${error.status} ${error.message}`,
        );
      }
      throw error;
    }
  };
  return {
    mode: 'bot',
    async postMessage(channelId, message) {
      const posted = (await call('create message', () =>
        rest.post(Routes.channelMessages(channelId), { body: message }),
      )) as APIMessage;
      return { channelId: posted.channel_id, messageId: posted.id };
    },
    async editMessage(channelId, messageId, message) {
      await call('edit message', () =>
        rest.patch(Routes.channelMessage(channelId, messageId), { body: message }),
      );
    },
  };
}
