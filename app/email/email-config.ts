/**
 * Email's configuration (docs/email.md): the SMTP server by `SMTP_URL`
 * (`smtp://user:password@host:587`, STARTTLS when offered; `smtps://…:465`, TLS from the start) or
 * by `SMTP_HOST`, `SMTP_PORT`, `SMTP_USER`, `SMTP_PASSWORD`, `SMTP_SECURE`; `SMTP_REQUIRE_TLS=true`
 * refuses to send without STARTTLS; `EMAIL_FROM` is the sender. Problems come back as sentences
 * that say what to fix; the URL and credentials never appear in them.
 */
import { z } from 'zod';
import { parseEnvSection } from '../channel-config.js';

export interface EmailSettings {
  /** What nodemailer's SMTP transport takes: the URL, or host, port, TLS and credentials. */
  smtp:
    | { url: string; requireTLS: boolean }
    | {
        host: string;
        port: number;
        secure: boolean;
        requireTLS: boolean;
        auth: { user: string; pass: string } | null;
      };
  from: string;
}

const bool = z
  .enum(['true', 'false'], { message: 'must be true or false' })
  .transform((value) => value === 'true');

const EmailEnvSchema = z.object({
  SMTP_URL: z
    .string()
    .refine((url) => /^smtps?:\/\/[^/?#]+/i.test(url) && URL.canParse(url), {
      message: 'must be smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465 (TLS)',
    })
    .optional(),
  SMTP_HOST: z
    .string()
    .regex(/^[\w.-]+$/, 'must be a host name such as smtp.example.com')
    .optional(),
  SMTP_PORT: z
    .string()
    .regex(/^\d+$/, 'must be a port number such as 587')
    .transform(Number)
    .pipe(z.number().min(1, 'must be at least 1').max(65_535, 'must be at most 65535'))
    .optional(),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  SMTP_SECURE: bool.optional(),
  SMTP_REQUIRE_TLS: bool.optional(),
  EMAIL_FROM: z
    .string()
    .regex(
      /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/,
      'must be an address such as agentgate@example.com or AgentGate <agentgate@example.com>',
    )
    .optional(),
});

const SECRETS = ['SMTP_URL', 'SMTP_USER', 'SMTP_PASSWORD'];

export function loadEmailSettings(
  env: Record<string, string | undefined>,
  problems: string[],
): EmailSettings | null {
  const e = parseEnvSection(EmailEnvSchema, env, SECRETS, problems);
  if (!e) return null;
  if (!e.SMTP_URL && !e.SMTP_HOST) {
    const stray = [
      'EMAIL_FROM',
      'SMTP_PORT',
      'SMTP_USER',
      'SMTP_PASSWORD',
      'SMTP_SECURE',
      'SMTP_REQUIRE_TLS',
    ].filter((name) => env[name] !== undefined);
    if (stray.length > 0)
      problems.push(`${stray.join(', ')} set but no SMTP server: set SMTP_URL (or SMTP_HOST)`);
    return null;
  }
  const before = problems.length;
  if (e.SMTP_URL && e.SMTP_HOST) problems.push('SMTP_URL and SMTP_HOST are both set: use one');
  if (!e.EMAIL_FROM) {
    problems.push(
      'EMAIL_FROM must be set with an SMTP server: the sender, such as AgentGate <agentgate@example.com>',
    );
  }
  if (Boolean(e.SMTP_USER) !== Boolean(e.SMTP_PASSWORD)) {
    problems.push('SMTP_USER and SMTP_PASSWORD go together: set both or neither');
  }
  if (problems.length > before || !e.EMAIL_FROM) return null;
  const requireTLS = e.SMTP_REQUIRE_TLS ?? false;
  if (e.SMTP_URL) return { smtp: { url: e.SMTP_URL, requireTLS }, from: e.EMAIL_FROM };
  const secure = e.SMTP_SECURE ?? e.SMTP_PORT === 465;
  return {
    smtp: {
      host: e.SMTP_HOST as string,
      port: e.SMTP_PORT ?? (secure ? 465 : 587),
      secure,
      requireTLS,
      auth: e.SMTP_USER && e.SMTP_PASSWORD ? { user: e.SMTP_USER, pass: e.SMTP_PASSWORD } : null,
    },
    from: e.EMAIL_FROM,
  };
}
