import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../app/config.js';

describe('Slack configuration', () => {
  it('is off without SLACK_BOT_TOKEN', () => {
    expect(loadConfig({}).slack).toBeNull();
  });

  it('reads the token, signing secret, default channel and API URL', () => {
    expect(
      loadConfig({
        SLACK_BOT_TOKEN: 'xoxb-123-456-abc',
        SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5',
        SLACK_CHANNEL: '#approvals',
        SLACK_API_URL: 'http://127.0.0.1:4000/api/',
      }).slack,
    ).toEqual({
      botToken: 'xoxb-123-456-abc',
      signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
      channel: '#approvals',
      apiUrl: 'http://127.0.0.1:4000/api/',
    });
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }).slack).toEqual({
      botToken: 'xoxb-1',
      signingSecret: null,
      channel: null,
      apiUrl: null,
    });
  });

  it('says what to fix, without echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({ SLACK_BOT_TOKEN: 'not-a-token', SLACK_SIGNING_SECRET: 'short', SLACK_API_URL: 'ftp://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toContain('SLACK_BOT_TOKEN must be a Slack bot token (xoxb-…)');
    expect(problems.some((p) => p.startsWith('SLACK_SIGNING_SECRET must be the signing secret'))).toBe(true);
    expect(problems.some((p) => p.startsWith('SLACK_API_URL must be an http(s) URL'))).toBe(true);
    expect(JSON.stringify(problems)).not.toContain('not-a-token');
    expect(() => loadConfig({ SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5' })).toThrow(
      /SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not/,
    );
  });
});
