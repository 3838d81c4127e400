import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../app/config.js';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

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
