/**
 * Mail through an SMTP server with nodemailer (`SMTP_URL`, or host, port and credentials). One
 * connection per message, with short deadlines: a slow or absent server fails the attempt, and the
 * job that sent it is retried from the durable queue. Failures become `MailError` with the server's
 * reply code and a message that names neither the credentials nor the recipient's address.
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { EmailSettings } from '../email/email-config.js';
import { MailError, type Mailer } from '../email/mailer.js';

export interface SmtpMailerOptions {
  settings: EmailSettings;
  /** Deadline of each stage (connect, greeting, idle socket), default 15 s. */
  timeoutMs?: number;
}

const ADDRESS = /[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g;

export function createSmtpMailer({ settings, timeoutMs = 15_000 }: SmtpMailerOptions): Mailer {
  const { smtp } = settings;
  const common: SMTPTransport.Options = {
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    requireTLS: smtp.requireTLS,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  const transport =
    'url' in smtp
      ? nodemailer.createTransport(smtp.url, common)
      : nodemailer.createTransport({
          ...common,
          host: smtp.host,
          port: smtp.port,
          secure: smtp.secure,
          ...(smtp.auth && { auth: smtp.auth }),
        });
  return {
    async send(mail) {
      try {
        await transport.sendMail({
          from: settings.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          ...(mail.inReplyTo && { inReplyTo: mail.inReplyTo, references: [mail.inReplyTo] }),
          headers: {
            'Auto-Submitted': 'auto-generated',
            'X-Auto-Response-Suppress': 'All',
            'X-AgentGate-Request': mail.requestId,
          },
        });
      } catch (error) {
        const failure = error as { responseCode?: number; code?: string; message?: string };
        const reason = (failure.message ?? String(error)).replace(ADDRESS, '<address>').slice(0, 300);
        throw new MailError(failure.responseCode ?? null, failure.code ?? null, `SMTP: ${reason}`);
      }
    },
  };
}
