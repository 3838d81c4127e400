import { type Logger, pino } from 'pino';

export type { Logger };

/** Anything that could carry a secret is redacted before it reaches a log line. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'key',
  'apiKey',
  'token',
  'secret',
  '*.key',
  '*.apiKey',
  '*.token',
  '*.secret',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' } }, destination ?? process.stdout);
}
