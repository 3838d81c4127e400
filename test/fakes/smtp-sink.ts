/**
 * A real SMTP server on 127.0.0.1 for tests (`smtp-server`), reading what arrives with `mailparser`.
 * It can require a login, refuse recipients with a 4xx or 5xx reply on demand, and be stopped and
 * started again on the same port (an outage).
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** RCPT TO addresses. */
  to: string[];
  parsed: ParsedMail;
}

export interface SmtpSink {
  port: number;
  /** `smtp://user:password@127.0.0.1:<port>`. */
  url: string;
  received: ReceivedMail[];
  /** Mails to `address` (any case), oldest first. */
  mailsTo(address: string): ReceivedMail[];
  /** Answers the next `times` RCPT TO with `code` (e.g. 450 mailbox busy, 550 no such user). */
  refuseNext(times: number, code: number): void;
  /** Stops listening (an outage); `start` listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Connections refused or failed login attempts, for the checks. */
  logins: { user: string; ok: boolean }[];
}

export async function startSmtpSink({
  user = 'agentgate',
  password = 'smtp-secret-password',
} = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const logins: { user: string; ok: boolean }[] = [];
  let refusing = { times: 0, code: 450 };
  let port = 0;

  const create = () =>
    new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: false,
      logger: false,
      size: 1024 * 1024,
      onAuth(auth, _session, callback) {
        const ok = auth.username === user && auth.password === password;
        logins.push({ user: auth.username ?? '', ok });
        if (!ok) return callback(new Error('Invalid username or password'));
        callback(null, { user: auth.username });
      },
      onRcptTo(_address, _session, callback) {
        if (refusing.times > 0) {
          refusing.times -= 1;
          const error = new Error(
            refusing.code >= 500 ? 'No such user here' : 'Mailbox busy, try later',
          ) as Error & {
            responseCode: number;
          };
          error.responseCode = refusing.code;
          return callback(error);
        }
        callback();
      },
      onData(stream, session, callback) {
        simpleParser(stream).then(
          (parsed) => {
            received.push({ to: session.envelope.rcptTo.map((r) => r.address), parsed });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
  let server = create();
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.server.address() as AddressInfo).port;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    get url() {
      return `smtp://${user}:${password}@127.0.0.1:${port}`;
    },
    received,
    logins,
    mailsTo: (address) =>
      received.filter((m) => m.to.some((to) => to.toLowerCase() === address.toLowerCase())),
    refuseNext(times, code) {
      refusing = { times, code };
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async start() {
      server = create();
      await listen();
    },
  };
}
