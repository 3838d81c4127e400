import type { ErrorRequestHandler, Response } from 'express';
import type { ErrorBody, ErrorCode } from '../../sdk/schemas.js';
import type { Logger } from '../logger.js';
import { StoreError } from '../ports/store.js';
import { AppError } from '../services/app-error.js';

/** The one mapping from error codes to HTTP statuses. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  override_forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_conflict: 422,
  not_installed: 422,
  contradicts_token: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal_error: 500,
};

/** Status, extra headers and `{error, code, details?}` body of an error. */
export function errorResponse(error: AppError): {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
} {
  return {
    status: STATUS_BY_CODE[error.code],
    headers: error.headers ?? {},
    body: {
      error: error.message,
      code: error.code,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}

function sendError(res: Response, error: AppError): void {
  const { status, headers, body } = errorResponse(error);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(status).json(body);
}

/** Errors raised by express's body parser, told in words the client can act on. */
function fromBodyParser(
  error: { type?: unknown; status?: unknown; message?: string },
  limitBytes: number,
): AppError | null {
  switch (error.type) {
    case 'entity.parse.failed':
      return new AppError(
        'bad_request',
        `The body is not valid JSON (${error.message}); send a JSON object.`,
      );
    case 'entity.too.large':
      return new AppError(
        'payload_too_large',
        `The body is larger than ${limitBytes} bytes; send a smaller one.`,
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(
        'unsupported_media_type',
        'Send the body as UTF-8 JSON with Content-Type: application/json.',
      );
    case 'request.aborted':
    case 'request.size.invalid':
      return new AppError('bad_request', 'The body ended before its declared length; send it again.');
    default:
      return typeof error.status === 'number' && error.status >= 400 && error.status < 500
        ? new AppError('bad_request', error.message ?? 'The request could not be read.')
        : null;
  }
}

/** Store failures: "try again" ones are 503 with Retry-After; the rest are logged internal errors. */
function fromStore(error: StoreError): AppError | null {
  switch (error.code) {
    case 'busy':
    case 'closed':
      return new AppError(
        'unavailable',
        'The database is busy or shutting down; try again in a moment.',
        undefined,
        {
          'Retry-After': '1',
        },
      );
    case 'conflict':
      return new AppError('conflict', error.message);
    default:
      return null;
  }
}

/**
 * The one mapping from anything a route throws to what the client is told: an AppError as it is,
 * a StoreError by its code, a body-parser failure in words. Null for an unexpected error, which the
 * caller logs and answers with `internalError()`. Express routes (createErrorHandler) and the
 * long-poll route on node:http (wait-route.ts) both use it, so they cannot drift apart.
 */
export function toKnownError(error: unknown, bodyLimitBytes: number): AppError | null {
  if (error instanceof AppError) return error;
  if (error instanceof StoreError) return fromStore(error);
  return fromBodyParser(
    (error ?? {}) as { type?: unknown; status?: unknown; message?: string },
    bodyLimitBytes,
  );
}

/** What the client is told about an unexpected error: never its details, never its fault. */
export function internalError(): AppError {
  return new AppError('internal_error', 'Something went wrong on the server; it has been logged. Try again.');
}

export function createErrorHandler(log: Logger, bodyLimitBytes: number): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = toKnownError(error, bodyLimitBytes);
    if (known) {
      sendError(res, known);
      return;
    }
    log.error({ err: error, method: req.method, path: req.path.slice(0, 200) }, 'unhandled error');
    if (res.headersSent) return;
    sendError(res, internalError());
  };
}
