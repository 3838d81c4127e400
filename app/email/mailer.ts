/** What email needs from an SMTP server (the adapter is `app/adapters/smtp-mailer.ts`, nodemailer). */

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** `<…@…>`: fixed per request, recipient and kind, so a retried send is the same message. */
  messageId: string;
  /** The message this one answers (a follow-up threads under the first mail). */
  inReplyTo: string | null;
  /** The AgentGate request it is about (an `X-AgentGate-Request` header, for filters). */
  requestId: string;
}

export interface Mailer {
  /** Hands the message to the SMTP server; resolves once the server accepted it. */
  send(mail: OutgoingMail): Promise<void>;
}

/**
 * The SMTP server refused the message or could not be reached: `responseCode` is the server's
 * reply (4xx: try later; 5xx: refused, e.g. a bounce at RCPT TO), null when there was no answer
 * (connection refused, timeout). The message never contains credentials or the mail's body.
 */
export class MailError extends Error {
  override name = 'MailError';
  constructor(
    readonly responseCode: number | null,
    /** nodemailer's code: `ECONNECTION`, `ETIMEDOUT`, `EAUTH`, `EENVELOPE`, `EMESSAGE`… */
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}
