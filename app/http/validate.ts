import type { z } from 'zod';
import { AppError } from '../services/app-error.js';
import { findJsonLimitProblem } from './json-limits.js';

/**
 * Parses `value` with `schema`, or throws a 400 whose message names each field at fault and says
 * what it must be (e.g. `urgency: Invalid option: expected one of "low"|"normal"|"high"|"critical"`).
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query',
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({
    path: issue.path.join('.') || where,
    message: issue.message,
  }));
  const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ');
  throw new AppError(
    'validation_failed',
    `Invalid ${where === 'body' ? 'request body' : 'query'}: ${summary}.`,
    details,
  );
}

/**
 * Refuses a body whose `params` or `context` break the stored-JSON limits (DESIGN §11): 400
 * `invalid_request` with `details: [{path, limit, max?, message}]`. Runs before the body schema, so
 * nothing recursive ever sees a value nested thousands of levels deep.
 */
export function assertStorableJson(body: unknown, fields: readonly string[] = ['params', 'context']): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
  for (const field of fields) {
    const value = (body as Record<string, unknown>)[field];
    if (value === undefined) continue;
    const problem = findJsonLimitProblem(value, field);
    if (problem) {
      throw new AppError('invalid_request', `Invalid request body: ${problem.message}.`, [problem]);
    }
  }
}
