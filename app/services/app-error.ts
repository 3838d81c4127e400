import type { ErrorCode } from '../../sdk/schemas.js';

/**
 * A failure with a stable `code` and a message that says what to do. Services throw these; the
 * HTTP layer maps `code` to a status in exactly one place (`app/http/error-handler.ts`).
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string, id: string) =>
  new AppError('not_found', `No ${what} with id "${id}".`);
