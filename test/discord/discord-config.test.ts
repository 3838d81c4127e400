import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../app/config.js';

const TOKEN = `MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.${'x'.repeat(40)}`;
const KEY = 'a'.repeat(64);
const APP = '423456789012345678';
const CHANNEL = '100000000000000001';
const WEBHOOK = `https://discord.com/api/webhooks/223456789012345678/${'t'.repeat(68)}`;

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('Discord configuration', () => {
  it('is off without a bot token or a webhook URL', () => {
    expect(loadConfig({}).discord).toBeNull();
  });

  it('reads the bot, its buttons, the default channel and the API URL', () => {
    expect(
      loadConfig({
        DISCORD_BOT_TOKEN: TOKEN,
        DISCORD_APPLICATION_ID: APP,
        DISCORD_PUBLIC_KEY: KEY.toUpperCase(),
        DISCORD_CHANNEL_ID: CHANNEL,
        DISCORD_API_URL: 'http://127.0.0.1:4000/api',
      }).discord,
    ).toEqual({
      botToken: TOKEN,
      webhookUrl: null,
      applicationId: APP,
      publicKey: KEY,
      channel: CHANNEL,
      apiUrl: 'http://127.0.0.1:4000/api',
    });
    expect(loadConfig({ DISCORD_WEBHOOK_URL: WEBHOOK }).discord).toMatchObject({
      botToken: null,
      webhookUrl: WEBHOOK,
    });
  });

  it('says what to fix, without echoing the token or the webhook URL', () => {
    const problems = problemsOf({
      DISCORD_BOT_TOKEN: 'short-token',
      DISCORD_PUBLIC_KEY: 'xyz',
      DISCORD_CHANNEL_ID: '#approvals',
      DISCORD_WEBHOOK_URL: 'http://evil.example/api/webhooks/1/secret-part',
    });
    expect(problems.some((p) => p.startsWith("DISCORD_BOT_TOKEN must be the bot's token"))).toBe(true);
    expect(problems.some((p) => p.startsWith('DISCORD_PUBLIC_KEY must be the 64 hex characters'))).toBe(true);
    expect(problems).toContain(
      'DISCORD_CHANNEL_ID must be a channel id: 17–20 digits (Discord: Developer Mode, then Copy ID) (got "#approvals")',
    );
    expect(problems.some((p) => p.startsWith('DISCORD_WEBHOOK_URL must be a Discord webhook URL'))).toBe(
      true,
    );
    expect(JSON.stringify(problems)).not.toContain('short-token');
    expect(JSON.stringify(problems)).not.toContain('secret-part');
  });

  it.each([
    [{ DISCORD_BOT_TOKEN: TOKEN, DISCORD_WEBHOOK_URL: WEBHOOK }, 'use the bot (with buttons) or the webhook'],
    [
      { DISCORD_WEBHOOK_URL: WEBHOOK, DISCORD_PUBLIC_KEY: KEY, DISCORD_APPLICATION_ID: APP },
      'the buttons need the bot',
    ],
    [{ DISCORD_BOT_TOKEN: TOKEN, DISCORD_PUBLIC_KEY: KEY }, 'DISCORD_APPLICATION_ID is not'],
    [{ DISCORD_WEBHOOK_URL: WEBHOOK, DISCORD_CHANNEL_ID: CHANNEL }, 'a webhook posts in its own channel'],
  ])('refuses settings that do not go together (%#)', (env, message) => {
    const problems = problemsOf(env);
    expect(problems.join('\n')).toContain(message);
    expect(JSON.stringify(problems)).not.toContain(TOKEN);
    expect(JSON.stringify(problems)).not.toContain('t'.repeat(68));
  });
});
