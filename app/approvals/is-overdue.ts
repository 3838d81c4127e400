/**
 * The one rule for "too late to decide": a pending request is overdue from its `expiresAt` on
 * (inclusive). The sweeper, a late vote, a late issue close and the stores' `findExpired` all ask
 * this, so a request is never expired by one and still open to another. Pure.
 */
import type { ApprovalRequest } from '../../sdk/schemas.js';

export function isOverdue(
  request: Pick<ApprovalRequest, 'status' | 'expiresAt'>,
  now: string | Date,
): boolean {
  const at = typeof now === 'string' ? Date.parse(now) : now.getTime();
  return request.status === 'pending' && Date.parse(request.expiresAt) <= at;
}
