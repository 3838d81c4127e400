import type { IntegrationFactory } from '../integration.js';
import {
  type DecisionLinkFactory,
  EMAIL_SEND_JOB,
  EmailNotifier,
  type MailOutcome,
} from './email-notifier.js';
import type { Mailer } from './mailer.js';

export interface EmailOptions {
  /** The SMTP client (`SMTP_URL`), built by app/main.ts; a test server in tests. */
  mailer: Mailer;
  /** `EMAIL_FROM`. */
  from: string;
  /** `AGENTGATE_PUBLIC_URL`: mails link to the request there. */
  publicUrl: string | null;
  /**
   * The web console's signed, single-use decision links (`/d/<token>`); without it, mails link to
   * the request and show the CLI commands.
   */
  decisionLink?: DecisionLinkFactory;
  /** Attempts of one mail before giving up (default 12: about 10 hours with the default delays). */
  maxAttempts?: number;
  baseDelayMs?: number;
}

/** Email to approvers as an integration (plugged in when `SMTP_URL` or `SMTP_HOST` is set). */
export function emailIntegration(options: EmailOptions): IntegrationFactory {
  return ({ store, clock, log, policies }) => {
    const maxAttempts = options.maxAttempts ?? 12;
    const totals: Record<MailOutcome, number> = { sent: 0, deferred: 0, failed: 0 };
    const notifier = new EmailNotifier({
      store,
      clock,
      log,
      mailer: options.mailer,
      policies,
      from: options.from,
      publicUrl: options.publicUrl,
      decisionLink: options.decisionLink ?? null,
      maxAttempts,
      count: (outcome) => {
        totals[outcome] += 1;
      },
    });
    return {
      name: 'email',
      reactor: notifier.reactor,
      jobKinds: {
        [EMAIL_SEND_JOB]: {
          handle: (job) => notifier.handle(job),
          maxAttempts,
          baseDelayMs: options.baseDelayMs ?? 30_000,
          maxDelayMs: 3_600_000,
        },
      },
      counters: [
        {
          name: 'agentgate_email_messages_total',
          help: 'Mails by outcome: sent (accepted by the SMTP server), deferred (an attempt failed and will be retried), failed (given up).',
          label: 'outcome',
          read: () => ({ ...totals }),
        },
      ],
      health: () => ({ decisionLinks: options.decisionLink !== undefined }),
    };
  };
}
