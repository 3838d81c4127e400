/**
 * Every route that takes a body reads it through here, with a limit, before any other work.
 *
 * A declared `Content-Length` over the limit is refused at once (413) without reading it; a
 * chunked body is counted as it arrives and refused the moment it passes the limit. The rest is
 * never buffered: after the 413 the server throws away at most `LINGER_BYTES` more, for at most
 * `LINGER_MS` (long enough for the client to read the answer rather than a connection reset), then
 * closes the connection. express's own body parser read a 400 MB post to its end before answering.
 */
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../services/app-error.js';

/** Largest body per route (bytes); the README's "Limits" lists them. */
export const BODY_LIMITS = {
  /** `/api/*` JSON bodies (the server's `bodyLimitBytes`). */
  api: 1024 * 1024,
  /** `POST /api/slack/interactions`: one button click, form-encoded. */
  slack: 256 * 1024,
  /** `POST /api/github/webhooks`: GitHub caps its deliveries at 25 MB. */
  github: 25 * 1024 * 1024,
} as const;

/** What a refused body may still cost: bytes thrown away, and time, before the socket is closed. */
const LINGER_BYTES = 16 * 1024 * 1024;
const LINGER_MS = 2000;

/**
 * Call when refusing a request whose body is not (fully) read. Node drains an unread body after
 * the answer, discarding it; this bounds that drain. Closing at once instead would make the
 * kernel answer the client's next bytes with a reset, which can destroy the 413 before the client
 * reads it. A body that ends within the bounds leaves the connection open for the next request.
 */
export function refuseUnreadBody(req: IncomingMessage): void {
  if (req.complete) return;
  const socket = req.socket;
  let discarded = 0;
  const stop = () => {
    clearTimeout(timer);
    socket.off('data', count);
    req.off('end', stop);
  };
  const close = () => {
    stop();
    socket.destroy();
  };
  const count = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES) close();
  };
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  socket.on('data', count);
  socket.once('close', stop);
  req.once('end', stop);
}

const kRawBody = Symbol('agentgate.rawBody');
type WithRawBody = IncomingMessage & { [kRawBody]?: Buffer };

/** The body read by `readBody`, or undefined when the request had none. */
export function rawBodyOf(req: IncomingMessage): Buffer | undefined {
  return (req as WithRawBody)[kRawBody];
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function tooLarge(limitBytes: number): AppError {
  return new AppError(
    'payload_too_large',
    `The body is larger than ${limitBytes} bytes; send a smaller one.`,
    {
      limitBytes,
    },
  );
}

/**
 * Reads the whole body of `req` (at most `limitBytes`) into memory, then calls `done` with it, or with
 * the error to answer (413, 415, 400), having bounded what an unread rest may cost. Node's own
 * request only: express routes use `readBody`, the create route on node:http (create-route.ts)
 * this.
 */
export function readBodyOf(
  req: IncomingMessage,
  limitBytes: number,
  done: (error: AppError | null, body?: Buffer) => void,
): void {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') {
    refuseUnreadBody(req);
    done(new AppError('unsupported_media_type', 'Send the body uncompressed (no Content-Encoding).'));
    return;
  }
  if (Number(req.headers['content-length'] ?? 0) > limitBytes) {
    refuseUnreadBody(req);
    done(tooLarge(limitBytes));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const finish = (error?: AppError) => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
    req.off('aborted', onError);
    if (error) done(error);
    else done(null, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limitBytes) {
      chunks.length = 0;
      refuseUnreadBody(req);
      finish(tooLarge(limitBytes));
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = () => finish();
  const onError = () =>
    finish(new AppError('bad_request', 'The body ended before its declared length; send it again.'));
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
  req.on('aborted', onError);
}

/** Reads the whole body (at most `limitBytes`) into memory; `rawBodyOf(req)` returns it. */
export function readBody(limitBytes: number): RequestHandler {
  return (req, _res, next) => {
    if (!hasBody(req)) {
      next();
      return;
    }
    readBodyOf(req, limitBytes, (error, body) => {
      if (error) {
        next(error);
        return;
      }
      (req as WithRawBody)[kRawBody] = body;
      next();
    });
  };
}

/**
 * A UTF-8 JSON body as `express.json({strict: true})` reads it: an object or an array (an empty body
 * is `{}`, as express read an empty chunked body). Throws a 400 saying what is wrong.
 */
export function parseJsonText(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  const text = raw.toString('utf8');
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') {
    throw new AppError('bad_request', 'The body is not valid JSON: send a JSON object.');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.slice(0, 200) : 'unparseable';
    throw new AppError('bad_request', `The body is not valid JSON (${reason}); send a JSON object.`);
  }
}

/** Parses the body read by `readBody` as UTF-8 JSON, an object or an array (like `express.json({strict: true})`). */
const parseJsonBody: RequestHandler = (req, _res, next) => {
  const raw = rawBodyOf(req);
  // Like express.json(): another media type is left unparsed for the route to refuse in its words.
  if (raw === undefined || !req.is('application/json')) {
    next();
    return;
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i
    .exec(req.headers['content-type'] ?? '')?.[1]
    ?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new AppError(
      'unsupported_media_type',
      'Send the body as UTF-8 JSON with Content-Type: application/json.',
    );
  }
  req.body = parseJsonText(raw);
  next();
};

/** `readBody` then `parseJsonBody`: the JSON body parser of every JSON route. */
export function jsonBody(limitBytes: number): RequestHandler[] {
  return [readBody(limitBytes), parseJsonBody];
}
