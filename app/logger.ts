import { type Logger, pino, stdSerializers } from 'pino';

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

/** Longest string a log line keeps from an error (messages, stacks excepted). */
const MAX_LOGGED_STRING = 500;
/** Properties that hold what a client sent: a webhook's whole payload, a parsed or raw body. */
const CLIENT_DATA = new Set(['event', 'payload', 'body', 'rawBody']);

/**
 * Errors are logged without the request data they carry. @octokit/webhooks attaches the whole
 * delivery (`error.event.payload`) to every error, and Probot logs it up to three times, so a
 * forged 400 MB post once became 1.2 GB of log; a body parser's error keeps the `body` too.
 */
function boundedCopy(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    return value.length > MAX_LOGGED_STRING
      ? `${value.slice(0, MAX_LOGGED_STRING)}… (${value.length} characters)`
      : value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 6) return '[nested too deep to log]';
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => boundedCopy(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value).slice(0, 50)) {
    out[name] = CLIENT_DATA.has(name) ? '[not logged]' : name === 'stack' ? v : boundedCopy(v, depth + 1);
  }
  return out;
}

function serializeError(error: unknown): unknown {
  return boundedCopy(error instanceof Error ? stdSerializers.err(error) : error, 0);
}

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, redact: { paths: REDACT, censor: '[redacted]' }, serializers: { err: serializeError } },
    destination ?? process.stdout,
  );
}
