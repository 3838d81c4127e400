import type { IncomingMessage, ServerResponse } from 'node:http';
import { WaitQuerySchema } from '../../sdk/schemas.js';
import type { Logger } from '../logger.js';
import { AppError } from '../services/app-error.js';
import type { RequestService } from '../services/request-service.js';
import { toWireRequest } from '../services/to-wire-request.js';
import { type Authenticator, assertScope, authenticateHeader, PREPAID_HEADER } from './auth.js';
import { errorResponse, internalError, toKnownError } from './error-handler.js';
import type { Metrics } from './metrics.js';
import { parseInput } from './validate.js';

export interface WaitRouteDeps {
  authenticator: Authenticator;
  requests: RequestService;
  metrics: Metrics;
  log: Logger;
  isShuttingDown: () => boolean;
}

const WAIT_PATH = /^\/api\/requests\/([^/]+)\/wait$/;
const ROUTE = '/api/requests/:id/wait';

/**
 * `GET /api/requests/:id/wait`, served on node:http before express. A long-poll holds its
 * request for up to a minute, and express's per-request objects cost about 5 KB of heap each —
 * 50 MB at 10,000 waiters (measured by `npm run bench:server`). Auth, scopes, validation, error
 * bodies and metrics are the same functions every other route uses.
 *
 * Returns a handler that answers and returns true for its route, and returns false otherwise.
 */
export function createWaitRoute(deps: WaitRouteDeps) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '';
    if (req.method !== 'GET' || !url.startsWith('/api/requests/')) return false;
    const q = url.indexOf('?');
    const match = WAIT_PATH.exec(q === -1 ? url : url.slice(0, q));
    if (!match?.[1]) return false;
    void serveWait(deps, req, res, match[1], q === -1 ? '' : url.slice(q + 1));
    return true;
  };
}

async function serveWait(
  deps: WaitRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  rawId: string,
  search: string,
): Promise<void> {
  const started = performance.now();
  const headers: Record<string, string> = {};
  try {
    const principal = await authenticateHeader(
      deps.authenticator,
      req.headers.authorization,
      (name, value) => {
        headers[name] = value;
      },
      header(req, PREPAID_HEADER),
    );
    assertScope(principal, ['request:read', 'request:create']);
    const { timeout } = parseInput(WaitQuerySchema, queryObject(search), 'query');
    const id = decodeId(rawId);
    const request = await deps.requests.wait(principal, id, timeout, (cancel) => res.once('close', cancel));
    send(deps, res, 200, headers, toWireRequest(request));
  } catch (error) {
    const known = toKnownError(error, 0);
    if (!known) deps.log.error({ err: error, path: ROUTE }, 'unhandled error');
    const answer = errorResponse(known ?? internalError());
    send(deps, res, answer.status, { ...headers, ...answer.headers }, answer.body);
  } finally {
    deps.metrics.observeHttp('GET', ROUTE, res.statusCode, (performance.now() - started) / 1000);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The query as express's "simple" parser gives it to every other route: a repeated name becomes a
 * list, which the schema refuses, instead of the last value silently winning.
 */
function queryObject(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(search)) {
    const seen = Object.hasOwn(query, name) ? query[name] : undefined;
    if (seen === undefined) Object.defineProperty(query, name, { value, enumerable: true, writable: true });
    else query[name] = [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new AppError('bad_request', 'The request id in the path is not valid percent-encoding.');
  }
}

function send(
  deps: WaitRouteDeps,
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: unknown,
) {
  if (res.destroyed || res.writableEnded) return; // the client went away while waiting
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'X-Content-Type-Options': 'nosniff',
    ...(deps.isShuttingDown() && { Connection: 'close' }),
  });
  res.end(payload);
}
