/**
 * Checks the server's answers against the wire contract. Answers that match are returned as sent
 * (fields a newer server adds survive). Requests from an original AgentGate server do not carry
 * every field of ours, so a request only needs `id`, `action` and `status` to be accepted; anything
 * less is an `invalid_response` error rather than a surprise later.
 */
import type { z } from 'zod';
import { AgentGateError } from './errors.js';
import {
  type ApprovalRequest,
  ApprovalRequestSchema,
  type ListRequestsResponse,
  PaginationSchema,
  REQUEST_STATUSES,
} from './schemas.js';

export function parseRequest(data: unknown): ApprovalRequest {
  if (ApprovalRequestSchema.safeParse(data).success) return data as ApprovalRequest;
  if (
    isObject(data) &&
    typeof data.id === 'string' &&
    typeof data.action === 'string' &&
    (REQUEST_STATUSES as readonly unknown[]).includes(data.status)
  ) {
    return data as unknown as ApprovalRequest;
  }
  throw invalid('a request', data);
}

/** `{requests, pagination}`, or the bare array some older servers answer. */
export function parseRequestList(data: unknown, limit?: number, offset?: number): ListRequestsResponse {
  const rows = Array.isArray(data) ? data : isObject(data) ? data.requests : undefined;
  if (!Array.isArray(rows)) throw invalid('a list of requests', data);
  const requests = rows.map(parseRequest);
  const pagination = isObject(data) ? PaginationSchema.safeParse(data.pagination) : undefined;
  if (pagination?.success) return { requests, pagination: pagination.data };
  const start = offset ?? 0;
  return {
    requests,
    pagination: {
      total: start + requests.length,
      limit: limit ?? requests.length,
      offset: start,
      hasMore: false,
    },
  };
}

/** Validates with `schema`, returning the data as sent. */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw invalid(what, data, result.error.issues);
  return data as z.infer<S>;
}

/** An array, or an object holding one under one of `keys` (`{keys: [...]}`, `{entries: [...]}`). */
export function parseArray<S extends z.ZodType>(
  schema: S,
  data: unknown,
  keys: string[],
  what: string,
): z.infer<S>[] {
  let rows: unknown = data;
  if (isObject(data)) rows = keys.map((key) => data[key]).find(Array.isArray);
  if (!Array.isArray(rows)) throw invalid(what, data);
  return rows.map((row) => parseWith(schema, row, what));
}

function invalid(what: string, data: unknown, details?: unknown): AgentGateError {
  const shown = JSON.stringify(data)?.slice(0, 200) ?? String(data);
  return new AgentGateError(`The server's answer is not ${what}: ${shown}`, {
    status: 200,
    code: 'invalid_response',
    details,
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
