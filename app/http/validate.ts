import type { z } from 'zod';
import { AppError } from '../services/app-error.js';

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
