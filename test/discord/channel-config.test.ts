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

describe('Email configuration', () => {
  it('is off without an SMTP server', () => {
    expect(loadConfig({}).email).toBeNull();
  });

  it('reads SMTP_URL, or host, port, TLS and credentials', () => {
    expect(
      loadConfig({ SMTP_URL: 'smtp://u:p@mail.example.com:587', EMAIL_FROM: 'AgentGate <gate@example.com>' })
        .email,
    ).toEqual({
      smtp: { url: 'smtp://u:p@mail.example.com:587', requireTLS: false },
      from: 'AgentGate <gate@example.com>',
    });
    expect(
      loadConfig({
        SMTP_HOST: 'mail.example.com',
        SMTP_PORT: '465',
        SMTP_USER: 'gate',
        SMTP_PASSWORD: 'pw',
        SMTP_REQUIRE_TLS: 'true',
        EMAIL_FROM: 'gate@example.com',
      }).email,
    ).toEqual({
      smtp: {
        host: 'mail.example.com',
        port: 465,
        secure: true,
        requireTLS: true,
        auth: { user: 'gate', pass: 'pw' },
      },
      from: 'gate@example.com',
    });
    expect(loadConfig({ SMTP_HOST: 'mail.example.com', EMAIL_FROM: 'gate@example.com' }).email?.smtp).toEqual(
      {
        host: 'mail.example.com',
        port: 587,
        secure: false,
        requireTLS: false,
        auth: null,
      },
    );
  });

  it('says what to fix, without echoing the URL or the credentials', () => {
    const problems = problemsOf({
      SMTP_URL: 'http://user:hunter2@mail.example.com',
      EMAIL_FROM: 'not an address',
    });
    expect(problems.some((p) => p.startsWith('SMTP_URL must be smtp://'))).toBe(true);
    expect(problems.some((p) => p.startsWith('EMAIL_FROM must be an address'))).toBe(true);
    expect(JSON.stringify(problems)).not.toContain('hunter2');

    const missing = problemsOf({ SMTP_URL: 'smtp://user:hunter2@mail.example.com:587', SMTP_USER: 'x' });
    expect(missing.join('\n')).toContain('EMAIL_FROM must be set with an SMTP server');
    expect(missing.join('\n')).toContain('SMTP_USER and SMTP_PASSWORD go together');
    expect(JSON.stringify(missing)).not.toContain('hunter2');
    expect(problemsOf({ EMAIL_FROM: 'gate@example.com' }).join('\n')).toContain(
      'set SMTP_URL (or SMTP_HOST)',
    );
  });
});
