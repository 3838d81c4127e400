/**
 * Typed errors of the SDK. `AgentGateError` is any failure talking to the server; `TimeoutError`
 * means we stopped waiting; `DeniedError` is not a failure of the call but the answer "no".
 */
import type { ApprovalRequest } from './schemas.js';

export interface AgentGateErrorOptions {
  /** HTTP status, or 0 when no answer arrived (network error, per-call timeout). */
  status: number;
  /** The server's snake_case `code` (`not_found`, `validation_failed`, …) or one of the SDK's own. */
  code: string;
  /** Validation details from the server, when it sent any. */
  details?: unknown;
  /** Seconds from the server's `Retry-After` header (429, 503), when it sent one. */
  retryAfter?: number;
  cause?: unknown;
}

/**
 * A call to the AgentGate server failed. `message` is the server's own sentence, `status` the HTTP
 * status (0 when the server never answered: code `network_error`), `code` the server's error code.
 *
 * @example
 * try {
 *   await client.getRequest('req_unknown');
 * } catch (error) {
 *   if (error instanceof AgentGateError && error.code === 'not_found') console.log('no such request');
 *   else throw error;
 * }
 */
export class AgentGateError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  /** Seconds the server asked us to wait before trying again (`Retry-After`), when it said. */
  readonly retryAfter: number | undefined;

  constructor(message: string, options: AgentGateErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgentGateError';
    this.status = options.status;
    this.code = options.code;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }

  /** The HTTP status under the name the original AgentGate SDK used. */
  get statusCode(): number {
    return this.status;
  }
}

/**
 * We stopped waiting: `waitForDecision` passed its `timeout` (code `timeout`, status 408), or one
 * HTTP call got no answer within the client's `timeoutMs` (code `request_timeout`, status 0).
 * The request itself may still be pending; `request` is the last state seen, when known.
 *
 * @example
 * try {
 *   await client.waitForDecision(id, { timeout: 60_000 });
 * } catch (error) {
 *   if (error instanceof TimeoutError) console.log('still pending after a minute');
 * }
 */
export class TimeoutError extends AgentGateError {
  readonly request: ApprovalRequest | undefined;

  constructor(
    message = 'Timed out',
    options: { code?: 'timeout' | 'request_timeout'; request?: ApprovalRequest; cause?: unknown } = {},
  ) {
    const code = options.code ?? 'timeout';
    super(message, { status: code === 'timeout' ? 408 : 0, code, cause: options.cause });
    this.name = 'TimeoutError';
    this.request = options.request;
  }
}

/** Final statuses other than `approved`. */
export type RefusedStatus = 'denied' | 'expired' | 'cancelled';

/**
 * The gated action was not approved: denied (by a policy or a person), expired, or cancelled.
 * Thrown by `gate()`; carries who decided and why. It is not an `AgentGateError`: the server
 * answered fine, and the answer was no.
 *
 * @example
 * try {
 *   await client.gate('db.drop_table', { table: 'users' }, dropTable);
 * } catch (error) {
 *   if (error instanceof DeniedError) console.log(`${error.status} by ${error.decidedBy}: ${error.reason}`);
 * }
 */
export class DeniedError extends Error {
  /** The request in its final state. */
  readonly request: ApprovalRequest;
  /** `denied`, `expired` or `cancelled`. */
  readonly status: RefusedStatus;
  /** Who decided: `policy`, `github:<login>`, `api:<key name>`, `system:expiry`, … */
  readonly decidedBy: string | null;
  /** Why, in words, when the decider said. */
  readonly reason: string | null;
  /** Always `denied`, for code that switches on `error.code`. */
  readonly code = 'denied';

  constructor(request: ApprovalRequest) {
    const status = request.status as RefusedStatus;
    const by = request.decidedBy ? ` by ${request.decidedBy}` : '';
    const why = request.decisionReason ? `: ${request.decisionReason}` : '';
    super(`Request ${request.id} (${request.action}) was ${status}${by}${why}`);
    this.name = 'DeniedError';
    this.request = request;
    this.status = status;
    this.decidedBy = request.decidedBy ?? null;
    this.reason = request.decisionReason ?? null;
  }
}
