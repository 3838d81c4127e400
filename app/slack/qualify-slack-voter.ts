import type { Requester, Requirement } from '../../sdk/schemas.js';
import { isRequester } from '../approvals/is-requester.js';

export interface SlackQualification {
  /** Rule names of the requirements whose `approvers.slack` lists this user. */
  qualifiesFor: string[];
  /** Why nothing qualifies: listed only where the requester may not approve, or not listed at all. */
  refusal: 'requester' | 'not_approver' | null;
}

/**
 * Whether a Slack user may vote on a request (pure): they qualify for each requirement whose
 * `approvers.slack` lists their user id, unless they are the requester or the delegator
 * (`context.onBehalfOf: slack:U…`) and the rule does not say `allow_requester: true`.
 */
export function qualifySlackVoter(
  request: { requester: Requester; context: Record<string, unknown> },
  requirements: readonly Requirement[],
  userId: string,
): SlackQualification {
  const requester = isRequester(request, `slack:${userId}`);
  const listed = requirements.filter((r) => (r.approvers.slack ?? []).includes(userId));
  const qualifiesFor = listed.filter((r) => r.allowRequester || !requester).map((r) => r.rule);
  if (qualifiesFor.length > 0) return { qualifiesFor, refusal: null };
  return { qualifiesFor, refusal: listed.length > 0 ? 'requester' : 'not_approver' };
}
