import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { PolicyProvider } from '../ports/policy-provider.js';
import type { RequestStore } from '../ports/request-store.js';
import type { Job, RequestRecord } from '../ports/store.js';
import type { RequestReactor } from '../services/request-service.js';
import { ruleDescriptionsOf } from '../services/rule-descriptions.js';
import { MailError, type Mailer } from './mailer.js';
import { normalizeEmail, qualifyEmailVoter } from './qualify-email-voter.js';
import { type MailKind, renderEmail } from './render-email.js';

export const EMAIL_SEND_JOB = 'email.send';

/**
 * A link that lets `recipient` approve or deny `requestId` (the web console's signed, single-use
 * confirm page, docs/console.md), or null when it cannot make one. Only GET-safe: the page decides
 * nothing until its POST.
 */
export type DecisionLinkFactory = (
  requestId: string,
  recipient: string,
  decision: 'approve' | 'deny',
) => string | null;

export type MailOutcome = 'sent' | 'deferred' | 'failed';

export interface EmailNotifierDeps {
  store: RequestStore;
  clock: Clock;
  log: Logger;
  mailer: Mailer;
  policies: PolicyProvider;
  /** `EMAIL_FROM`: its domain names the Message-IDs. */
  from: string;
  publicUrl: string | null;
  decisionLink: DecisionLinkFactory | null;
  /** Attempts before the job gives up (to count a final failure as `failed`, not `deferred`). */
  maxAttempts: number;
  count(outcome: MailOutcome): void;
}

/**
 * Mails human-routed requests to the addresses their rules name (`notify.email`, else the rule's
 * `approvers.email`): one mail per recipient when the request starts waiting, and a follow-up in
 * the same thread (In-Reply-To / References) when it is decided or expires. Each mail is its own
 * `email.send` job, queued in the change's transaction: an SMTP server that is down, or answers
 * 4xx/5xx, delays the mail (retried with backoff) and never blocks the request or loses a mail.
 * Message-IDs are fixed per request, recipient and kind, so a retry after an unclear failure is
 * recognisably the same message.
 */
export class EmailNotifier {
  readonly #domain: string;

  constructor(private readonly deps: EmailNotifierDeps) {
    this.#domain = /@([^\s>]+)>?\s*$/.exec(deps.from)?.[1] ?? 'agentgate.invalid';
  }

  readonly reactor: RequestReactor = {
    jobsFor: (change, request) => {
      if (!request.review) return [];
      const kind: MailKind | null =
        change === 'created' && request.status === 'pending'
          ? 'pending'
          : change === 'decided'
            ? 'outcome'
            : null;
      if (!kind) return [];
      return this.recipientsOf(request).map((to) => ({
        kind: EMAIL_SEND_JOB,
        payload: { requestId: request.id, to, mail: kind },
      }));
    },
  };

  /** Each requirement's `notify.email`, else its `approvers.email`; each address once (case-insensitively). */
  recipientsOf(request: Pick<RequestRecord, 'review'>): string[] {
    const addresses = (request.review?.requirements ?? []).flatMap(
      (r) => r.notify?.email ?? r.approvers.email ?? [],
    );
    return [...new Set(addresses.map(normalizeEmail))];
  }

  async handle(job: Job): Promise<void> {
    const { requestId, to, mail } = job.payload;
    if (typeof requestId !== 'string' || typeof to !== 'string' || (mail !== 'pending' && mail !== 'outcome'))
      return;
    const request = await this.deps.store.getRequest(requestId);
    // Decided before its first mail went out: the follow-up says everything.
    if (!request?.review || (mail === 'pending' && request.status !== 'pending')) return;
    try {
      await this.#send(request, to, mail);
    } catch (error) {
      const final = job.attempts >= this.deps.maxAttempts;
      this.deps.count(final ? 'failed' : 'deferred');
      this.deps.log.warn(
        {
          requestId,
          mail,
          recipientDomain: to.slice(to.lastIndexOf('@') + 1),
          attempts: job.attempts,
          smtpCode: error instanceof MailError ? error.responseCode : null,
          code: error instanceof MailError ? error.code : null,
          error: error instanceof Error ? error.message : String(error),
        },
        final ? 'could not send a mail; giving up' : 'could not send a mail; will retry',
      );
      throw error;
    }
  }

  /** The recipient's approve and deny links, or null when the factory makes none. */
  #links(requestId: string, to: string): { approve: string; deny: string } | null {
    const approve = this.deps.decisionLink?.(requestId, to, 'approve') ?? null;
    const deny = this.deps.decisionLink?.(requestId, to, 'deny') ?? null;
    return approve && deny ? { approve, deny } : null;
  }

  async #send(request: RequestRecord, to: string, kind: MailKind): Promise<void> {
    const { deps } = this;
    const qualified =
      qualifyEmailVoter(request, request.review?.requirements ?? [], to).qualifiesFor.length > 0;
    const rendered = renderEmail({
      request,
      kind,
      ruleDescriptions: await ruleDescriptionsOf(deps.policies, request),
      publicUrl: deps.publicUrl,
      // Only someone who may decide gets a link that decides.
      decisionLinks: kind === 'pending' && qualified ? this.#links(request.id, to) : null,
    });
    await deps.mailer.send({
      to,
      ...rendered,
      messageId: this.messageId(request.id, to, kind),
      inReplyTo: kind === 'outcome' ? this.messageId(request.id, to, 'pending') : null,
      requestId: request.id,
    });
    deps.count('sent');
    await deps.store.appendAudit([
      {
        requestId: request.id,
        eventType: 'reflected',
        actor: 'email',
        details: { via: 'email', mail: kind, to },
        createdAt: deps.clock.now().toISOString(),
      },
    ]);
  }

  /** `<req_….pending.1a2b3c4d5e6f@example.com>`: the same for every attempt of one mail. */
  messageId(requestId: string, to: string, kind: MailKind): string {
    const recipient = createHash('sha256').update(normalizeEmail(to)).digest('hex').slice(0, 12);
    return `<${requestId}.${kind}.${recipient}@${this.#domain}>`;
  }
}
