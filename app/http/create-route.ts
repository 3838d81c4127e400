/**
 * The common case of `POST /api/requests`, the hot path of every agent, served on node:http before
 * express (like the long-poll, wait-route.ts): a JSON body with a Content-Length. express's router,
 * its per-request objects and the middleware chain cost about as much CPU as the create itself
 * (measured by `npm run bench:server`, docs/operations.md "Performance"). Every step is the same
 * function the express route runs, in the same order — body limit, JSON parse, authentication and
 * rate limit, scope, stored-JSON limits, schema, Idempotency-Key, create — with the same error
 * bodies and the same metrics label, so a client cannot tell the two apart (but for express's ETag,
 * which no client of a POST uses).
 *
 * Anything else (another path spelling, a query string, chunked or compressed bodies, another media
 * type or charset, no body) is left to express, which answers it as before. Returns true when it
 * took the request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { RequestService } from '../services/request-service.js';
import { type Authenticator, authenticateHeader, PREPAID_HEADER } from './auth.js';
import { errorResponse, internalError, toKnownError } from './error-handler.js';
import type { Metrics } from './metrics.js';
import { parseJsonText, readBodyOf } from './read-body.js';
import { createFromBody } from './requests-router.js';

export interface CreateRouteDeps {
  authenticator: Authenticator;
  requests: RequestService;
  metrics: Metrics;
  log: Logger;
  bodyLimitBytes: number;
  isShuttingDown: () => boolean;
}

const ROUTE = '/api/requests';

/** `application/json`, with at most a UTF-8 charset: the only type the express route parses too. */
const JSON_TYPE = /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:utf-?8|"utf-?8")[ \t]*)?$/i;
const DIGITS = /^[0-9]{1,10}$/;

/** Answers and returns true for the requests it takes (above); returns false for the rest. */
export function createCreateRoute(deps: CreateRouteDeps) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST' || (req.url !== ROUTE && req.url !== `${ROUTE}/`)) return false;
    const { headers } = req;
    const type = headers['content-type'];
    const length = headers['content-length'];
    if (
      type === undefined ||
      !JSON_TYPE.test(type) ||
      length === undefined ||
      !DIGITS.test(length) ||
      length === '0' ||
      headers['transfer-encoding'] !== undefined ||
      headers['content-encoding'] !== undefined
    ) {
      return false;
    }
    const started = performance.now();
    readBodyOf(req, deps.bodyLimitBytes, (error, body) => {
      const answered = error ? Promise.reject(error) : serveCreate(deps, req, res, body as Buffer);
      void answered
        .catch((failure: unknown) => {
          const known = toKnownError(failure, deps.bodyLimitBytes);
          if (!known) deps.log.error({ err: failure, method: 'POST', path: ROUTE }, 'unhandled error');
          const answer = errorResponse(known ?? internalError());
          send(deps, res, answer.status, answer.headers, answer.body);
        })
        .finally(() => {
          deps.metrics.observeHttp('POST', ROUTE, res.statusCode, (performance.now() - started) / 1000);
        });
    });
    return true;
  };
}

async function serveCreate(
  deps: CreateRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<void> {
  const parsed = parseJsonText(body);
  const principal = await authenticateHeader(
    deps.authenticator,
    req.headers.authorization,
    (name, value) => res.setHeader(name, value),
    header(req, PREPAID_HEADER),
  );
  const created = await createFromBody(deps.requests, principal, parsed, header(req, 'idempotency-key'));
  if (created.replayed) res.setHeader('Idempotent-Replayed', 'true');
  send(deps, res, 201, {}, created.request);
}

/** A header by name, whatever its case (node lower-cases them), when it was sent once. */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}

/** Answers with `body` as JSON; headers set before (rate limit, replay) are kept. */
function send(
  deps: CreateRouteDeps,
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: unknown,
): void {
  if (res.destroyed || res.writableEnded) return;
  const payload = JSON.stringify(body);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (deps.isShuttingDown()) res.setHeader('Connection', 'close');
  res.statusCode = status;
  res.end(payload);
}
