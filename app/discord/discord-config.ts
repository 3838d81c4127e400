/**
 * The Discord mirror's configuration (docs/discord.md): a bot (`DISCORD_BOT_TOKEN`, with
 * `DISCORD_APPLICATION_ID` and `DISCORD_PUBLIC_KEY` for the buttons) or an incoming webhook
 * (`DISCORD_WEBHOOK_URL`, post-only); `DISCORD_CHANNEL_ID` is the default channel and
 * `DISCORD_API_URL` replaces Discord's API (a fake in tests). Problems come back as sentences that
 * say what to fix; the token and the webhook URL (which holds a token) never appear in them.
 */
import { z } from 'zod';
import { parseEnvSection } from '../channel-config.js';

export interface DiscordSettings {
  botToken: string | null;
  webhookUrl: string | null;
  applicationId: string | null;
  /** Lowercase hex. */
  publicKey: string | null;
  channel: string | null;
  apiUrl: string | null;
}

const snowflake = (what: string) =>
  z.string().regex(/^\d{17,20}$/, `must be ${what}: 17–20 digits (Discord: Developer Mode, then Copy ID)`);

/** https, or http on loopback only (a local fake). */
const isSecureUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return (
      url.protocol === 'https:' ||
      (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    );
  } catch {
    return false;
  }
};

const DiscordEnvSchema = z.object({
  DISCORD_BOT_TOKEN: z
    .string()
    .regex(
      /^[\w.-]{50,}$/,
      "must be the bot's token (Developer Portal → your application → Bot → Reset Token)",
    )
    .optional(),
  DISCORD_APPLICATION_ID: snowflake("the application's id (General Information → Application ID)").optional(),
  DISCORD_PUBLIC_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be the 64 hex characters of General Information → Public Key')
    .optional(),
  DISCORD_CHANNEL_ID: snowflake('a channel id').optional(),
  DISCORD_WEBHOOK_URL: z
    .string()
    .refine((url) => isSecureUrl(url) && /\/api\/webhooks\/\d+\/[\w-]+\/?$/.test(new URL(url).pathname), {
      message: 'must be a Discord webhook URL such as https://discord.com/api/webhooks/<id>/<token>',
    })
    .optional(),
  DISCORD_API_URL: z
    .string()
    .refine(isSecureUrl, {
      message: 'must be an https:// URL such as https://discord.com/api (http:// only for localhost)',
    })
    .optional(),
});

const SECRETS = ['DISCORD_BOT_TOKEN', 'DISCORD_WEBHOOK_URL'];

export function loadDiscordSettings(
  env: Record<string, string | undefined>,
  problems: string[],
): DiscordSettings | null {
  const e = parseEnvSection(DiscordEnvSchema, env, SECRETS, problems);
  if (!e) return null;
  const before = problems.length;
  if (e.DISCORD_BOT_TOKEN && e.DISCORD_WEBHOOK_URL) {
    problems.push(
      'DISCORD_BOT_TOKEN and DISCORD_WEBHOOK_URL are both set: use the bot (with buttons) or the webhook (post-only), not both',
    );
  }
  if (e.DISCORD_PUBLIC_KEY && !e.DISCORD_BOT_TOKEN) {
    problems.push(
      'DISCORD_PUBLIC_KEY is set but DISCORD_BOT_TOKEN is not: the buttons need the bot (webhook messages cannot carry them)',
    );
  }
  if (e.DISCORD_PUBLIC_KEY && !e.DISCORD_APPLICATION_ID) {
    problems.push(
      'DISCORD_PUBLIC_KEY is set but DISCORD_APPLICATION_ID is not: set the application id from the same General Information page',
    );
  }
  if (e.DISCORD_CHANNEL_ID && !e.DISCORD_BOT_TOKEN) {
    problems.push(
      'DISCORD_CHANNEL_ID is set but DISCORD_BOT_TOKEN is not: a webhook posts in its own channel; set the bot token to choose channels',
    );
  }
  if (problems.length > before || (!e.DISCORD_BOT_TOKEN && !e.DISCORD_WEBHOOK_URL)) return null;
  return {
    botToken: e.DISCORD_BOT_TOKEN ?? null,
    webhookUrl: e.DISCORD_WEBHOOK_URL ?? null,
    applicationId: e.DISCORD_APPLICATION_ID ?? null,
    publicKey: e.DISCORD_PUBLIC_KEY?.toLowerCase() ?? null,
    channel: e.DISCORD_CHANNEL_ID ?? null,
    apiUrl: e.DISCORD_API_URL ?? null,
  };
}
