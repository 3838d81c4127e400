import type { Requester, Requirement } from '../../sdk/schemas.js';
import { type ListedQualification, qualifyListedVoter } from '../approvals/qualify-listed-voter.js';

export type SlackQualification = ListedQualification;

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
  return qualifyListedVoter(request, requirements, 'slack', userId);
}
